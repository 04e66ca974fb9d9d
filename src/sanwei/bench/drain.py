"""Backlog drain: how fast one stage works through events already waiting for it.

The burst is paced by the simulated calendar (a 督办通知书's 整改时限 is five 工作日 of
waiting), so its end-to-end figure says as much about the calendar as about sanwei. A
drain takes the calendar out of one stage at a time:

1. Start nats-server and the stage's service (its streams and durable consumer made),
   stop the service (SIGTERM).
2. Publish N of the stage's input events (valid envelopes, each with its Nats-Msg-Id)
   with nats-py `publish_async`, as the producing service's relay would.
3. Start the service (`replicas` of it: they share the durable consumer and the
   database, so PostgreSQL) and count its output rows in its database until all N are
   persisted. Rate = N / (when all N were seen persisted − when the first was made, read
   from the rows' own timestamp): the service's boot is not counted, its commits are.

The same run measures raw nats-py JetStream consuming (pull, ack) the same N messages
from the same stream on the same server, so the ratio holds whatever the machine's load.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import nats

from sanwei.bench.baseline import consume_all
from sanwei.bench.burst import UNITS, cpu_seconds, db_path, scalar
from sanwei.bench.profiler import record
from sanwei.stack import Stack, free_service_ports
from sanwei_contracts.envelope import new_envelope
from sanwei_contracts.events.media import ReferralRequested
from sanwei_contracts.events.registry import TaskOverdue
from sanwei_contracts.events.supervision import NoticeLevel, NoticeUnrectified


@dataclass(frozen=True)
class Stage:
    """One step of the chain: the service, what it consumes and the rows that show it persisted its answer."""

    name: str
    service: str
    input_subject: str
    make_input: Callable[[int, datetime], Any]  # i, now → event data
    case_of: Callable[[int], str]
    output_table: str
    output_time: str  # the column holding when the service made the row (its clock runs at real time here)


def _overdue(i: int, now: datetime) -> TaskOverdue:
    return TaskOverdue(task_id=f"drain-task-{i}", title=f"重点工作任务第{i + 1}项：按季度节点完成",
                       lead_unit=UNITS[i % len(UNITS)], deadline=date(2026, 6, 30), due_at=now)


def _unrectified(i: int, now: datetime) -> NoticeUnrectified:
    return NoticeUnrectified(notice_id=f"drain-notice-{i}", number=f"市中督字〔2026〕{i + 1}号",
                             task_id=f"drain-task-{i}", unit=UNITS[i % len(UNITS)],
                             problem=f"重点工作任务第{i + 1}项逾期未完成", level=NoticeLevel.YELLOW,
                             deadline=date(2026, 7, 8), detected_at=now)


def _referral(i: int, now: datetime) -> ReferralRequested:
    return ReferralRequested(referral_id=f"drain-referral-{i}", origin="exposure_unrectified",
                             origin_ref=f"drain-exposure-{i}", unit=UNITS[i % len(UNITS)],
                             problem=f"重点工作任务第{i + 1}项曝光后仍未整改", reason="曝光后逾期未整改",
                             requested_at=now)


STAGES = {
    "supervision": Stage("task.overdue → 督办通知书", "supervision", "sanwei.registry.task.v1.overdue",
                         _overdue, lambda i: f"drain-task-{i}", "notices", "issued_at"),
    "media": Stage("notice.unrectified → 曝光台 exposure", "media", "sanwei.supervision.notice.v1.unrectified",
                   _unrectified, lambda i: f"drain-task-{i}", "exposures", "published_at"),
    "discipline": Stage("referral.requested → clue (问题线索)", "discipline", "sanwei.media.referral.v1.requested",
                        _referral, lambda i: f"drain-case-{i}", "clues", "registered_at"),
    "audit": Stage("any event → audit log (hash chain)", "audit", "sanwei.registry.task.v1.overdue",
                   _overdue, lambda i: f"drain-task-{i}", "audit_events", "recorded_at"),
}


@dataclass
class DrainResult:
    stage: str
    service: str
    database: str
    replicas: int
    events: int
    publish_per_s: float
    first_output_s: float
    drained_s: float
    per_s: float
    raw_consume_per_s: float
    persisted: int  # output rows once the raw consumer is done too: exactly `events`, none lost or doubled
    profile: str | None = None  # py-spy stacks of the (first) replica while it drained
    cpu_ms_per_event: float | None = None  # CPU of the service's processes per event, from its first output
    profile_error: str | None = None  # why a requested profile is missing (py-spy absent or refused)

    @property
    def ratio(self) -> float:
        return self.per_s / self.raw_consume_per_s if self.raw_consume_per_s else float("nan")


def _query(stack: Stack, service: str, sql: str) -> Any:
    """One value from the service's database, read while it writes (our own table names only)."""
    if stack.postgres_url is None:
        return scalar(db_path(stack, service), sql)
    return asyncio.run(_query_postgresql(stack.databases[service], sql))


async def _query_postgresql(url: str, sql: str) -> Any:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql))).scalar_one()
    finally:
        await engine.dispose()


def _count(stack: Stack, stage: Stage) -> int:
    return int(_query(stack, stage.service, f"SELECT count(*) FROM {stage.output_table}") or 0)  # noqa: S608


def _first_made_at(stack: Stack, stage: Stage) -> datetime:
    value = _query(stack, stage.service, f"SELECT min({stage.output_time}) FROM {stage.output_table}")  # noqa: S608
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def _publish(nats_url: str, stage: Stage, events: int) -> tuple[float, int]:
    """Publish the stage's input events; (seconds, average size)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream(publish_async_max_pending=4000)
        now = datetime.now(UTC)
        started = time.perf_counter()
        size = 0
        futures = []
        for i in range(events):
            envelope = new_envelope(stage.make_input(i, now), subject=f"drain/{i}", case_id=stage.case_of(i), time=now)
            body = envelope.model_dump_json().encode()
            size += len(body)
            futures.append(await js.publish_async(stage.input_subject, body,
                                                  headers={"Nats-Msg-Id": str(envelope.id)}))
        acks = await asyncio.gather(*futures)
        if any(a.duplicate for a in acks):
            raise RuntimeError("drain input deduplicated: ids must be new")
        return time.perf_counter() - started, size // max(1, events)
    finally:
        await nc.close()


async def _raw_consume(nats_url: str, subject: str, events: int, fetch_batch: int = 256) -> float:
    """Seconds for a fresh nats-py durable pull consumer to fetch and ack the same `events` messages."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        stream = await js.find_stream_name_by_subject(subject)
        durable = f"bench_raw_{uuid.uuid4().hex[:8]}"
        seconds = await consume_all(nc, subject, stream, durable, events, fetch_batch=fetch_batch)
        await js.delete_consumer(stream, durable)
        return seconds
    finally:
        await nc.close()


def run(stage_key: str, events: int, data_dir: Path, *, postgres_url: str | None = None, replicas: int = 1,
        timeout: float = 900.0, say: Callable[[str], None] = print, profile_to: Path | None = None) -> DrainResult:
    """Drain `events` through one stage; `profile_to`: record the service with py-spy while it drains."""
    stage = STAGES[stage_key]
    nats_port, ports = free_service_ports()
    stack = Stack(data_dir, nats_port=nats_port, ports=ports,
                  postgres_url=postgres_url, replicas=replicas)
    try:
        stack.start([stage.service], timeout=180)
        for name in [n for n in stack.processes if n != "nats"]:
            stack.kill(name, signal.SIGTERM)
        publish_s, _size = asyncio.run(_publish(stack.nats_url, stage, events))
        say(f"drain {stage_key} ×{replicas} ({'PostgreSQL' if postgres_url else 'SQLite'}): "
            f"{events} events waiting; starting the service")
        started = datetime.now(UTC)
        for replica in range(1, replicas + 1):
            stack.start_service(stage.service, replica)
        names = [stack.process_name(stage.service, replica) for replica in range(1, replicas + 1)]
        recording = None
        if profile_to is not None:  # from when it is ready: its imports and migrations are not the drain
            name = stack.process_name(stage.service, 1)
            stack.wait_ready(name, timeout=180)
            # A drain lasts seconds: 200 samples a second give a profile of a few hundred stacks.
            recording = record(stage.service, stack.processes[name].pid, profile_to, seconds=timeout, rate=200)
        # CPU rather than wall time says what a stage costs whatever else the machine runs: counted
        # from the first output seen (the boot left out) to the last, per event persisted between.
        cpu_from: tuple[int, list[float | None]] | None = None
        while (count := _count(stack, stage)) < events:
            if (datetime.now(UTC) - started).total_seconds() > timeout:
                raise TimeoutError(f"drain {stage_key}: {count} of {events} after {timeout:.0f}s")
            if count and cpu_from is None:
                cpu_from = (count, [cpu_seconds(stack.processes[name].pid) for name in names])
            time.sleep(0.05)
        drained_at = datetime.now(UTC)
        cpu_to = [cpu_seconds(stack.processes[name].pid) for name in names]
        cpu_ms = None
        if cpu_from is not None and events > cpu_from[0]:
            spans = [(a, b) for a, b in zip(cpu_from[1], cpu_to, strict=True) if a is not None and b is not None]
            if len(spans) == len(names):  # every process's CPU was read at both ends
                cpu_ms = round(sum(b - a for a, b in spans) * 1000 / (events - cpu_from[0]), 3)
        profile_error = recording.stop() if recording else "not profiled"
        if recording and profile_error:
            say(profile_error)
        first_at = _first_made_at(stack, stage)
        per_s = events / max((drained_at - first_at).total_seconds(), 1e-9)
        raw_s = asyncio.run(_raw_consume(stack.nats_url, stage.input_subject, events))
        persisted = _count(stack, stage)
        result = DrainResult(
            stage=stage.name, service=stage.service, database="PostgreSQL" if postgres_url else "SQLite",
            replicas=replicas, events=events, publish_per_s=round(events / publish_s, 1),
            first_output_s=round((first_at - started).total_seconds(), 2),
            drained_s=round((drained_at - started).total_seconds(), 2), per_s=round(per_s, 1),
            raw_consume_per_s=round(events / raw_s, 1), persisted=persisted,
            profile=None if profile_error else str(profile_to),
            profile_error=profile_error if recording else None,
            cpu_ms_per_event=cpu_ms,
        )
        say(f"drain {stage_key} ×{replicas}: {result.per_s}/s, raw consume {result.raw_consume_per_s}/s, "
            f"ratio {result.ratio:.3f}")
        return result
    finally:
        stack.stop()
