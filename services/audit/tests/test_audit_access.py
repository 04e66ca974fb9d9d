"""Who may read the audit log, who acted on each step, and the 纪委's confidential events kept to the 纪委."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from sanwei_audit.adapters.tables import kit, metadata
from sanwei_audit.app import create_app
from sanwei_audit.domain.chain import ChainHead, StoredLink, same_content, verify
from sanwei_audit.settings import AuditSettings
from sanwei_contracts import new_envelope
from sanwei_contracts.events.common import NoticeLevel, Sanction
from sanwei_contracts.events.discipline import ClueAssigned, ClueRegistered, ClueSource, OutcomePublished
from sanwei_contracts.events.supervision import NoticeIssued
from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import Harness, build_test_app, service_harness

pytestmark = pytest.mark.handler

T0 = datetime(2026, 10, 10, 9, 0, tzinfo=CHINA_TZ)
CASE = "case-shizhong-1"
CLUE_ONLY_CASE = "case-clue-only"


@pytest.fixture
def app(tmp_path):
    return build_test_app(create_app, AuditSettings, metadata, kit, tmp_path, FakeClock(T0))


def _events() -> list:
    issued = new_envelope(
        NoticeIssued(notice_id="n1", number="督〔2026〕3号", task_id=CASE, unit="区发改局", problem="逾期未完成",
                     requirement="限期整改", level=NoticeLevel.BLUE, issued_at=T0, deadline=date(2026, 10, 16),
                     due_at=datetime(2026, 10, 17, tzinfo=CHINA_TZ), working_days=5),
        subject="notice/n1", case_id=CASE, time=T0,
        actor="张科长", actor_role="command", actor_unit="区政府督查室",
    )
    registered = new_envelope(
        ClueRegistered(clue_id="c1", number="线索〔2026〕1号", unit="区发改局", problem="督办后仍未整改",
                       sources=[ClueSource(kind="supervision_referral", ref="r1")], registered_at=T0),
        subject="clue/c1", case_id=CASE, time=T0 + timedelta(days=10),
    )
    assigned = new_envelope(
        ClueAssigned(clue_id="c1", assignee="市中区纪委", mode="assign", due=date(2026, 11, 10),
                     assigned_at=T0 + timedelta(days=11)),
        subject="clue/c1", case_id=CASE, time=T0 + timedelta(days=11),
        actor="李主任", actor_role="discipline", actor_unit="区纪委监委",
    )
    published = new_envelope(
        OutcomePublished(clue_id="c1", decision_id="d1", unit="区发改局", sanction=Sanction.CRITICISM_NOTICE,
                         summary="予以通报批评", published_at=T0 + timedelta(days=30)),
        subject="clue/c1", case_id=CASE, time=T0 + timedelta(days=30),
        actor="李主任", actor_role="discipline", actor_unit="区纪委监委",
    )
    hidden = new_envelope(
        ClueRegistered(clue_id="c2", number="线索〔2026〕2号", unit="区城管局", problem="举报",
                       sources=[ClueSource(kind="media_referral", ref="r2")], registered_at=T0),
        subject="clue/c2", case_id=CLUE_ONLY_CASE, time=T0,
    )
    return [issued, registered, assigned, published, hidden]


async def _recorded(h: Harness) -> None:
    for envelope in _events():
        await h.publish(envelope)


async def test_the_timeline_says_who_acted_with_role_and_unit(app) -> None:
    async with service_harness(app) as h:
        await _recorded(h)
        steps = (await h.client.get(f"/cases/{CASE}/timeline", headers=h.as_(Role.AUDITOR))).json()
        issued = steps[0]
        assert (issued["actor"], issued["actor_role"], issued["actor_unit"]) == ("张科长", "command", "区政府督查室")
        assert issued["who"] == "张科长（指挥部/督查室·区政府督查室）"
        async with h.runtime.db.connect() as conn:
            row = (await conn.execute(text("SELECT actor_role, actor_unit, envelope FROM audit_events WHERE seq = 1"))
                   ).one()
        assert (row.actor_role, row.actor_unit) == ("command", "区政府督查室")
        assert json.loads(row.envelope)["actor_unit"] == "区政府督查室"  # under the hash


async def test_confidential_events_are_shown_to_the_discipline_role_only(app) -> None:
    async with service_harness(app) as h:
        await _recorded(h)
        discipline = h.as_(Role.DISCIPLINE, level="district")
        full = [s["type"] for s in (await h.client.get(f"/cases/{CASE}/timeline", headers=discipline)).json()]
        assert full == ["sanwei.supervision.notice.v1.issued", "sanwei.discipline.clue.v1.registered",
                        "sanwei.discipline.clue.v1.assigned", "sanwei.discipline.outcome.v1.published"]
        assert (await h.client.get(f"/cases/{CLUE_ONLY_CASE}/timeline", headers=discipline)).status_code == 200

        for role in (Role.AUDITOR, Role.COMMAND, Role.ADMIN):
            caller = h.as_(role)
            response = await h.client.get(f"/cases/{CASE}/timeline", headers=caller)
            assert [s["type"] for s in response.json()] == ["sanwei.supervision.notice.v1.issued",
                                                            "sanwei.discipline.outcome.v1.published"]
            # No placeholder, no count, no trace of the clue in anything the caller gets.
            body = response.text + (await h.client.get("/events", headers=caller)).text
            cases = (await h.client.get("/cases", headers=caller)).json()
            body += json.dumps(cases, ensure_ascii=False)
            for secret in ("线索〔2026〕", "市中区纪委", "clue.v1", CLUE_ONLY_CASE):
                assert secret not in body, (role, secret)
            assert [(c["case_id"], c["events"]) for c in cases] == [(CASE, 2)]
            hidden = await h.client.get(f"/cases/{CLUE_ONLY_CASE}/timeline", headers=caller)
            assert hidden.status_code == 404
            assert hidden.json() == (await h.client.get("/cases/never-recorded/timeline", headers=caller)).json() | {
                "detail": {"reason": f"no event of case {CLUE_ONLY_CASE} has been recorded"}}
        assert len((await h.client.get("/events", headers=discipline)).json()) == 5


@pytest.mark.parametrize("role", [Role.UNIT, Role.MEDIA, Role.INTEGRATION])
async def test_unit_operators_and_others_get_403(app, role) -> None:
    async with service_harness(app) as h:
        await _recorded(h)
        caller = h.as_(role, unit="区发改局")
        for path in (f"/cases/{CASE}/timeline", "/cases", "/events", "/audit/verify"):
            response = await h.client.get(path, headers=caller)
            assert response.status_code == 403, (role, path)
            assert "auditor" in response.json()["detail"]["reason"]
        assert (await h.client.get("/cases", headers={"Authorization": ""})).status_code == 401


async def test_verify_is_for_auditor_admin_discipline_and_command_and_finds_an_altered_actor(app) -> None:
    async with service_harness(app) as h:
        await _recorded(h)
        for role in (Role.AUDITOR, Role.ADMIN, Role.DISCIPLINE, Role.COMMAND):
            result = (await h.client.get("/audit/verify", headers=h.as_(role))).json()
            assert result["ok"] is True and result["checked"] == 5, role
        async with h.runtime.db.transaction() as conn:
            await conn.execute(text("UPDATE audit_events SET actor_unit = '区发改局' WHERE seq = 1"))
        broken = (await h.client.get("/audit/verify", headers=h.as_(Role.AUDITOR))).json()
        assert (broken["ok"], broken["first_broken_seq"]) == (False, 1)
        assert "actor_unit" in broken["reason"]
        async with h.runtime.db.transaction() as conn:
            await conn.execute(text("UPDATE audit_events SET actor_unit = '区政府督查室' WHERE seq = 1"))
            await conn.execute(text(
                "UPDATE audit_events SET envelope = replace(envelope, '\"command\"', '\"auditor\"') WHERE seq = 1"))
        altered = (await h.client.get("/audit/verify", headers=h.as_(Role.AUDITOR))).json()
        assert (altered["ok"], altered["first_broken_seq"]) == (False, 1)
        assert "altered" in altered["reason"]


def test_rows_recorded_before_envelopes_carried_role_and_unit_still_verify() -> None:
    old = {"id": "00000000-0000-4000-8000-000000000001", "type": "sanwei.supervision.notice.v1.issued",
           "case_id": "case-1", "time": "2026-10-10T09:00:00+08:00", "actor": "区政府督查室", "data": {"n": 1}}
    new = {**old, "id": "00000000-0000-4000-8000-000000000002", "actor": "张科长", "actor_role": "command",
           "actor_unit": "区政府督查室"}
    head, rows = ChainHead(), []
    for envelope in (old, new):
        link = head.append(envelope)
        rows.append(StoredLink(seq=link.seq, prev_hash=link.prev_hash, hash=link.hash, envelope_text=link.canonical,
                               event_id=envelope["id"], type=envelope["type"], case_id=envelope["case_id"],
                               time=datetime.fromisoformat(envelope["time"]), actor=envelope["actor"],
                               actor_role=envelope.get("actor_role"), actor_unit=envelope.get("actor_unit")))
        head = head.advance(link)
    assert verify(rows, head).ok
    # The same old event delivered again, now with the empty new attributes, is still the same event.
    assert same_content(rows[0].envelope_text, {**old, "actor_role": None, "actor_unit": None})
    assert not same_content(rows[0].envelope_text, {**old, "actor_role": "command", "actor_unit": None})
