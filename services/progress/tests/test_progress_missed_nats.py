"""On a real nats-server: a missed period raises report.missed on JetStream exactly once, across a restart."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import httpx
import nats
import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskAssigned
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import bearer, build_test_app, test_database_url, test_token
from sanwei_progress.adapters.tables import kit, metadata
from sanwei_progress.app import create_app
from sanwei_progress.settings import ProgressSettings

pytestmark = pytest.mark.integration

MISSED = "sanwei.progress.report.v1.missed"
ASSIGNED = "sanwei.registry.task.v1.assigned"


async def _on_stream(nats_url: str, stream: str) -> list[tuple[str, dict]]:
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        info = await js.stream_info(stream)
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(stream, seq)
            found.append((msg.subject, json.loads(msg.data)))
        return found
    finally:
        await client.close()


async def _publish_assigned(nats_url: str, clock: FakeClock) -> None:
    envelope = new_envelope(
        TaskAssigned(task_id="t1", task_list_id="l1", task_list_title="2025年重点任务", seq="1",
                     title="升级经四路“金街”。", lead_unit="区金融办", co_units=["区投促局"]),
        subject="task/t1", case_id="t1", time=clock.now())
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().publish(ASSIGNED, envelope.model_dump_json().encode(), timeout=5,
                                         headers={"Nats-Msg-Id": str(envelope.id)})
    finally:
        await client.close()


async def _eventually(predicate, what: str, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, f"{what} not reached in time"
        await asyncio.sleep(0.05)


async def test_a_missed_month_fires_report_missed_once_on_jetstream(tmp_path, nats_server):
    clock = FakeClock(datetime(2025, 1, 20, 9, 0, tzinfo=CHINA_TZ))
    database_url = test_database_url(tmp_path, "progress")  # one database for both runs

    def build():  # type: ignore[no-untyped-def]
        return build_test_app(create_app, ProgressSettings, metadata, kit, tmp_path, clock, nats_url=nats_server,
                              database_url=database_url, outbox_poll_interval=0.05, timer_poll_interval=0.05)

    app = build()
    runtime = app.state.runtime
    await runtime.migrate()
    await runtime.start()
    try:
        await _publish_assigned(nats_server, clock)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", headers=bearer(test_token())) as client:
            async def known() -> bool:
                return (await client.get("/tasks/t1/progress")).status_code == 200

            await _eventually(known, "the task from JetStream")
            cadence = await client.put("/task-lists/l1/cadence",
                                       json={"cadence": "month", "due_working_days": 3, "set_by": "区政府督查室"})
            assert cadence.json()["watched_due_on"] == "2025-02-07"
            reported = await client.post("/reports", json={"task_id": "t1", "unit": "区金融办", "period": "2025-01",
                                                           "text": "走访部分金融机构了解意见建议。"})
            assert reported.status_code == 201
            clock.advance(timedelta(days=18, hours=16))  # 2025-02-08 01:00: the due day has passed

            async def missed_on_stream() -> bool:
                return await runtime.relay.pending() == 0 and any(
                    s == MISSED for s, _ in await _on_stream(nats_server, "SANWEI_PROGRESS"))

            await _eventually(missed_on_stream, "report.missed on JetStream")
    finally:
        await runtime.stop()

    # A restart on the same database with the clock still past the due day fires nothing again.
    app = build()
    runtime = app.state.runtime
    await runtime.start()
    try:
        await asyncio.sleep(0.5)  # several timer and outbox sweeps
        assert await runtime.timers.fire_due() == 0
        assert await runtime.relay.pending() == 0
    finally:
        await runtime.stop()
    missed = [data for subject, data in await _on_stream(nats_server, "SANWEI_PROGRESS") if subject == MISSED]
    assert [(m["data"]["unit"], m["data"]["period"], m["data"]["due_on"]) for m in missed] == [
        ("区投促局", "2025-01", "2025-02-07")]
    assert missed[0]["case_id"] == "t1"
