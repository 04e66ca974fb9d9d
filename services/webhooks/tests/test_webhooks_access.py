"""Who may manage webhooks (系统运维 only; auditors read, never a secret), and no 纪委 secret goes out."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from sanwei_contracts import CATALOG
from sanwei_contracts.examples import example_envelope
from sanwei_kit.auth import Role
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

OUTCOME = "sanwei.discipline.outcome.v1.published"
NOTICE_ISSUED = "sanwei.supervision.notice.v1.issued"
CONFIDENTIAL = [spec.type for spec in CATALOG if spec.confidential]


def _event(event_type: str) -> Any:
    return example_envelope(event_type).model_copy(update={"id": uuid.uuid4()})


@pytest.mark.parametrize("event_type", CONFIDENTIAL)
async def test_subscribing_to_a_confidential_type_is_refused_with_the_reason(app, event_type) -> None:
    async with service_harness(app) as h:
        for types in ([event_type], [event_type, "sanwei.discipline.clue.*"]):
            refused = await h.client.post("/subscriptions", json={"url": "https://oa.example.gov.cn/hook",
                                                                  "event_types": types})
            assert refused.status_code == 422, refused.text
            detail = refused.json()["detail"]
            assert detail["field"] == "event_types" and "confidential" in detail["reason"]
        assert (await h.client.get("/subscriptions")).json() == []


async def test_a_catch_all_subscription_never_gets_a_confidential_event(app) -> None:
    consumed = {consumer.spec.type for consumer in app.state.runtime.consumers}
    assert not consumed & set(CONFIDENTIAL) and OUTCOME in consumed  # not even subscribed on NATS
    async with service_harness(app) as h:
        everything = await h.client.post("/subscriptions", json={"url": "https://oa.example.gov.cn/hook",
                                                                 "event_types": ["sanwei.>", "*"]})
        assert everything.status_code == 201, everything.text
        sub_id = everything.json()["id"]
        for event_type in [*CONFIDENTIAL, OUTCOME, NOTICE_ISSUED]:
            await h.publish(_event(event_type))
        # Even an event that reached the fan-out (a misrouted message) queues no delivery.
        service = h.client._transport.app.state.delivery_loop._service  # type: ignore[attr-defined]
        async with h.runtime.db.transaction() as conn:
            for event_type in CONFIDENTIAL:
                await service.on_event(conn, _event(event_type))
        delivered = [d["event_type"] for d in (await h.client.get(f"/subscriptions/{sub_id}/deliveries")).json()]
        assert sorted(delivered) == sorted([OUTCOME, NOTICE_ISSUED])


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.COMMAND, Role.DISCIPLINE, Role.MEDIA, Role.INTEGRATION,
                                  Role.UNIT])
async def test_only_an_admin_manages_subscriptions(app, role) -> None:
    async with service_harness(app) as h:
        created = await h.client.post("/subscriptions", headers=h.as_(Role.ADMIN),
                                      json={"url": "https://oa.example.gov.cn/hook", "event_types": [NOTICE_ISSUED]})
        assert created.status_code == 201, created.text
        sub_id = created.json()["id"]
        caller = h.as_(role, unit="区发改局")
        for method, path, body in [
            ("POST", "/subscriptions", {"url": "https://x.example.gov.cn/", "event_types": [NOTICE_ISSUED]}),
            ("POST", f"/subscriptions/{sub_id}/rotate-secret", None),
            ("DELETE", f"/subscriptions/{sub_id}", None),
        ]:
            response = await h.client.request(method, path, json=body, headers=caller)
            assert response.status_code == 403, (role, path, response.text)
            assert "admin" in response.json()["detail"]["reason"]
        reads = [await h.client.get(path, headers=caller) for path in
                 ("/subscriptions", f"/subscriptions/{sub_id}", f"/subscriptions/{sub_id}/deliveries")]
        if role is Role.AUDITOR:
            assert [r.status_code for r in reads] == [200, 200, 200]
            assert all("secret" not in view for view in [*reads[0].json(), reads[1].json()])
        else:
            assert [r.status_code for r in reads] == [403, 403, 403]
        assert (await h.client.get("/subscriptions", headers={"Authorization": ""})).status_code == 401
