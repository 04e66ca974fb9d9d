"""A consumer handles the messages waiting behind the first in one transaction, on a real
nats-server; a failing message in such a batch costs the others nothing (each is handled once)
and still goes to the dead letters after its retries."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import nats
import pytest
import structlog
from sqlalchemy import Column, String, Table, select

from sanwei_contracts import new_envelope, stream_for_subject
from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.db import KitTables, new_metadata
from sanwei_kit.messaging import Subscription
from sanwei_kit.runtime import Runtime
from sanwei_kit.settings import ServiceSettings
from sanwei_kit.testing import test_database_url

pytestmark = pytest.mark.integration

SUBJECT = "sanwei.progress.completion.v1.accepted"


async def _runtime(tmp_path: Path, nats_url: str, handler: Any, handle_many: Any = None,
                   linger: float = 0.0, wanted: Any = None) -> tuple[Runtime, Table]:
    metadata = new_metadata()
    tables = KitTables(metadata)
    effects = Table("effects", metadata, Column("task_id", String(50), nullable=False))
    settings = ServiceSettings(
        service_name="probe",
        nats_url=nats_url,
        database_url=test_database_url(tmp_path, "probe"),
        migrate_on_start=False,
        retry_delay=0.05,
        max_deliveries=3,
        consumer_batch_size=50,
        consumer_linger=linger,
    )
    runtime = Runtime(settings, metadata, tables)

    async def record(conn, event) -> None:  # type: ignore[no-untyped-def]
        await handler(conn, event)
        await conn.execute(effects.insert().values(task_id=event.data.task_id))

    async def record_many(conn, events) -> None:  # type: ignore[no-untyped-def]
        await handle_many(conn, events)
        await conn.execute(effects.insert(), [{"task_id": event.data.task_id} for event in events])

    subscription = Subscription(CompletionAccepted, record, handle_many=record_many if handle_many else None,
                                wanted=wanted)
    runtime.build_app(title="probe", description="", routers=[],
                      subscriptions=[subscription], timer_handlers={},
                      migrations_dir=tmp_path)
    async with runtime.db.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    await runtime.start()
    return runtime, effects


async def _publish(nats_url: str, task_ids: list[str]) -> None:
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        now = datetime.now(UTC)
        for task_id in task_ids:
            data = CompletionAccepted(claim_id="c1", task_id=task_id, unit="区发改局", accepted_by="督查室",
                                      accepted_at=now)
            envelope = new_envelope(data, subject="completion/c1", case_id=task_id, time=now)
            await js.publish(SUBJECT, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": str(envelope.id)})
    finally:
        await client.close()


async def _eventually(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def _effects(runtime: Runtime, effects: Table) -> Counter[str]:
    async with runtime.db.connect() as conn:
        return Counter((await conn.execute(select(effects.c.task_id))).scalars().all())


async def test_waiting_messages_are_handled_in_one_transaction_and_a_poison_one_blocks_none(tmp_path, nats_server):
    gate = asyncio.Event()
    entered = asyncio.Event()
    transactions: list[Any] = []  # kept alive, so their ids stay distinct

    async def handler(conn, event) -> None:  # type: ignore[no-untyped-def]
        if event.data.task_id == "gate":
            entered.set()
            await gate.wait()
        if event.data.task_id == "poison":
            raise ValueError("cannot handle this task")
        transactions.append(conn.get_transaction())

    runtime, effects = await _runtime(tmp_path, nats_server, handler)
    try:
        fine = [f"t{i}" for i in range(20)]
        await _publish(nats_server, ["gate"])
        await asyncio.wait_for(entered.wait(), 10)
        # While the gate holds the consumer, ten events queue up behind it.
        await _publish(nats_server, fine[:10])
        gate.set()

        async def first_ten_handled() -> bool:
            return sum((await _effects(runtime, effects)).values()) == 11

        await _eventually(first_ten_handled)
        assert len({id(t) for t in transactions[1:]}) < 10  # some were handled together

        # A poison event in the middle of a waiting batch.
        gate.clear()
        entered.clear()
        await _publish(nats_server, ["gate"])
        await _eventually(lambda: _is_set(entered))
        await _publish(nats_server, [*fine[10:15], "poison", *fine[15:]])
        gate.set()

        async def rest_handled_and_poison_dead() -> bool:
            handled = sum((await _effects(runtime, effects)).values())
            return handled == 22 and runtime.consumers[0].dead_lettered_total == 1

        await _eventually(rest_handled_and_poison_dead)
        done = await _effects(runtime, effects)
        assert done == Counter({**dict.fromkeys(fine, 1), "gate": 2})  # each handled once
        async with runtime.db.connect() as conn:
            letters = (await conn.execute(select(runtime.tables.dead_letters))).mappings().all()
        assert [letter["reason"].splitlines()[0] for letter in letters] == [
            "handler failed 3 times: ValueError('cannot handle this task')"
        ]
    finally:
        await runtime.stop()


async def _is_set(event: asyncio.Event) -> bool:
    return event.is_set()


async def test_a_batch_handler_gets_the_waiting_events_as_one_list_and_falls_back_to_one_by_one(
        tmp_path, nats_server):
    gate = asyncio.Event()
    entered = asyncio.Event()
    batches: list[list[str]] = []
    alone: list[str] = []

    async def handler(conn, event) -> None:  # type: ignore[no-untyped-def]
        if event.data.task_id == "gate":
            entered.set()
            await gate.wait()
        alone.append(event.data.task_id)

    async def handle_many(conn, events) -> None:  # type: ignore[no-untyped-def]
        ids = [event.data.task_id for event in events]
        if "refused-together" in ids:
            raise ValueError("this batch cannot be handled together")
        batches.append(ids)

    runtime, effects = await _runtime(tmp_path, nats_server, handler, handle_many)
    try:
        await _publish(nats_server, ["gate"])  # a lone event: the single handler, at once
        await asyncio.wait_for(entered.wait(), 10)
        waiting = [f"t{i}" for i in range(10)]
        await _publish(nats_server, waiting)

        async def handled(count: int) -> bool:
            return sum((await _effects(runtime, effects)).values()) == count

        with structlog.testing.capture_logs() as logs:
            gate.set()
            await _eventually(lambda: handled(11))
        assert alone == ["gate"]
        assert [task for batch in batches for task in batch] == waiting  # in the order they came
        assert len(batches) < len(waiting)
        # One INFO line per batch, not per event: a burst of thousands logs as many lines as batches.
        lines = [e for e in logs if e["event"].startswith("consumer.handled") and e["log_level"] == "info"]
        together = [e for e in lines if e["event"] == "consumer.handled_batch"]
        assert len(together) == len(batches) and sum(e["events"] for e in together) == len(waiting)

        # A batch its handler refuses: each event is handled alone instead, once.
        gate.clear()
        entered.clear()
        await _publish(nats_server, ["gate"])
        await _eventually(lambda: _is_set(entered))
        await _publish(nats_server, ["u1", "refused-together", "u2"])
        gate.set()
        await _eventually(lambda: handled(15))
        assert alone[-3:] == ["u1", "refused-together", "u2"]
        assert (await _effects(runtime, effects))["refused-together"] == 1
    finally:
        await runtime.stop()


async def test_under_load_a_consumer_lingers_so_what_comes_meanwhile_joins_the_batch(tmp_path, nats_server):
    gate = asyncio.Event()
    entered = asyncio.Event()
    batches: list[list[str]] = []

    async def handler(conn, event) -> None:  # type: ignore[no-untyped-def]
        if event.data.task_id == "gate":
            entered.set()
            await gate.wait()

    async def handle_many(conn, events) -> None:  # type: ignore[no-untyped-def]
        batches.append([event.data.task_id for event in events])

    runtime, effects = await _runtime(tmp_path, nats_server, handler, handle_many, linger=0.8)
    try:
        await _publish(nats_server, ["gate"])  # alone: nothing waits behind it, so no lingering
        await asyncio.wait_for(entered.wait(), 10)
        await _publish(nats_server, ["w1", "w2"])  # waiting behind the gate: under load
        gate.set()
        await asyncio.sleep(0.2)  # w1 is taken with one waiting behind it; the consumer lingers
        await _publish(nats_server, ["late1", "late2"])

        async def all_handled() -> bool:
            return sum((await _effects(runtime, effects)).values()) == 5

        await _eventually(all_handled)
        assert batches == [["w1", "w2", "late1", "late2"]]  # one transaction for what came while it lingered
    finally:
        await runtime.stop()


async def test_events_nothing_wants_are_acknowledged_unread_and_wanted_ones_handled(tmp_path, nats_server):
    wants = {"now": False}
    asked: list[bool] = []

    async def wanted() -> bool:
        if wants["now"] is None:
            raise RuntimeError("cannot tell")
        asked.append(wants["now"])
        return bool(wants["now"])

    async def handler(conn, event) -> None:  # type: ignore[no-untyped-def]
        pass

    runtime, effects = await _runtime(tmp_path, nats_server, handler, handler, wanted=wanted)
    consumer = runtime.consumers[0]
    try:
        await _publish(nats_server, ["s1", "s2", "s3"])
        client = await nats.connect(nats_server)
        try:  # an invalid event is skipped too: its other consumers dead-letter it
            await client.jetstream().publish(SUBJECT, b"not an event", headers={"Nats-Msg-Id": "garbage"})
        finally:
            await client.close()

        async def skipped(count: int) -> bool:
            return consumer.skipped_total == count

        await _eventually(lambda: skipped(4))
        assert await _acknowledged_all(nats_server, consumer.name)
        assert await _effects(runtime, effects) == Counter()
        assert consumer.handled_total == 0 and consumer.dead_lettered_total == 0
        assert asked and not any(asked)

        wants["now"] = True
        await _publish(nats_server, ["h1", "h2"])

        async def handled(count: int) -> bool:
            return sum((await _effects(runtime, effects)).values()) == count

        await _eventually(lambda: handled(2))
        wants["now"] = None  # `wanted` fails: the batch is handled as usual
        await _publish(nats_server, ["h3"])
        await _eventually(lambda: handled(3))
        assert await _effects(runtime, effects) == Counter({"h1": 1, "h2": 1, "h3": 1})
        assert consumer.skipped_total == 4
    finally:
        await runtime.stop()


async def _acknowledged_all(nats_url: str, durable: str) -> bool:
    client = await nats.connect(nats_url)
    try:
        info = await client.jetstream().consumer_info(stream_for_subject(SUBJECT).name, durable)
        return info.num_pending == 0 and info.num_ack_pending == 0
    finally:
        await client.close()


async def test_handling_a_message_hops_to_no_thread(tmp_path, nats_server, monkeypatch):
    """FastStream's dependency injection resolved the message parameter in anyio's thread pool, a thread
    wake-up each way per message; the consumer takes the message from FastStream's context instead."""
    hops: list[Any] = []
    run_sync = anyio.to_thread.run_sync

    async def counting_run_sync(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        hops.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)

    async def handler(conn, event) -> None:  # type: ignore[no-untyped-def]
        pass

    runtime, effects = await _runtime(tmp_path, nats_server, handler)
    try:
        for task_id in ("a", "b", "c"):
            await _publish(nats_server, [task_id])

            async def handled(task_id: str = task_id) -> bool:
                return (await _effects(runtime, effects))[task_id] == 1

            await _eventually(handled)
        assert hops == []
    finally:
        await runtime.stop()
