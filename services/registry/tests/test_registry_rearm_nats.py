"""On a real nats-server: a deadline re-armed by an extension and a pause fires once, also across a restart."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import httpx
import nats
import pytest

from sanwei_contracts.streams import stream_for_subject
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.runtime import Runtime
from sanwei_kit.testing import bearer, test_database_url, test_token
from sanwei_registry.adapters.tables import kit, metadata
from sanwei_registry.app import create_app
from sanwei_registry.settings import RegistrySettings

pytestmark = pytest.mark.integration

OVERDUE = "sanwei.registry.task.v1.overdue"


async def _started(settings: RegistrySettings, clock: FakeClock) -> tuple[Runtime, httpx.AsyncClient]:
    runtime = Runtime(settings, metadata, kit, clock=clock)
    app = create_app(settings, runtime=runtime)
    await runtime.start()
    return runtime, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry", headers=bearer(test_token()))


async def _overdue_on_nats(nats_url: str) -> list[str]:
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        stream = stream_for_subject(OVERDUE).name
        info = await js.stream_info(stream)
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            message = await js.get_msg(stream, seq)
            if message.subject == OVERDUE:
                found.append(message.data.decode())
        return found
    finally:
        await client.close()


async def _eventually(predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = await predicate()
        if value or loop.time() > end:
            return value
        await asyncio.sleep(0.1)


async def test_a_rearmed_deadline_fires_once_on_nats_across_a_restart(tmp_path: Path, nats_server: str) -> None:
    clock = FakeClock(datetime(2025, 1, 20, 9, 0, tzinfo=CHINA_TZ))
    settings = RegistrySettings(nats_url=nats_server, database_url=test_database_url(tmp_path, "registry"),
                                timer_poll_interval=0.05, outbox_poll_interval=0.05, migrate_on_start=True)
    runtime, client = await _started(settings, clock)
    try:
        body = {"title": "清单", "tasks": [{"title": "完善社会救助体系。", "lead_unit": "区民政局",
                                            "deadline": "2025-01-24"}]}
        task = (await client.post("/task-lists", json=body)).json()["tasks"][0]
        asked = (await client.post(f"/tasks/{task['id']}/extensions", json={
            "requested_by": "区民政局", "reason": "春节期间无法入户核查", "deadline": "2025-02-10"})).json()
        approved = await client.post(f"/tasks/{task['id']}/extensions/{asked['id']}/approve",
                                     json={"decided_by": "区政府督查室"})
        assert approved.status_code == 200, approved.text
        clock.set(datetime(2025, 1, 24, 9, 0, tzinfo=CHINA_TZ))
        paused = await client.post(f"/tasks/{task['id']}/pause", json={"reason": "待市级批复"})
        assert paused.json()["paused_days_left"] == 8
        clock.set(datetime(2025, 2, 11, 0, 0, 1, tzinfo=CHINA_TZ))  # both earlier deadlines have passed
        await asyncio.sleep(0.5)
        assert await _overdue_on_nats(nats_server) == []
        clock.set(datetime(2025, 2, 17, 9, 0, tzinfo=CHINA_TZ))
        resumed = (await client.post(f"/tasks/{task['id']}/resume", json={})).json()
        assert resumed["deadline"] == "2025-02-27"
        clock.set(datetime(2025, 2, 28, 0, 0, 1, tzinfo=CHINA_TZ))
        fired = await _eventually(lambda: _overdue_on_nats(nats_server))
        assert len(fired) == 1 and task["id"] in fired[0]
    finally:
        await client.aclose()
        await runtime.stop()

    # A restart on the same database fires nothing more.
    runtime, client = await _started(settings, clock)
    try:
        clock.set(datetime(2025, 3, 10, 9, 0, tzinfo=CHINA_TZ))
        await asyncio.sleep(0.5)
        assert await runtime.timers.fire_due() == 0  # type: ignore[union-attr]
        assert len(await _overdue_on_nats(nats_server)) == 1
        assert (await client.get(f"/tasks/{task['id']}")).json()["status"] == "overdue"
    finally:
        await client.aclose()
        await runtime.stop()
