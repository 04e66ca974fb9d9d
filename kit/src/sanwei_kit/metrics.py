"""Prometheus metrics of one service: FastStream's, the kit's and the service's own gauges.

Each Runtime owns one `ServiceMetrics` (its own CollectorRegistry, so two services or two
test apps in one process never share a counter). Gauges that describe stored state (outbox
backlog, timer lag, open 督办通知书 …) are not kept up to date by the code that changes the
state: they are counted from the database when Prometheus scrapes `/metrics`, so they are
right after a restart, on every replica, and whatever path changed the rows. Their queries
must stay cheap (a COUNT … GROUP BY over an indexed or small table): a scrape runs them all.

Labels carry states, levels and subjects only, never a unit's or a person's name and never
confidential content: a metric is readable by whoever reaches the cluster's Prometheus.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnClause

if TYPE_CHECKING:
    from sanwei_kit.db import Database
    from sanwei_kit.runtime import Runtime

log = structlog.get_logger(__name__)

# A gauge's query: a number (no labels), or label values → number.
GaugeValue = float | int | Mapping[tuple[str, ...], float | int]
GaugeQuery = Callable[[AsyncConnection], Awaitable[GaugeValue]]


@dataclass(frozen=True)
class DatabaseGauge:
    name: str
    help: str
    labels: tuple[str, ...]
    query: GaugeQuery


class ServiceMetrics:
    """One service's registry, plus the gauges counted from its database at scrape time."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        self._gauges: list[DatabaseGauge] = []
        self._counters: list[tuple[str, str, str, Callable[[], Iterable[tuple[str, float]]]]] = []
        self._snapshot: list[Metric] = []
        self.registry.register(self)

    def add_gauge(self, name: str, help: str, labels: Sequence[str], query: GaugeQuery) -> None:
        """Count `name` from the database at every scrape (see `count_by`, `count_where`)."""
        if any(g.name == name for g in self._gauges):
            raise ValueError(f"metric {name} is already registered")
        self._gauges.append(DatabaseGauge(name, help, tuple(labels), query))

    def add_counter(self, name: str, help: str, label: str, read: Callable[[], Iterable[tuple[str, float]]]) -> None:
        """Expose a counter the process keeps in memory (reset at restart, as counters may)."""
        self._counters.append((name, help, label, read))

    async def refresh(self, db: Database) -> None:
        """Run every gauge's query; `collect` then hands out these values."""
        snapshot: list[Metric] = []
        for gauge in self._gauges:
            family = GaugeMetricFamily(gauge.name, gauge.help, labels=gauge.labels or None)
            try:
                # A connection each: on PostgreSQL a failed query would abort the others' transaction.
                async with db.connect() as conn:
                    value = await gauge.query(conn)
            except Exception as exc:  # one broken query (or the database down) must not hide the other metrics
                log.warning("metrics.query_failed", metric=gauge.name, error_type=type(exc).__name__)
                continue
            if isinstance(value, Mapping):
                for label_values, number in sorted(value.items()):
                    family.add_metric(list(label_values), float(number))
            else:
                family.add_metric([], float(value))
            snapshot.append(family)
        self._snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        """The Collector protocol: the last refresh's gauges and the in-memory counters."""
        yield from self._snapshot
        for name, help, label, read in self._counters:
            family = CounterMetricFamily(name, help, labels=[label])
            for label_value, number in read():
                family.add_metric([label_value], number)
            yield family

    def render(self) -> bytes:
        return generate_latest(self.registry)


def count_by(column: ColumnClause[Any], *, where: ColumnElement[bool] | None = None,
             known: Iterable[str] = ()) -> GaugeQuery:
    """Rows of `column`'s table per value of `column` (`known` values answer 0 when absent)."""

    table = column.table
    if table is None:
        raise ValueError(f"{column} belongs to no table")

    async def query(conn: AsyncConnection) -> GaugeValue:
        statement = select(column, func.count()).select_from(table).group_by(column)
        if where is not None:
            statement = statement.where(where)
        counts: dict[tuple[str, ...], int] = {(str(value),): 0 for value in known}
        for value, number in (await conn.execute(statement)).all():
            counts[(str(value),)] = number
        return counts

    return query


def count_where(table: Any, condition: ColumnElement[bool] | None = None) -> GaugeQuery:
    """Rows of `table` (matching `condition`)."""

    async def query(conn: AsyncConnection) -> GaugeValue:
        statement = select(func.count()).select_from(table)
        if condition is not None:
            statement = statement.where(condition)
        return (await conn.execute(statement)).scalar_one()

    return query


def install_kit_metrics(runtime: Runtime) -> None:
    """The gauges and counters every service has: outbox, timers, dead letters, consumers."""
    metrics, tables = runtime.metrics, runtime.tables
    outbox, timers, dead_letters = tables.outbox, tables.timers, tables.dead_letters
    metrics.add_gauge("sanwei_outbox_backlog", "Events committed but not yet published to NATS.", (),
                      count_where(outbox, outbox.c.published_at.is_(None)))

    async def oldest_unpublished(conn: AsyncConnection) -> GaugeValue:
        # Only unpublished rows are in the partial index ix_outbox_unpublished: cheap however long the history.
        oldest: datetime | None = (
            await conn.execute(select(func.min(outbox.c.created_at)).where(outbox.c.published_at.is_(None)))
        ).scalar_one()
        now = datetime.now(UTC)  # created_at is real time, like the delay it measures
        return 0 if oldest is None else max((now - _aware(oldest)).total_seconds(), 0.0)

    metrics.add_gauge("sanwei_outbox_oldest_unpublished_seconds",
                      "Real seconds the oldest unpublished event has waited in the outbox (0 when none).", (),
                      oldest_unpublished)
    pending = and_(timers.c.fired_at.is_(None), timers.c.cancelled_at.is_(None))
    metrics.add_gauge("sanwei_timers_pending", "Timers armed and not yet fired or cancelled.", (),
                      count_where(timers, pending))

    async def timer_lag(conn: AsyncConnection) -> GaugeValue:
        now = runtime.clock.now()
        oldest: datetime | None = (
            await conn.execute(select(func.min(timers.c.due_at)).where(pending, timers.c.due_at <= now))
        ).scalar_one()
        if oldest is None:
            return 0
        return max((now - _aware(oldest)).total_seconds(), 0.0)

    metrics.add_gauge("sanwei_timer_lag_seconds",
                      "Age of the oldest timer that is due and not fired, in seconds of the service's clock.", (),
                      timer_lag)
    metrics.add_gauge("sanwei_dead_letters_waiting", "Dead letters not replayed yet.", (),
                      count_where(dead_letters, dead_letters.c.replayed_at.is_(None)))
    metrics.add_counter("sanwei_consumer_handled", "Events handled (committed with their inbox row).", "consumer",
                        lambda: [(c.name, c.handled_total) for c in runtime.consumers])
    metrics.add_counter("sanwei_consumer_skipped", "Events acknowledged unread: nothing wanted them "
                        "(webhooks: no subscription selects their type).", "consumer",
                        lambda: [(c.name, c.skipped_total) for c in runtime.consumers])
    metrics.add_counter("sanwei_consumer_dead_lettered", "Messages a consumer gave up on (sent to dead letters).",
                        "consumer", lambda: [(c.name, c.dead_lettered_total) for c in runtime.consumers])
    metrics.add_counter("sanwei_outbox_published", "Events the outbox relay published.", "service",
                        lambda: [(runtime.name, runtime.relay.published_total)])
    metrics.add_counter("sanwei_timers_fired", "Timers fired.", "service",
                        lambda: [(runtime.name, runtime.timers.fired_total if runtime.timers else 0)])


def _aware(value: datetime) -> datetime:
    """An aggregate's instant as aware UTC (stored values are UTC; a driver may hand back a naive one)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
