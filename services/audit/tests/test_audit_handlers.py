"""The audit service on TestNatsBroker with a fake clock: recording, timelines, tampering."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from sanwei_audit.adapters.tables import kit, metadata
from sanwei_audit.app import create_app
from sanwei_audit.service import AuditService
from sanwei_audit.settings import AuditSettings
from sanwei_contracts import CATALOG, new_envelope
from sanwei_contracts.catalog import consumed_by
from sanwei_contracts.events.common import NoticeLevel, Sanction
from sanwei_contracts.events.discipline import ClueRegistered, ClueSource, OutcomePublished
from sanwei_contracts.events.media import ExposurePublished, ReferralRequested
from sanwei_contracts.events.registry import TaskAssigned, TaskOverdue
from sanwei_contracts.events.supervision import NoticeIssued, NoticeUnrectified
from sanwei_contracts.examples import example_envelope
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.errors import Conflict
from sanwei_kit.testing import build_test_app, service_harness

pytestmark = pytest.mark.handler

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=CHINA_TZ)
CASE = "3f2b8c1e-7d4a-4c59-9e61-5a0d2c8b7f14"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def app(tmp_path, clock):
    return build_test_app(create_app, AuditSettings, metadata, kit, tmp_path, clock, verify_batch_size=2)


def _case_events() -> list:
    """One case through the chain, each event caused by the one before it where the chain causes it."""
    assigned = new_envelope(
        TaskAssigned(task_id=CASE, task_list_id="l1", task_list_title="2019年《政府工作报告》主要工作任务", seq="4",
                     title="依托特色楼宇，积极引进全国或区域总部", lead_unit="区发改局", deadline=date(2026, 10, 9),
                     due_at=datetime(2026, 10, 10, tzinfo=CHINA_TZ)),
        subject=f"task/{CASE}", case_id=CASE, time=T0, actor="区政府督查室",
    )
    overdue = new_envelope(
        TaskOverdue(task_id=CASE, title="依托特色楼宇", lead_unit="区发改局", deadline=date(2026, 10, 9),
                    due_at=datetime(2026, 10, 10, tzinfo=CHINA_TZ)),
        subject=f"task/{CASE}", case_id=CASE, time=datetime(2026, 10, 10, tzinfo=CHINA_TZ), actor="system",
    )
    issued = new_envelope(
        NoticeIssued(notice_id="n1", number="督〔2026〕3号", task_id=CASE, unit="区发改局", problem="逾期未完成",
                     requirement="限期整改", level=NoticeLevel.BLUE, issued_at=overdue.time + timedelta(seconds=1),
                     deadline=date(2026, 10, 16), due_at=datetime(2026, 10, 17, tzinfo=CHINA_TZ), working_days=5),
        subject="notice/n1", case_id=CASE, time=overdue.time + timedelta(seconds=1), causation_id=overdue.id,
    )
    unrectified = new_envelope(
        NoticeUnrectified(notice_id="n1", number="督〔2026〕3号", task_id=CASE, unit="区发改局", problem="逾期未完成",
                          level=NoticeLevel.YELLOW, deadline=date(2026, 10, 16),
                          detected_at=datetime(2026, 10, 17, tzinfo=CHINA_TZ)),
        subject="notice/n1", case_id=CASE, time=datetime(2026, 10, 17, tzinfo=CHINA_TZ), actor="system",
    )
    exposed = new_envelope(
        ExposurePublished(exposure_id="e1", unit="区发改局", title="总部经济扶持办法迟迟未出台", problem="督办后仍未整改",
                          origin="notice_unrectified", origin_ref="督〔2026〕3号", published_at=unrectified.time,
                          deadline=date(2026, 10, 30), due_at=datetime(2026, 10, 31, tzinfo=CHINA_TZ)),
        subject="exposure/e1", case_id=CASE, time=unrectified.time + timedelta(seconds=1),
        causation_id=unrectified.id,
    )
    referred = new_envelope(
        ReferralRequested(referral_id="r1", origin="exposure_unrectified", origin_ref="e1", unit="区发改局",
                          problem="曝光后仍未整改", reason="逾期未整改", requested_at=datetime(2026, 10, 31, tzinfo=CHINA_TZ)),
        subject="referral/r1", case_id=CASE, time=datetime(2026, 10, 31, tzinfo=CHINA_TZ), causation_id=exposed.id,
    )
    registered = new_envelope(
        ClueRegistered(clue_id="c1", number="线索〔2026〕1号", unit="区发改局", problem="曝光后仍未整改",
                       sources=[ClueSource(kind="media_referral", ref="r1")], registered_at=referred.time),
        subject="clue/c1", case_id=CASE, time=referred.time + timedelta(seconds=1), causation_id=referred.id,
    )
    published = new_envelope(
        OutcomePublished(clue_id="c1", decision_id="d1", unit="区发改局", sanction=Sanction.CRITICISM_NOTICE,
                         summary="予以通报批评", published_at=datetime(2026, 11, 27, 9, tzinfo=CHINA_TZ)),
        subject="clue/c1", case_id=CASE, time=datetime(2026, 11, 27, 9, tzinfo=CHINA_TZ), causation_id=registered.id,
    )
    return [assigned, overdue, issued, unrectified, exposed, referred, registered, published]


def test_the_service_subscribes_to_every_catalogue_type(app) -> None:
    consumers = app.state.runtime.consumers
    assert {c.spec.type for c in consumers} == {spec.type for spec in CATALOG}
    assert len(consumers) == len(consumed_by("audit")) == len(CATALOG)


async def test_events_of_a_case_form_its_timeline_in_order_with_causes(app) -> None:
    events = _case_events()
    # Delivery order across streams is not event order: publish the notice before the overdue that caused it.
    order = [events[0], events[2], events[1], events[4], events[3], *events[5:]]
    other = example_envelope("sanwei.supervision.notice.v1.rectified")  # another case
    async with service_harness(app) as h:
        for envelope in [*order, other]:
            await h.publish(envelope)
        response = await h.client.get(f"/cases/{CASE}/timeline")
        assert response.status_code == 200, response.text
        steps = response.json()
        assert len(steps) == len(events)
        assert [s["event_id"] for s in steps] == [str(e.id) for e in events]
        assert [s["time"] for s in steps] == sorted(s["time"] for s in steps)
        assert [s["track"] for s in steps] == [
            "清单", "清单", "督导检查", "督导检查", "媒体监督", "媒体监督", "纪委问责", "纪委问责",
        ]
        assert [s["causation_id"] for s in steps] == [str(e.causation_id) if e.causation_id else None for e in events]
        by_id = {s["event_id"]: s for s in steps}
        issued = by_id[str(events[2].id)]
        assert issued["caused_by_seq"] == by_id[str(events[1].id)]["seq"]
        assert issued["seq"] < issued["caused_by_seq"]  # recorded first, shown after its cause
        assert issued["summary"] == "督办通知书 督〔2026〕3号 发至 区发改局，限 2026-10-16 前整改"
        assert issued["source"] == "sanwei/supervision" and issued["subject"] == "notice/n1"
        assert issued["data"]["number"] == "督〔2026〕3号"
        assert steps[-1]["summary"] == "处理结果公开：通报批评"
        assert steps[-2]["summary"] == "线索〔2026〕1号 登记"
        assert steps[-2]["confidential"] is True and steps[-1]["confidential"] is False
        assert steps[0]["actor"] == "区政府督查室"
        assert datetime.fromisoformat(steps[0]["time"]) == events[0].time
        assert steps[0]["time"].endswith("+08:00")  # as the producer wrote it
        assert (await h.client.get("/audit/verify")).json()["ok"] is True


async def test_a_redelivered_event_is_recorded_once(app) -> None:
    envelope = _case_events()[2]
    async with service_harness(app) as h:
        await h.publish(envelope)
        await h.publish(envelope)
        await h.publish(envelope.model_copy())
        found = (await h.client.get("/events", params={"case_id": CASE})).json()
        assert [e["event_id"] for e in found] == [str(envelope.id)]
        assert (await h.dead_letters()) == []
        verification = (await h.client.get("/audit/verify")).json()
        assert verification["ok"] and verification["checked"] == 1


async def test_recording_checks_the_event_id_even_without_the_inbox(app) -> None:
    envelope = _case_events()[2]
    async with service_harness(app) as h:
        service = AuditService(h.runtime)
        for _ in range(2):
            async with h.runtime.db.transaction() as conn:
                await service.record(conn, envelope)
        assert len((await h.client.get("/events")).json()) == 1


async def test_an_event_reusing_a_recorded_id_with_other_content_is_not_recorded(app) -> None:
    original = _case_events()[2]
    forged = original.model_copy(update={"data": original.data.model_copy(update={"unit": "区财政局"})})
    async with service_harness(app) as h:
        await h.publish(original)
        await h.publish(forged)
        found = (await h.client.get("/events")).json()
        assert len(found) == 1
        assert found[0]["data"]["unit"] == "区发改局"


async def test_events_recorded_together_make_the_same_chain_as_one_by_one(app, tmp_path, clock) -> None:
    events = _case_events()
    async with service_harness(app) as h:
        service = AuditService(h.runtime)
        async with h.runtime.db.transaction() as conn:
            await service.record_many(conn, events[:3])
        async with h.runtime.db.transaction() as conn:  # one already recorded, one twice in the batch
            await service.record_many(conn, [events[2], *events[3:], events[-1]])
        together = (await h.client.get("/events", params={"limit": 100})).json()
        assert (await h.client.get("/audit/verify")).json()["ok"]
    alone_app = build_test_app(create_app, AuditSettings, metadata, kit, tmp_path / "alone", clock)
    async with service_harness(alone_app) as h:
        service = AuditService(h.runtime)
        for envelope in events:
            async with h.runtime.db.transaction() as conn:
                await service.record(conn, envelope)
        alone = (await h.client.get("/events", params={"limit": 100})).json()
    assert [e["event_id"] for e in together] == [str(e.id) for e in events]
    assert [(e["seq"], e["hash"]) for e in together] == [(e["seq"], e["hash"]) for e in alone]


async def test_a_fork_of_the_chain_cannot_commit(app, clock) -> None:
    """Two appends on one head (two writers that both read it before either committed) cannot both
    commit: the second has the first's seq, which the primary key refuses."""
    from sqlalchemy.exc import IntegrityError

    from sanwei_audit.adapters.repository import AuditRepository

    first, second = _case_events()[:2]
    async with service_harness(app) as h:
        async with h.runtime.db.transaction() as conn:
            await AuditService(h.runtime).record(conn, first)
        async with h.runtime.db.transaction() as conn:
            stale_head = await AuditRepository(conn).head()
        async with h.runtime.db.transaction() as conn:
            await AuditService(h.runtime).record(conn, _case_events()[2])  # the head moves on
        envelope = second.model_dump(mode="json")
        with pytest.raises(IntegrityError):
            async with h.runtime.db.transaction() as conn:
                await AuditRepository(conn).append(stale_head.append(envelope), envelope, second.time, clock.now())
        assert (await h.client.get("/audit/verify")).json()["ok"]


async def test_a_batch_with_an_event_reusing_a_recorded_id_with_other_content_is_refused_whole(app) -> None:
    original = _case_events()[2]
    forged = original.model_copy(update={"data": original.data.model_copy(update={"unit": "区财政局"})})
    async with service_harness(app) as h:
        service = AuditService(h.runtime)
        async with h.runtime.db.transaction() as conn:
            await service.record(conn, original)
        with pytest.raises(Conflict):
            async with h.runtime.db.transaction() as conn:
                await service.record_many(conn, [_case_events()[0], forged])
        assert len((await h.client.get("/events")).json()) == 1


async def test_tampering_with_one_stored_row_is_found_at_that_seq(app) -> None:
    async with service_harness(app) as h:
        for envelope in _case_events():
            await h.publish(envelope)
        before = (await h.client.get("/audit/verify")).json()
        assert before == {"ok": True, "checked": 8, "first_broken_seq": None, "reason": None,
                          "head_seq": 8, "head_hash": before["head_hash"]}
        async with h.runtime.db.transaction() as conn:
            await conn.execute(text(
                "UPDATE audit_events SET envelope = replace(envelope, '督〔2026〕3号', '督〔2026〕9号') WHERE seq = 5"
            ))
        after = (await h.client.get("/audit/verify")).json()
        assert after["ok"] is False
        assert after["first_broken_seq"] == 5
        assert after["checked"] == 5
        assert "seq 5" in after["reason"]
        # The timeline still shows what is stored now; verification is what tells it was altered.
        steps = (await h.client.get(f"/cases/{CASE}/timeline")).json()
        assert [s["summary"] for s in steps if s["seq"] == 5] == ["曝光台曝光：总部经济扶持办法迟迟未出台（区发改局），限 2026-10-30 前整改"]


async def test_a_deleted_row_is_found(app) -> None:
    async with service_harness(app) as h:
        for envelope in _case_events():
            await h.publish(envelope)
        async with h.runtime.db.transaction() as conn:
            await conn.execute(text("DELETE FROM audit_events WHERE seq = 3"))
        result = (await h.client.get("/audit/verify")).json()
        assert result["ok"] is False
        assert result["first_broken_seq"] == 4


async def test_a_changed_case_column_is_found(app) -> None:
    async with service_harness(app) as h:
        for envelope in _case_events():
            await h.publish(envelope)
        async with h.runtime.db.transaction() as conn:
            await conn.execute(text("UPDATE audit_events SET case_id = 'hidden' WHERE seq = 7"))
        result = (await h.client.get("/audit/verify")).json()
        assert (result["ok"], result["first_broken_seq"]) == (False, 7)
        assert "case_id" in result["reason"]


async def test_events_can_be_filtered_and_paged(app) -> None:
    events = _case_events()
    async with service_harness(app) as h:
        for envelope in events:
            await h.publish(envelope)
        first = (await h.client.get("/events", params={"limit": 3})).json()
        assert [e["seq"] for e in first] == [1, 2, 3]
        rest = (await h.client.get("/events", params={"after_seq": first[-1]["seq"]})).json()
        assert [e["seq"] for e in rest] == [4, 5, 6, 7, 8]
        notices = (await h.client.get("/events", params={"type": "sanwei.supervision.notice.v1.issued"})).json()
        assert [e["event_id"] for e in notices] == [str(events[2].id)]
        assert notices[0]["track"] == "督导检查"
        assert (await h.client.get("/events", params={"case_id": "nobody"})).json() == []
        assert (await h.client.get("/events", params={"limit": 0})).status_code == 422


async def test_cases_are_listed_with_their_span_count_and_last_type(app) -> None:
    events = _case_events()
    other = example_envelope("sanwei.supervision.notice.v1.rectified")
    async with service_harness(app) as h:
        # The last event of the case arrives before others: the last type follows event time.
        for envelope in [events[-1], *events[:-1], other]:
            await h.publish(envelope)
        cases = (await h.client.get("/cases")).json()
        assert [c["case_id"] for c in cases] == [CASE, other.case_id]
        case = cases[0]
        assert case["events"] == len(events)
        assert case["last_type"] == "sanwei.discipline.outcome.v1.published"
        assert datetime.fromisoformat(case["first_time"]) == events[0].time
        assert datetime.fromisoformat(case["last_time"]) == events[-1].time
        assert cases[1]["events"] == 1 and cases[1]["last_type"] == "sanwei.supervision.notice.v1.rectified"


async def test_an_unknown_case_is_404_with_a_reason(app) -> None:
    async with service_harness(app) as h:
        response = await h.client.get(f"/cases/{uuid.uuid4()}/timeline")
        assert response.status_code == 404
        assert "no event of case" in response.json()["detail"]["reason"]


async def test_an_invalid_event_goes_to_the_dead_letters(app) -> None:
    async with service_harness(app) as h:
        await h.broker.publish(b'{"id": "not-a-uuid"}', subject="sanwei.media.exposure.v1.published",
                               stream="SANWEI_MEDIA")
        letters = await h.dead_letters()
        assert len(letters) == 1 and "invalid event" in letters[0]["reason"]
        assert (await h.client.get("/events")).json() == []
