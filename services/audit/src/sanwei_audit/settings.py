from pydantic import Field

from sanwei_kit.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    service_name: str = "audit"
    # Off the chain's critical path: under load it waits longer for a batch to fill (fewer transactions).
    consumer_linger: float = Field(default=0.5, ge=0.0, le=1.0)
    http_port: int = 8106
    database_url: str = "sqlite+aiosqlite:///.sanwei/data/audit.db"
    verify_batch_size: int = Field(default=1000, ge=1, description="Rows read per batch when verifying the chain.")
