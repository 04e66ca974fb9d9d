"""/metrics: the kit's gauges and the registry's own reflect the database when scraped."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)


def sample(metrics: dict, name: str, **labels: str) -> float | None:
    return metrics.get((name, frozenset(labels.items())))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


async def test_overdue_task_shows_in_the_gauges_and_a_due_timer_as_lag(app, clock):
    async with service_harness(app) as h:
        before = await h.metrics()
        assert sample(before, "sanwei_registry_overdue_tasks") == 0
        assert sample(before, "sanwei_registry_tasks", status="overdue") == 0
        assert sample(before, "sanwei_timer_lag_seconds") == 0
        assert sample(before, "sanwei_outbox_oldest_unpublished_seconds") == 0

        response = await h.client.post("/task-lists", json={"title": "清单", "tasks": [
            {"title": "重点打造儒商总部大厦特色楼宇。", "lead_unit": "区投促局", "working_days": 3}]})
        assert response.status_code == 201, response.text
        armed = await h.metrics()
        assert sample(armed, "sanwei_registry_tasks", status="open") == 1
        # The harness runs no relay: what the request emitted waits in the outbox.
        assert sample(armed, "sanwei_outbox_backlog") == len(await h.emitted())
        assert sample(armed, "sanwei_outbox_oldest_unpublished_seconds") >= 0
        assert sample(armed, "sanwei_timers_pending") >= 1

        # The deadline (2026-10-08) has passed on the service's clock and nothing fired yet: that is lag.
        clock.set(datetime(2026, 10, 9, 1, 0, tzinfo=CHINA_TZ))
        lagging = await h.metrics()
        assert sample(lagging, "sanwei_timer_lag_seconds") >= 3600
        assert sample(lagging, "sanwei_registry_overdue_tasks") == 0

        await h.fire_timers()
        overdue = await h.metrics()
        assert sample(overdue, "sanwei_registry_overdue_tasks") == 1
        assert sample(overdue, "sanwei_registry_tasks", status="overdue") == 1
        assert sample(overdue, "sanwei_registry_tasks", status="open") == 0
        assert sample(overdue, "sanwei_timer_lag_seconds") == 0


async def test_dead_letters_waiting_counts_what_was_not_replayed(app):
    async with service_harness(app) as h:
        assert sample(await h.metrics(), "sanwei_dead_letters_waiting") == 0
        await h.broker.publish(b'{"id": "not-a-uuid"}', subject="sanwei.progress.completion.v1.accepted",
                               stream="SANWEI_PROGRESS")
        metrics = await h.metrics()
        assert sample(metrics, "sanwei_dead_letters_waiting") == 1
        consumer = "registry__sanwei_progress_completion_v1_accepted"
        assert sample(metrics, "sanwei_consumer_dead_lettered_total", consumer=consumer) == 1


async def test_a_requests_traceparent_is_stored_with_the_events_it_emits(app):
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    async with service_harness(app) as h:
        response = await h.client.post("/task-lists", headers={"traceparent": traceparent}, json={
            "title": "清单", "tasks": [{"title": "重点打造儒商总部大厦特色楼宇。", "lead_unit": "区投促局"}]})
        assert response.status_code == 201, response.text
        untraced = await h.client.post("/task-lists", json={
            "title": "清单二", "tasks": [{"title": "推进老旧小区改造。", "lead_unit": "区住建局"}]})
        assert untraced.status_code == 201, untraced.text
        outbox = h.runtime.tables.outbox
        async with h.runtime.db.connect() as conn:
            rows = (await conn.execute(select(outbox.c.payload, outbox.c.headers).order_by(outbox.c.seq))).all()
    traced = {json.loads(r.payload)["case_id"] for r in rows if r.headers == {"traceparent": traceparent}}
    assert response.json()["tasks"][0]["id"] in traced
    assert untraced.json()["tasks"][0]["id"] not in traced
    assert all(r.headers is None for r in rows if json.loads(r.payload)["case_id"] not in traced)
