"""Settings shared by every service, read from `SANWEI_…` environment variables."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sanwei_kit.auth import DEV_AUDIENCE, DEV_ISSUER


class ServiceSettings(BaseSettings):
    """What every sanwei service needs to run. Services subclass it with their own knobs."""

    model_config = SettingsConfigDict(env_prefix="SANWEI_", env_file=None, extra="ignore")

    service_name: str = "sanwei"
    nats_url: str = Field(
        default="nats://127.0.0.1:4222", description="nats://[user:password@]host:port, the service's own NATS user."
    )
    nats_inbox_prefix: str | None = Field(
        default=None,
        description="Prefix of reply subjects; default _INBOX_<service_name>, the only inbox its NATS user may read.",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///.sanwei/data/service.db",
        description="SQLAlchemy async URL; one database per service.",
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8100
    log_format: str = Field(default="json", description="json or console.")
    log_level: str = "INFO"
    migrate_on_start: bool = Field(
        default=True, description="Run Alembic upgrade at start (dev); off when a Job migrates."
    )

    # Clock: real time unless an acceleration is configured (demo and tests).
    clock_speed: float = Field(default=1.0, gt=0, description="Simulated seconds per real second.")
    clock_origin_real: datetime | None = Field(
        default=None, description="Real instant at which the simulated clock read clock_origin_sim."
    )
    clock_origin_sim: datetime | None = None

    # Messaging.
    publish_timeout: float = Field(default=5.0, description="JetStream publish ack timeout (s).")
    outbox_batch_size: int = 200
    outbox_poll_interval: float = Field(default=0.5, description="Seconds between outbox sweeps.")
    timer_poll_interval: float = Field(default=0.2, description="Seconds between timer sweeps.")
    timer_batch_size: int = 200
    max_deliveries: int = Field(
        default=5, description="Handler attempts before a message goes to the dead letters."
    )
    retry_delay: float = Field(default=1.0, description="First retry delay (s); doubles per attempt.")
    ack_wait: float = Field(default=30.0, description="JetStream ack wait (s).")
    consumer_batch_size: int = Field(
        default=100, ge=1, description="Messages a consumer handles in one transaction when they are waiting."
    )
    consumer_batch_wait: float = Field(
        default=0.05, description="Longest wait (s) for more messages after the first, to fill a batch."
    )
    consumer_linger: float = Field(
        default=0.05, ge=0.0, le=1.0,
        description="Under load (fewer than a batch waiting behind the first message), wait this long (s) "
                    "before fetching them, so more join the batch: fewer, larger transactions. A lone event "
                    "is never delayed; 0 fetches at once.",
    )
    stream_duplicate_window: float = Field(
        default=3600.0, description="Nats-Msg-Id dedupe window of the streams (s)."
    )
    stream_replicas: int = Field(
        default=1, ge=1, le=5, description="JetStream replicas of each stream (3 on a 3-node NATS cluster)."
    )

    # Authentication: bearer JWTs from one issuer (see sanwei_kit.auth).
    auth_issuer: str = Field(default=DEV_ISSUER, description="Expected `iss` of tokens.")
    auth_audience: str = Field(default=DEV_AUDIENCE, description="Expected `aud` of tokens.")
    auth_jwks_url: str | None = Field(default=None, description="OIDC provider's JWKS URL (production).")
    auth_public_key_file: str | None = Field(
        default=None, description="PEM public key that verifies tokens (development: `sanwei token --init`)."
    )
    auth_public_key: str | None = Field(default=None, description="The same key inline (PEM text).")
    auth_leeway: float = Field(default=30.0, ge=0, description="Clock skew tolerated on exp/nbf (s).")

    # Tracing (OpenTelemetry): off by default. The exporter is configured by the standard OTEL_*
    # variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER …).
    otel_enabled: bool = Field(
        default=False, description="Record spans for HTTP requests and NATS messages and export them (OTEL_*)."
    )

    # Bad input: bodies and uploaded sheets beyond these are refused (413) before they cost memory.
    max_request_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1, description="Largest request body (by Content-Length or as streamed)."
    )
    sheet_max_rows: int = Field(default=10_000, ge=1, description="Most rows an uploaded xlsx/csv sheet may have.")
    sheet_max_columns: int = Field(default=100, ge=1, description="Most columns an uploaded sheet may use.")
    sheet_max_uncompressed_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1, description="Largest total size an xlsx may expand to (zip bombs)."
    )
    sheet_max_compression_ratio: float = Field(
        default=100.0, gt=1, description="Largest expansion ratio of an xlsx entry over 1 MiB (zip bombs)."
    )

    # Working-day calendar corrections loaded by the operator (JSON file), if any.
    calendar_overrides_file: str | None = None
