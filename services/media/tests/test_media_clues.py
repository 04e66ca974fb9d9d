"""Citizen clues (随手拍, 12345 tickets), their triage, and status callbacks to a real HTTP receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_media.adapters.tables import kit, metadata
from sanwei_media.app import create_app
from sanwei_media.settings import MediaSettings

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
DUE = datetime(2026, 10, 11, 0, 0, tzinfo=CHINA_TZ)
PUBLISHED = "sanwei.media.exposure.v1.published"


class Receiver:
    """A real HTTP server on a free port standing in for the 12345 system; fails the first `fail` POSTs."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.received: list[tuple[dict, str]] = []
        self.attempts = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.attempts += 1
                if outer.attempts <= outer.fail:
                    self.send_response(503)
                else:
                    outer.received.append((body, self.headers["X-Sanwei-Callback-Id"]))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"

    def statuses(self) -> list[str]:
        return [body["status"] for body, _ in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail=2)
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


@pytest.fixture
def app(tmp_path, clock, receiver):
    return build_test_app(create_app, MediaSettings, metadata, kit, tmp_path, clock,
                          hotline_callback_url=receiver.url, hotline_callback_retry_delay=60,
                          hotline_callback_max_attempts=4)


def _ticket(ticket_id: str = "12345-20260928-000123", **overrides) -> dict:
    return {"ticket_id": ticket_id, "time": "2026-09-28T08:15:00+08:00",
            "text": "泉城路公交站旁垃圾桶满溢，无人清理", "location": "历下区泉城路与县西巷路口",
            "category": "市容环境", "attachments": ["att-1.jpg", "att-2.jpg"], "caller_name": "王小明",
            "caller_phone": "13912345678", **overrides}


async def test_duplicate_hotline_tickets_make_one_clue(app):
    async with service_harness(app) as h:
        first = await h.client.post("/hotline/tickets", json=_ticket())
        assert first.status_code == 201, first.text
        replay = await h.client.post("/hotline/tickets", json=_ticket(text="（重推）"))
        assert replay.status_code == 200
        assert replay.json()["id"] == first.json()["id"]
        other = await h.client.post("/hotline/tickets", json=_ticket("12345-20260928-000124"))
        assert other.status_code == 201
        clues = (await h.client.get("/clues", params={"channel": "hotline"})).json()
        assert len(clues) == 2
        detail = (await h.client.get(f"/clues/{first.json()['id']}")).json()
        assert detail["ticket_id"] == "12345-20260928-000123"
        assert detail["text"] == "泉城路公交站旁垃圾桶满溢，无人清理"  # the replay changed nothing
        assert detail["photos"] == ["att-1.jpg", "att-2.jpg"]
        assert detail["category"] == "市容环境"
        assert detail["reported_at"] == "2026-09-28T00:15:00Z"


async def test_snapshot_clue_and_bad_input(app):
    async with service_harness(app) as h:
        sent = await h.client.post("/clues", json={"text": "经十路人行道被占用", "location": "经十路",
                                                    "photos": ["p1.jpg"]})
        assert sent.status_code == 201
        assert sent.json()["status"] == "received"
        assert sent.json()["channel"] == "snapshot"
        assert (await h.client.post("/clues", json={"text": ""})).status_code == 422
        blank = await h.client.post("/clues", json={"text": "   "})
        assert blank.status_code == 422 and blank.json()["detail"]["field"] == "text"
        assert (await h.client.post("/hotline/tickets", json=_ticket(callback_url="not a url"))).status_code == 422
        assert (await h.client.post("/hotline/tickets", json={"ticket_id": "x", "text": "t"})).status_code == 422
        assert (await h.client.get("/clues/nope")).status_code == 404


async def test_triage_and_status_callbacks_are_delivered_in_order_with_retries(app, clock, receiver):
    async with service_harness(app) as h:
        dispatcher = app.state.callbacks
        exposed_clue = (await h.client.post("/hotline/tickets", json=_ticket())).json()["id"]
        dismissed_clue = (await h.client.post("/hotline/tickets", json=_ticket("T-2"))).json()["id"]
        snapshot = (await h.client.post("/clues", json={"text": "随手拍：井盖缺失"})).json()["id"]

        response = await h.client.post(f"/clues/{exposed_clue}/expose", json={
            "unit": "历下区城管局", "title": "泉城路垃圾桶满溢", "problem": "公交站旁垃圾桶满溢无人清理",
            "by": "济南日报编辑"})
        assert response.status_code == 201, response.text
        exposure = response.json()
        assert exposure["origin"] == "citizen_clue" and exposure["origin_ref"] == exposed_clue
        again = await h.client.post(f"/clues/{exposed_clue}/dismiss", json={"reason": "x", "by": "编辑"})
        assert again.status_code == 409
        dismissed = await h.client.post(f"/clues/{dismissed_clue}/dismiss",
                                        json={"reason": "经核实已整改完毕", "by": "济南日报编辑"})
        assert dismissed.json()["status"] == "dismissed"
        await h.client.post(f"/clues/{snapshot}/dismiss", json={"reason": "非创城问题", "by": "编辑"})
        published = await h.emitted(PUBLISHED)
        assert [e["data"]["origin_ref"] for e in published] == [exposed_clue]

        # The receiver answers 503 twice: both first attempts fail, nothing is lost.
        assert await dispatcher.deliver_due() == 0
        assert receiver.attempts == 2
        assert await dispatcher.deliver_due() == 0  # not due again before the retry delay
        assert receiver.attempts == 2
        detail = (await h.client.get(f"/clues/{exposed_clue}")).json()
        assert detail["callbacks"][0]["attempts"] == 1
        assert detail["callbacks"][0]["last_error"] == "HTTP 503"
        # The exposure is rectified meanwhile: its callback waits behind the pending "exposed".
        clock.advance(timedelta(seconds=30))
        await h.client.post(f"/exposures/{exposure['id']}/rectification",
                            json={"confirmed_by": "记者回访", "note": "垃圾桶已清理并增设"})
        clock.advance(timedelta(seconds=31))
        assert await dispatcher.deliver_due() == 2
        assert await dispatcher.deliver_due() == 1
        assert await dispatcher.deliver_due() == 0
        by_ticket = {}
        for body, callback_id in receiver.received:
            by_ticket.setdefault(body["ticket_id"], []).append(body["status"])
            assert callback_id
        assert by_ticket == {"12345-20260928-000123": ["exposed", "rectified"], "T-2": ["dismissed"]}
        dismissal = next(b for b, _ in receiver.received if b["status"] == "dismissed")
        assert dismissal["note"] == "经核实已整改完毕"
        assert all("王小明" not in json.dumps(b, ensure_ascii=False) for b, _ in receiver.received)
        detail = (await h.client.get(f"/clues/{exposed_clue}")).json()
        assert [c["status"] for c in detail["callbacks"]] == ["exposed", "rectified"]
        assert all(c["delivered_at"] for c in detail["callbacks"])


async def test_a_callback_to_a_dead_receiver_is_given_up_and_kept(app, clock, receiver):
    async with service_harness(app) as h:
        dead = receiver.url.replace(str(receiver.server.server_address[1]), "9")  # discard port: refused
        clue = (await h.client.post("/hotline/tickets", json=_ticket(callback_url=dead))).json()["id"]
        await h.client.post(f"/clues/{clue}/dismiss", json={"reason": "重复反映", "by": "编辑"})
        for _ in range(6):
            await app.state.callbacks.deliver_due()
            clock.advance(timedelta(hours=1))
        callback = (await h.client.get(f"/clues/{clue}")).json()["callbacks"][0]
        assert callback["attempts"] == 4
        assert callback["gave_up_at"] is not None
        assert callback["delivered_at"] is None
        assert callback["last_error"]


async def test_an_unrectified_exposure_from_a_ticket_tells_the_hotline_it_was_referred(app, clock, receiver):
    receiver.fail = 0
    async with service_harness(app) as h:
        clue = (await h.client.post("/hotline/tickets", json=_ticket())).json()["id"]
        reviewed = await h.client.post(f"/clues/{clue}/review", json={"by": "编辑"})
        assert reviewed.json()["status"] == "reviewing"
        assert (await h.client.post(f"/clues/{clue}/review", json={"by": "编辑"})).status_code == 409
        await h.client.post(f"/clues/{clue}/expose", json={"unit": "历下区城管局", "title": "垃圾桶满溢",
                                                          "problem": "无人清理", "by": "编辑"})
        clock.set(DUE + timedelta(minutes=1))
        assert await h.fire_timers() == 1
        for _ in range(3):
            await app.state.callbacks.deliver_due()
        assert receiver.statuses() == ["triaged", "exposed", "referred"]
        assert receiver.received[0][0]["status_label"] == "已受理，核实中"


async def test_exposure_evidence_and_follow_up_evidence_travel_with_the_history(app, clock):
    async with service_harness(app) as h:
        clue = (await h.client.post("/clues", json={"text": "井盖缺失", "photos": ["p1.jpg", "p2.jpg"]})).json()["id"]
        exposure = (await h.client.post(f"/clues/{clue}/expose", json={
            "unit": "历下区城管局", "title": "井盖缺失", "problem": "人行道井盖缺失", "by": "编辑"})).json()
        assert exposure["evidence"] == ["p1.jpg", "p2.jpg"]  # the citizen's photos
        followed = await h.client.post(f"/exposures/{exposure['id']}/follow-ups", json={
            "note": "记者回访仍未修复", "by": "济南时报", "evidence": ["回访.mp4", " ", "回访.mp4"]})
        assert followed.status_code == 201
        assert followed.json()["history"][-1]["evidence"] == ["回访.mp4"]
        event = (await h.emitted("sanwei.media.exposure.v1.followed_up"))[0]
        assert event["data"]["evidence"] == ["回访.mp4"] and event["case_id"] == exposure["case_id"]
        assert (await h.emitted(PUBLISHED))[0]["data"]["evidence"] == ["p1.jpg", "p2.jpg"]
        clock.set(DUE + timedelta(minutes=1))
        await h.fire_timers()
        republished = (await h.emitted("sanwei.media.exposure.v1.republished"))[0]["data"]["history"]
        assert republished[0].endswith("［证据：p1.jpg、p2.jpg］")
        assert republished[1].endswith("［证据：回访.mp4］")
        referral = (await h.emitted("sanwei.media.referral.v1.requested"))[0]["data"]
        assert referral["evidence"][:2] == republished[:2]
