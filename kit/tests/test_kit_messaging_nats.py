"""Delivery guarantees on a real nats-server: outbox dedupe, retries, dead letters."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
import structlog.testing
from sqlalchemy import select

from sanwei_contracts import new_envelope
from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.db import KitTables, new_metadata
from sanwei_kit.messaging import Subscription
from sanwei_kit.outbox import add_event
from sanwei_kit.runtime import Runtime
from sanwei_kit.settings import ServiceSettings
from sanwei_kit.testing import started_probe_runtime, test_database_url

pytestmark = pytest.mark.integration


def _accepted(task_id: str = "t1") -> object:
    now = datetime.now(UTC)
    data = CompletionAccepted(claim_id="c1", task_id=task_id, unit="区发改局", accepted_by="督查室", accepted_at=now)
    return new_envelope(data, subject="completion/c1", case_id=task_id, time=now)


async def _runtime(tmp_path: Path, nats_url: str, subscriptions: list[Subscription]) -> Runtime:
    return await started_probe_runtime(tmp_path, nats_url, subscriptions, retry_delay=0.05, max_deliveries=3,
                                       outbox_poll_interval=0.05)


async def _stream_count(nats_url: str, stream: str) -> int:
    client = await nats.connect(nats_url)
    try:
        info = await client.jetstream().stream_info(stream)
        return info.state.messages
    finally:
        await client.close()


async def _eventually(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def test_relay_publishes_once_even_when_a_row_is_sent_twice(tmp_path, nats_server):
    runtime = await _runtime(tmp_path, nats_server, [])
    try:
        envelope = _accepted()
        async with runtime.db.transaction() as conn:
            await add_event(conn, runtime.tables, envelope)
        runtime.committed()

        async def published() -> bool:
            return await runtime.relay.pending() == 0

        await _eventually(published)
        # A relay that crashed after publishing but before marking sends the row again.
        await runtime.relay._publisher.publish(envelope.type, envelope.model_dump_json().encode(), str(envelope.id))
        assert await _stream_count(nats_server, "SANWEI_PROGRESS") == 1
    finally:
        await runtime.stop()


async def test_events_committed_just_before_shutdown_are_published_by_the_last_sweep(tmp_path, nats_server):
    # The relay's own poll would come only in a minute: only the sweep at shutdown can send the row.
    runtime = await started_probe_runtime(tmp_path, nats_server, [], outbox_poll_interval=60.0)
    envelope = _accepted()
    async with runtime.db.transaction() as conn:
        await add_event(conn, runtime.tables, envelope)
    with structlog.testing.capture_logs() as logs:
        await runtime.stop()
    assert [entry["event"] for entry in logs if "outbox" in entry["event"]] == []  # no failed last sweep
    assert await _stream_count(nats_server, "SANWEI_PROGRESS") == 1


async def test_consumer_retries_a_failing_handler_then_handles_once(tmp_path, nats_server):
    calls: list[str] = []

    async def flaky(conn, event) -> None:  # type: ignore[no-untyped-def]
        calls.append(event.data.task_id)
        if len(calls) < 3:
            raise RuntimeError("database hiccup")

    runtime = await _runtime(tmp_path, nats_server, [Subscription(CompletionAccepted, flaky)])
    try:
        async with runtime.db.transaction() as conn:
            await add_event(conn, runtime.tables, _accepted("t-retry"))
        runtime.committed()

        async def handled() -> bool:
            return runtime.consumers[0].handled_total == 1

        await _eventually(handled)
        assert calls == ["t-retry"] * 3
        async with runtime.db.connect() as conn:
            assert (await conn.execute(select(runtime.tables.dead_letters))).all() == []
    finally:
        await runtime.stop()


async def test_poison_messages_go_to_dead_letters_and_do_not_block_the_next(tmp_path, nats_server):
    handled: list[str] = []

    async def picky(conn, event) -> None:  # type: ignore[no-untyped-def]
        if event.data.task_id == "poison":
            raise ValueError("cannot handle this task")
        handled.append(event.data.task_id)

    runtime = await _runtime(tmp_path, nats_server, [Subscription(CompletionAccepted, picky)])
    try:
        client = await nats.connect(nats_server)
        js = client.jetstream()
        subject = "sanwei.progress.completion.v1.accepted"
        await js.publish(subject, b'{"not": "an event"}', headers={"Nats-Msg-Id": str(uuid.uuid4())})
        for task_id in ("poison", "fine"):
            envelope = _accepted(task_id)
            await js.publish(subject, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": str(envelope.id)})
        await client.close()

        async def two_dead_one_handled() -> bool:
            return runtime.consumers[0].dead_lettered_total == 2 and handled == ["fine"]

        await _eventually(two_dead_one_handled)
        async with runtime.db.connect() as conn:
            letters = (await conn.execute(select(runtime.tables.dead_letters))).mappings().all()
        reasons = sorted(letter["reason"].splitlines()[0] for letter in letters)
        assert reasons[0].startswith("handler failed 3 times: ValueError('cannot handle this task')")
        assert reasons[1].startswith("invalid event")
    finally:
        await runtime.stop()


async def test_streams_are_made_with_the_configured_number_of_replicas(tmp_path, nats_server, monkeypatch):
    runtime = await _runtime(tmp_path, nats_server, [])
    try:
        client = await nats.connect(nats_server)
        info = await client.jetstream().stream_info("SANWEI_PROGRESS")
        await client.close()
        assert info.config.num_replicas == 1  # the default, for a single nats-server
    finally:
        await runtime.stop()

    monkeypatch.setenv("SANWEI_STREAM_REPLICAS", "3")
    settings = ServiceSettings(service_name="probe", nats_url=nats_server, database_url=test_database_url(tmp_path, "r3"),
                               migrate_on_start=False)
    assert settings.stream_replicas == 3
    replicated = Runtime(settings, new_metadata(), KitTables(new_metadata()))
    replicated.build_app(title="probe", description="", routers=[], subscriptions=[], timer_handlers={},
                         migrations_dir=tmp_path)
    # A single server cannot hold three replicas: start refuses instead of quietly keeping one.
    with pytest.raises(Exception, match="(?i)replica"):
        await replicated.start()
    await replicated.broker.stop()
    await replicated.db.dispose()


async def test_a_published_batch_reaches_the_socket_in_a_few_writes_not_one_per_message(nats_server):
    """The relay's batch is buffered and written together: a system call per message cost the
    quarter-end burst a third of the registry's CPU (nats-py's stall wait yielded after each one)."""
    from faststream.nats import NatsBroker

    from sanwei_kit.messaging import JetStreamPublisher, ensure_streams

    broker = NatsBroker(nats_server, logger=None)
    await broker.connect()
    try:
        await ensure_streams(broker, duplicate_window=60)
        # nats-py's transport is private: counted here only, to see how many writes a batch takes.
        transport = broker.config.connection_state.connection._transport
        writes = 0
        writelines = transport.writelines

        def counting(payload):  # type: ignore[no-untyped-def]
            nonlocal writes
            writes += 1
            return writelines(payload)

        transport.writelines = counting
        batch = [("sanwei.progress.completion.v1.accepted", b"{}", str(uuid.uuid4()), None) for _ in range(200)]
        results = await JetStreamPublisher(broker, timeout=5.0).publish_batch(batch)
        assert results == [None] * 200
        assert writes <= 10, f"{writes} socket writes for 200 messages"
    finally:
        await broker.stop()
    assert await _stream_count(nats_server, "SANWEI_PROGRESS") == 200
