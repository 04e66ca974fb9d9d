"""The webhooks service on TestNatsBroker, delivering to a real HTTP receiver on a free port."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from sanwei_contracts.examples import example_envelope
from sanwei_contracts.webhooks import SignatureError, verify_signature
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import Harness, build_test_app, service_harness
from sanwei_webhooks.adapters.tables import kit, metadata
from sanwei_webhooks.app import create_app
from sanwei_webhooks.handlers import DeliveryLoop
from sanwei_webhooks.settings import WebhooksSettings

pytestmark = pytest.mark.handler

NOTICE_ISSUED = "sanwei.supervision.notice.v1.issued"
CLUE_REGISTERED = "sanwei.discipline.clue.v1.registered"


@pytest.fixture
def app(tmp_path):
    return build_test_app(create_app, WebhooksSettings, metadata, kit, tmp_path,
                          FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC)),
                          delivery_max_attempts=3, delivery_base_delay=0.05, delivery_max_delay=0.2,
                          delivery_timeout=0.5, delivery_concurrency_per_subscription=2)


def _event(event_type: str) -> Any:
    return example_envelope(event_type).model_copy(update={"id": uuid.uuid4()})


def _loop(h: Harness) -> DeliveryLoop:
    return h.client._transport.app.state.delivery_loop  # type: ignore[attr-defined]


async def _subscribe(h: Harness, url: str, types: list[str]) -> dict[str, Any]:
    response = await h.client.post("/subscriptions", json={"url": url, "event_types": types, "description": "区政府OA"})
    assert response.status_code == 201, response.text
    return response.json()


async def _deliver(h: Harness, rounds: int = 1) -> None:
    """Sweep and wait for the attempts, `rounds` times (retries are due after their backoff)."""
    loop = _loop(h)
    for _ in range(rounds):
        await loop.sweep()
        await loop.drain()
        await asyncio.sleep(0.25)  # > the largest backoff configured above


async def _deliveries(h: Harness, sub_id: str) -> list[dict[str, Any]]:
    response = await h.client.get(f"/subscriptions/{sub_id}/deliveries")
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_real_receiver_gets_signed_deliveries_that_verify(app, receiver) -> None:
    async with service_harness(app) as h:
        sub = await _subscribe(h, receiver.url, ["sanwei.supervision.*"])
        assert sub["secret"].startswith("whsec_") and sub["event_types"] == ["sanwei.supervision.*"]
        issued = _event(NOTICE_ISSUED)
        await h.publish(issued)
        await h.publish(_event("sanwei.media.exposure.v1.published"))  # not wanted
        queued = await _deliveries(h, sub["id"])
        assert [(d["event_type"], d["state"], d["attempts"]) for d in queued] == [(NOTICE_ISSUED, "pending", 0)]

        await _deliver(h)

        [request] = receiver.wait_for(1)
        assert request.path == "/hooks/sanwei"
        assert request.headers["Sanwei-Event-Id"] == str(issued.id)
        assert request.headers["Sanwei-Event-Type"] == NOTICE_ISSUED
        assert request.headers["Content-Type"] == "application/json"
        verify_signature(sub["secret"], request.body, request.headers["Sanwei-Signature"], now=time.time())
        with pytest.raises(SignatureError):
            verify_signature("whsec_other", request.body, request.headers["Sanwei-Signature"], now=time.time())
        assert type(issued).model_validate_json(request.body) == issued
        [delivery] = await _deliveries(h, sub["id"])
        assert delivery["state"] == "delivered" and delivery["attempts"] == 1 and delivery["last_status"] == 200
        assert delivery["last_response"] == '{"ok": true}' and delivery["next_attempt_at"] is None
        listed = (await h.client.get("/subscriptions")).json()
        assert listed[0]["deliveries"] == {"delivered": 1} and "secret" not in listed[0]


async def test_a_failing_receiver_is_retried_with_backoff_then_given_up(app, receiver) -> None:
    receiver.status = 500
    receiver.answer = b'{"error": "OA \xe7\xb3\xbb\xe7\xbb\x9f\xe7\xbb\xb4\xe6\x8a\xa4\xe4\xb8\xad"}'
    async with service_harness(app) as h:
        sub = await _subscribe(h, receiver.url, [NOTICE_ISSUED])
        await h.publish(_event(NOTICE_ISSUED))

        await _deliver(h)
        [failing] = await _deliveries(h, sub["id"])
        assert failing["state"] == "failing" and failing["attempts"] == 1 and failing["last_status"] == 500
        assert failing["last_response"] == '{"error": "OA 系统维护中"}'
        assert failing["next_attempt_at"] is not None

        await _deliver(h, rounds=3)
        [given_up] = await _deliveries(h, sub["id"])
        assert given_up["state"] == "given_up" and given_up["attempts"] == 3 and given_up["next_attempt_at"] is None
        requests = receiver.wait_for(3)
        assert len(requests) == 3  # max attempts, then no more
        assert len({r.headers["Sanwei-Event-Id"] for r in requests}) == 1
        failing_only = await h.client.get(f"/subscriptions/{sub['id']}/deliveries", params={"state": "failing"})
        assert failing_only.json() == []


async def test_a_receiver_that_recovers_gets_the_delivery(app, receiver) -> None:
    receiver.status = 503
    async with service_harness(app) as h:
        sub = await _subscribe(h, receiver.url, [NOTICE_ISSUED])
        await h.publish(_event(NOTICE_ISSUED))
        await _deliver(h)
        receiver.status = 200
        await _deliver(h)
        [delivery] = await _deliveries(h, sub["id"])
        assert delivery["state"] == "delivered" and delivery["attempts"] == 2 and delivery["last_status"] == 200


async def test_an_unreachable_or_hanging_receiver_does_not_hold_anything_up(tmp_path, receiver) -> None:
    app = build_test_app(create_app, WebhooksSettings, metadata, kit, tmp_path,
                         FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC)),
                         delivery_timeout=3.0, delivery_concurrency_per_subscription=2)
    receiver.delay = 5.0  # longer than delivery_timeout
    async with service_harness(app) as h:
        sub = await _subscribe(h, receiver.url, [NOTICE_ISSUED])
        dead = await _subscribe(h, "http://127.0.0.1:9/nobody", [NOTICE_ISSUED])
        for _ in range(5):
            await h.publish(_event(NOTICE_ISSUED))  # consuming only queues: no HTTP on this path
        loop = _loop(h)
        assert await loop.sweep() == 4  # 2 slots per subscription (delivery_concurrency_per_subscription)
        assert loop.in_flight >= 2  # the sweep returned while the hanging receiver still holds its attempts
        await loop.drain()
        hanging = await _deliveries(h, sub["id"])
        attempted = [d for d in hanging if d["attempts"]]
        assert len(attempted) == 2  # per-subscription concurrency limit
        assert all(d["state"] == "failing" and "timeout" in d["last_error"] for d in attempted)
        refused = [d for d in await _deliveries(h, dead["id"]) if d["attempts"]]
        assert refused and all(d["last_status"] is None and d["last_error"] for d in refused)


async def test_a_backlog_of_one_subscription_does_not_starve_another(tmp_path, receiver) -> None:
    app = build_test_app(create_app, WebhooksSettings, metadata, kit, tmp_path,
                         FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC)),
                         delivery_timeout=0.5, delivery_concurrency_per_subscription=2, delivery_batch_size=3)
    async with service_harness(app) as h:
        down = await _subscribe(h, "http://127.0.0.1:9/down", [NOTICE_ISSUED])
        for _ in range(6):
            await h.publish(_event(NOTICE_ISSUED))  # a backlog of 6 for the receiver that is down
        healthy = await _subscribe(h, receiver.url, [NOTICE_ISSUED])
        await h.publish(_event(NOTICE_ISSUED))
        await _loop(h).sweep()  # one batch of 3: 2 for the backlog (its limit), 1 for the healthy receiver
        await _loop(h).drain()
        assert [d["state"] for d in await _deliveries(h, healthy["id"])] == ["delivered"]
        assert sum(1 for d in await _deliveries(h, down["id"]) if d["attempts"]) == 2


async def test_confidential_events_are_never_subscribed_to_nor_delivered(app, receiver) -> None:
    consumed = {consumer.spec.type for consumer in app.state.runtime.consumers}
    assert "sanwei.discipline.outcome.v1.published" in consumed
    assert not {t for t in consumed if t.startswith("sanwei.discipline.") and not t.endswith(".published")}
    async with service_harness(app) as h:
        refused = await h.client.post("/subscriptions", json={"url": receiver.url, "event_types": [CLUE_REGISTERED]})
        assert refused.status_code == 422, refused.text
        assert "never delivered" in refused.text
        broad = await _subscribe(h, receiver.url, ["sanwei.discipline.*"])
        await h.publish(_event("sanwei.discipline.outcome.v1.published"))
        assert [d["event_type"] for d in await _deliveries(h, broad["id"])] == ["sanwei.discipline.outcome.v1.published"]


async def test_rotating_the_secret_signs_later_attempts_with_the_new_one(app, receiver) -> None:
    async with service_harness(app) as h:
        sub = await _subscribe(h, receiver.url, [NOTICE_ISSUED])
        rotated = await h.client.post(f"/subscriptions/{sub['id']}/rotate-secret")
        assert rotated.status_code == 200
        new_secret = rotated.json()["secret"]
        assert new_secret != sub["secret"] and rotated.json()["secret_rotated_at"]
        await h.publish(_event(NOTICE_ISSUED))
        await _deliver(h)
        [request] = receiver.wait_for(1)
        verify_signature(new_secret, request.body, request.headers["Sanwei-Signature"], now=time.time())
        with pytest.raises(SignatureError):
            verify_signature(sub["secret"], request.body, request.headers["Sanwei-Signature"], now=time.time())
        assert "secret" not in (await h.client.get(f"/subscriptions/{sub['id']}")).json()


async def test_bad_requests_get_a_reason_and_removal_stops_deliveries(app, receiver) -> None:
    async with service_harness(app) as h:
        unknown = await h.client.post("/subscriptions", json={"url": receiver.url,
                                                              "event_types": ["sanwei.supervision.notice.v1.issue"]})
        assert unknown.status_code == 422 and "selects no event type" in unknown.json()["detail"]["reason"]
        assert (await h.client.post("/subscriptions", json={"url": "ftp://x", "event_types": [NOTICE_ISSUED]})
                ).status_code == 422
        assert (await h.client.post("/subscriptions", json={"url": receiver.url, "event_types": []})
                ).status_code == 422
        assert (await h.client.get("/subscriptions/nope/deliveries")).status_code == 404
        assert (await h.client.post("/subscriptions/nope/rotate-secret")).status_code == 404

        sub = await _subscribe(h, receiver.url, [NOTICE_ISSUED])
        await h.publish(_event(NOTICE_ISSUED))
        assert (await h.client.delete(f"/subscriptions/{sub['id']}")).status_code == 204
        assert (await h.client.get(f"/subscriptions/{sub['id']}")).status_code == 404
        await _deliver(h)
        assert receiver.requests == []
        await h.publish(_event(NOTICE_ISSUED))
        assert (await h.client.delete(f"/subscriptions/{sub['id']}")).status_code == 404


async def test_a_redelivered_event_is_queued_once(app, receiver) -> None:
    async with service_harness(app) as h:
        sub = await _subscribe(h, receiver.url, [NOTICE_ISSUED])
        event = _event(NOTICE_ISSUED)
        await h.publish(event)
        await h.publish(event)
        assert len(await _deliveries(h, sub["id"])) == 1
