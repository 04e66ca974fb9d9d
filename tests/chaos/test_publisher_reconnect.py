"""A publisher that loses its connection mid-burst sends again with the same message ids,
and the stream holds each event once: the kit's outbox relay on a 3-node cluster whose node
it is connected to is SIGKILLed while it publishes (part of `task chaos`; writes
docs/bench/chaos-publisher.md, or $SANWEI_CHAOS_PUBLISHER_REPORT)."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from faststream.nats import NatsBroker

from sanwei.cluster import NatsCluster, stream_message_ids
from sanwei_contracts.streams import stream_for_subject
from sanwei_kit.db import Database, KitTables, new_metadata
from sanwei_kit.messaging import JetStreamPublisher, ensure_streams
from sanwei_kit.outbox import OutboxRelay

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(600)]

SUBJECT = "sanwei.registry.task.v1.overdue"
EVENTS = 5000
KILL_AFTER = 300  # published before the node dies: the burst is under way
REPORT = Path(__file__).resolve().parents[2] / "docs" / "bench" / "chaos-publisher.md"


async def test_a_publisher_losing_its_node_mid_burst_sends_each_event_once(tmp_path: Path) -> None:
    cluster = NatsCluster(tmp_path / "cluster")
    await asyncio.to_thread(cluster.start)
    metadata = new_metadata()
    tables = KitTables(metadata)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    broker = NatsBroker(cluster.urls, max_reconnect_attempts=-1, logger=None)
    relay: OutboxRelay | None = None
    try:
        async with db.transaction() as conn:
            await conn.run_sync(metadata.create_all)
            ids = [str(uuid.uuid4()) for _ in range(EVENTS)]
            await conn.execute(tables.outbox.insert(), [
                {"event_id": i, "subject": SUBJECT, "payload": json.dumps({"id": i}), "created_at": datetime.now(UTC)}
                for i in ids
            ])
        await broker.connect()
        await ensure_streams(broker, duplicate_window=3600, replicas=3)
        relay = OutboxRelay(db, tables, JetStreamPublisher(broker, timeout=2.0), batch_size=100, poll_interval=0.05)
        relay.start()
        while relay.published_total < KILL_AFTER:
            await asyncio.sleep(0.01)

        port = broker.config.connection_state.connection.connected_url.port
        node = next(name for name, p in cluster.client_ports.items() if p == port)
        await asyncio.to_thread(cluster.kill, node)
        published_when_killed = relay.published_total
        killed_at = time.monotonic()
        await asyncio.sleep(3)
        await asyncio.to_thread(cluster.start_node, node)

        deadline = time.monotonic() + 300
        while await relay.pending() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        assert await relay.pending() == 0
        drained_s = time.monotonic() - killed_at
    finally:
        if relay is not None:
            await relay.stop()
        await broker.stop()
        await db.dispose()

    try:
        nc = await nats.connect(servers=cluster.urls)
        js = nc.jetstream()
        messages, seen = await stream_message_ids(js, stream_for_subject(SUBJECT).name)
        await nc.close()
    finally:
        await asyncio.to_thread(cluster.stop)
    report = Path(os.environ.get("SANWEI_CHAOS_PUBLISHER_REPORT") or REPORT)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        "# Chaos: a publisher losing its connection mid-burst\n\n"
        f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC} — tests/chaos/test_publisher_reconnect.py (`uv run task chaos`).\n\n"
        + (__doc__ or "").strip() + "\n\n| what | value |\n| --- | --- |\n"
        f"| outbox rows | {EVENTS} |\n| killed | NATS node {node} (the relay's connection), SIGKILL, "
        f"restarted after 3 s |\n| published (acked) when killed | {published_when_killed} |\n"
        f"| all published, s after the kill | {drained_s:.1f} |\n| stream messages | {messages} |\n"
        f"| distinct Nats-Msg-Id | {len(set(seen))} |\n| events missing from the stream | {len(set(ids) - set(seen))} |\n"
    )
    assert published_when_killed < EVENTS  # the connection was lost mid-burst
    assert messages == len(seen) == EVENTS
    assert sorted(seen) == sorted(ids)  # every event once: none lost, none twice
