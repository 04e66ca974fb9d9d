"""Fan-out in bulk: a burst of one event type queues the same deliveries as one event at a time."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from sanwei_contracts.examples import example_envelope
from sanwei_kit.auth import Role
from sanwei_kit.testing import service_harness
from sanwei_webhooks.adapters.tables import deliveries

pytestmark = pytest.mark.handler

NOTICE_ISSUED = "sanwei.supervision.notice.v1.issued"
TASK_OVERDUE = "sanwei.registry.task.v1.overdue"


def _events(event_type: str, count: int) -> list[Any]:
    return [example_envelope(event_type).model_copy(update={"id": uuid.uuid4()}) for _ in range(count)]


async def test_a_batch_queues_one_delivery_per_event_and_wanting_subscription_and_none_when_unwanted(app) -> None:
    async with service_harness(app) as h:
        ids = []
        for types in ([NOTICE_ISSUED], ["sanwei.supervision.>"], [TASK_OVERDUE]):
            created = await h.client.post("/subscriptions", headers=h.as_(Role.ADMIN),
                                          json={"url": "https://oa.example.gov.cn/hook", "event_types": types})
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        service = app.state.delivery_loop._service
        notices = _events(NOTICE_ISSUED, 3)
        async with h.runtime.db.transaction() as conn:
            await service.on_events(conn, notices)
            await service.on_events(conn, _events("sanwei.media.exposure.v1.published", 4))  # nobody wants these
        async with h.runtime.db.transaction() as conn:  # redelivered (there is no inbox): nothing queued twice
            await service.on_events(conn, notices[1:])
            await service.on_event(conn, notices[2])
        async with h.runtime.db.connect() as conn:
            stored = (await conn.execute(
                select(deliveries.c.subscription_id, deliveries.c.event_id).order_by(deliveries.c.id)
            )).all()
            assert (await conn.execute(select(func.count()).select_from(deliveries))).scalar_one() == 6
        assert sorted(map(tuple, stored)) == sorted((sub, str(e.id)) for e in notices for sub in ids[:2])
