"""The runtime every service is wired on: one object holding its adapters.

A service's factory (`create_app` in its app.py) builds a Runtime from its settings,
builds its handlers and routers on top of it, and asks it for the ASGI app. Nothing
connects at import time; the app's lifespan starts and stops everything in order.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

import structlog
from fastapi import APIRouter, Depends, FastAPI
from faststream.nats import NatsBroker
from faststream.nats.security import NatsUserPassword
from sqlalchemy import MetaData

from sanwei_kit.auth import CallerScope, TokenVerifier
from sanwei_kit.calendar import WorkingCalendar
from sanwei_kit.clock import Clock, clock_from_settings
from sanwei_kit.db import Database, KitTables
from sanwei_kit.events import EventWriter
from sanwei_kit.http import BodySizeLimit, install_error_handlers, operations_router
from sanwei_kit.inputs import refuse_unstorable_text
from sanwei_kit.messaging import JetStreamPublisher, ReliableConsumer, Subscription, ensure_streams
from sanwei_kit.metrics import GaugeQuery, ServiceMetrics, install_kit_metrics
from sanwei_kit.migrations import upgrade
from sanwei_kit.nats_auth import inbox_prefix
from sanwei_kit.outbox import OutboxRelay
from sanwei_kit.settings import ServiceSettings
from sanwei_kit.timers import OnTimer, TimerHandler, TimerLoop
from sanwei_kit.tracing import TraceContextMiddleware, nats_telemetry_middleware, tracer_provider

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

log = structlog.get_logger(__name__)


def nats_servers_and_credentials(nats_url: str) -> tuple[list[str], dict[str, str]]:
    """The seed URLs of `SANWEI_NATS_URL` (comma-separated for a cluster) without their user info,
    and that user and password as connect options.

    nats-py applies credentials written in a URL to that URL only; the other servers a cluster
    announces would be tried without them, refused (Authorization Violation) and the client
    closed. Given as options, they are used for every server, announced ones included.
    """
    servers: list[str] = []
    credentials: dict[str, str] = {}
    for raw in nats_url.split(","):
        if not raw.strip():
            continue
        url = urlsplit(raw.strip())
        if url.username is not None:
            credentials = {"user": unquote(url.username), "password": unquote(url.password or "")}
            host = url.hostname or ""
            netloc = f"[{host}]" if ":" in host else host
            url = url._replace(netloc=f"{netloc}:{url.port}" if url.port else netloc)
        servers.append(urlunsplit(url))
    return servers, credentials


class BackgroundTask(Protocol):
    """A loop a service runs beside its consumers (like the relay and the timer loop)."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class Runtime:
    def __init__(
        self,
        settings: ServiceSettings,
        metadata: MetaData,
        tables: KitTables,
        *,
        clock: Clock | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.settings = settings
        self.name = settings.service_name
        self.metadata = metadata
        self.tables = tables
        self.clock = clock or clock_from_settings(
            settings.clock_speed, settings.clock_origin_real, settings.clock_origin_sim
        )
        self.calendar = calendar or load_calendar(settings.calendar_overrides_file)
        self.db = Database(settings.database_url)
        self.inbox_prefix = settings.nats_inbox_prefix or inbox_prefix(self.name)
        self.metrics = ServiceMetrics(self.name)
        self.tracer_provider = tracer_provider(settings) if settings.otel_enabled else None
        servers, credentials = nats_servers_and_credentials(settings.nats_url)
        self.broker = NatsBroker(
            servers,
            security=NatsUserPassword(credentials["user"], credentials["password"]) if credentials else None,
            # The service's NATS user may subscribe to its own reply inbox only (sanwei_kit.nats_auth).
            inbox_prefix=self.inbox_prefix,
            graceful_timeout=10.0,
            max_reconnect_attempts=-1,
            logger=None,
            # No dependency injection per message: our one kind of subscriber takes the message from the
            # context itself (ReliableConsumer.register); injecting it ran a thread hop per message.
            apply_types=False,
            middlewares=broker_middlewares(self.metrics, self.tracer_provider),
        )
        self.events = EventWriter(tables, self.clock)
        self.relay = OutboxRelay(
            self.db,
            tables,
            JetStreamPublisher(self.broker, settings.publish_timeout),
            batch_size=settings.outbox_batch_size,
            poll_interval=settings.outbox_poll_interval,
        )
        self.consumers: list[ReliableConsumer] = []
        self.timers: TimerLoop | None = None
        self.background: list[BackgroundTask] = []
        self.migrations_dir: Path | None = None
        self.started = False
        # True for a service whose data only its own office may read (纪委).
        self.confidential = False
        install_kit_metrics(self)

    def add_metric(self, name: str, help: str, labels: tuple[str, ...] | list[str], query: GaugeQuery) -> None:
        """A gauge of this service's own state, counted from its database at each scrape of /metrics.

        `query(conn)` returns a number, or label values → number (see `sanwei_kit.metrics.count_by`).
        Labels name states and levels only: never units, people or confidential content.
        """
        self.metrics.add_gauge(name, help, labels, query)

    def add_background(self, task: BackgroundTask) -> None:
        """Start `task` with the runtime (after the broker, relay and timers) and stop it first."""
        self.background.append(task)

    def committed(self) -> None:
        """Tell the relay that a transaction with new events committed."""
        self.relay.notify()

    def build_app(
        self,
        *,
        title: str,
        description: str,
        routers: list[APIRouter],
        subscriptions: list[Subscription],
        timer_handlers: Mapping[str, TimerHandler | OnTimer],
        migrations_dir: Path,
    ) -> FastAPI:
        settings = self.settings
        self.migrations_dir = migrations_dir
        # Fail at start, not at the first request, when no token issuer is configured.
        self.auth = TokenVerifier.from_settings(settings)
        for subscription in subscriptions:
            consumer = ReliableConsumer(
                self.name,
                subscription,
                self.db,
                self.tables,
                max_deliveries=settings.max_deliveries,
                retry_delay=settings.retry_delay,
                after_commit=self.committed,
                batch_size=settings.consumer_batch_size,
                batch_wait=settings.consumer_batch_wait,
                linger=settings.consumer_linger,
            )
            consumer.register(self.broker, ack_wait=settings.ack_wait, inbox_prefix=self.inbox_prefix)
            self.consumers.append(consumer)
        self.timers = TimerLoop(
            self.db,
            self.tables,
            self.clock,
            timer_handlers,
            poll_interval=settings.timer_poll_interval,
            batch_size=settings.timer_batch_size,
            after_commit=self.committed,
        )

        @asynccontextmanager
        async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        # Text no database can store (NUL, unpaired surrogates) is refused for every route: sanwei_kit.inputs.
        app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan,
                      dependencies=[Depends(refuse_unstorable_text)])
        app.state.runtime = self
        app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
        app.add_middleware(CallerScope)
        # Added last, so outermost: the trace is current for every other middleware and the route.
        app.add_middleware(TraceContextMiddleware, provider=self.tracer_provider)
        install_error_handlers(app)
        app.include_router(operations_router(self))
        for router in routers:
            app.include_router(router)
        return app

    async def migrate(self) -> None:
        assert self.migrations_dir is not None, "build_app first"
        async with self.db.transaction() as conn:
            await upgrade(conn, self.migrations_dir, self.settings.database_url)

    async def start(self) -> None:
        if self.settings.migrate_on_start:
            await self.migrate()
        await self.broker.connect()
        await ensure_streams(
            self.broker,
            duplicate_window=self.settings.stream_duplicate_window,
            replicas=self.settings.stream_replicas,
            owner=self.name,
        )
        await self.broker.start()
        self.relay.start()
        assert self.timers is not None
        self.timers.start()
        for task in self.background:
            task.start()
        self.started = True
        log.info("service.started", clock_now=self.clock.now().isoformat(), clock_speed=self.clock.speed)

    async def stop(self) -> None:
        self.started = False
        for task in reversed(self.background):
            await task.stop()
        if self.timers:
            await self.timers.stop()
        # Handlers in flight finish and ack; then the relay's last sweep sends what they (and the
        # timers) committed while NATS is still connected; then the connection is drained and closed.
        for subscriber in self.broker.subscribers:
            await subscriber.stop()
        await self.relay.stop()
        await self.broker.stop()
        await self.db.dispose()
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()  # exports the spans still batched
        log.info("service.stopped")


def broker_middlewares(metrics: ServiceMetrics, provider: TracerProvider | None) -> tuple[Any, ...]:
    """FastStream's Prometheus middleware on this runtime's registry, and its tracing when enabled."""
    from faststream.nats.prometheus import NatsPrometheusMiddleware

    middlewares: list[Any] = [NatsPrometheusMiddleware(registry=metrics.registry, app_name=metrics.service)]
    if provider is not None:
        middlewares.append(nats_telemetry_middleware(provider))
    return tuple(middlewares)


def load_calendar(overrides_file: str | None) -> WorkingCalendar:
    """The working-day calendar, with the operator's corrections if a file is configured.

    The file maps ISO dates to true (working day) or false (day off):
    {"2027-01-01": false, "2027-02-07": true, …}
    """
    if not overrides_file:
        return WorkingCalendar()
    from datetime import date

    raw: dict[str, Any] = json.loads(Path(overrides_file).read_text(encoding="utf-8"))
    return WorkingCalendar({date.fromisoformat(day): bool(working) for day, working in raw.items()})


def serve(create_app: Callable[[], FastAPI], settings: ServiceSettings) -> None:
    """Run one service's HTTP API and consumers in this process until SIGINT/SIGTERM."""
    import uvicorn

    from sanwei_kit.logging import configure_logging

    configure_logging(settings.service_name, fmt=settings.log_format, level=settings.log_level)
    uvicorn.run(
        create_app(),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=15,
    )
