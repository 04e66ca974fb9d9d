"""Pure rules of exposures on the 曝光台: deadlines in 工作日, rectification, re-exposure, referral."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts.events.common import Sanction
from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, WorkingDayDeadline
from sanwei_kit.errors import Conflict, Invalid
from sanwei_media.domain.model import (
    EntryKind,
    Exposure,
    ExposureStatus,
    FeedKind,
    Origin,
    PublishedOutcome,
    feed_of,
)

pytestmark = pytest.mark.unit

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)
CALENDAR = WorkingCalendar()


def _exposure(now: datetime = MONDAY, working_days: int = 5, exposure_id: str = "e1") -> Exposure:
    return Exposure.publish(
        id=exposure_id, case_id="case-1", unit="历下区城管局", title="经十路占道经营", problem="占道经营屡禁不止",
        origin=Origin.MEDIA, origin_ref=None, now=now,
        deadline=WorkingDayDeadline.after_working_days(CALENDAR, now.date(), working_days),
    )


def test_deadline_skips_national_day_and_counts_the_makeup_saturday():
    deadline = WorkingDayDeadline.after_working_days(CALENDAR, date(2026, 9, 28), 5)
    # 29, 30 Sep; 1-7 Oct is the holiday; 8, 9 Oct; Sat 10 Oct is a 调休 working day.
    assert deadline.day == date(2026, 10, 10)
    assert deadline.due_at == datetime(2026, 10, 11, 0, 0, tzinfo=CHINA_TZ)
    explanation = deadline.explain(CALENDAR)
    assert explanation.makeup_days == [date(2026, 10, 10)]
    assert len(explanation.skipped) == 7


def test_deadline_needs_at_least_one_working_day():
    with pytest.raises(Invalid):
        WorkingDayDeadline.after_working_days(CALENDAR, date(2026, 9, 28), 0)


def test_publish_refuses_an_empty_unit():
    with pytest.raises(Invalid) as refused:
        Exposure.publish(id="e", case_id="c", unit="  ", title="t", problem="p", origin=Origin.MEDIA,
                         origin_ref=None, now=MONDAY,
                         deadline=WorkingDayDeadline.after_working_days(CALENDAR, MONDAY.date(), 5))
    assert refused.value.field == "unit"


def test_publish_writes_the_first_history_line_with_the_deadline():
    exposure = _exposure()
    assert exposure.status is ExposureStatus.OPEN
    assert [h.kind for h in exposure.history] == [EntryKind.PUBLISHED]
    assert "2026-10-10" in exposure.lines()[0]


def test_unrectified_only_once_the_deadline_has_passed_and_only_once():
    exposure = _exposure()
    assert not exposure.mark_unrectified(datetime(2026, 10, 10, 23, 59, tzinfo=CHINA_TZ))
    assert exposure.status is ExposureStatus.OPEN
    assert exposure.mark_unrectified(datetime(2026, 10, 11, 0, 0, tzinfo=CHINA_TZ))
    assert exposure.status is ExposureStatus.UNRECTIFIED
    assert not exposure.mark_unrectified(datetime(2026, 10, 12, tzinfo=CHINA_TZ))


def test_republish_then_refer_carries_the_history():
    exposure = _exposure()
    exposure.follow_up("摊点仍在", "济南时报", MONDAY + timedelta(days=1))
    late = datetime(2026, 10, 11, 0, 5, tzinfo=CHINA_TZ)
    assert exposure.mark_unrectified(late)
    shown = exposure.republish(late)
    assert len(shown) == 3
    assert "整改进行时：摊点仍在（济南时报）" in shown[1]
    assert "逾期未整改" in shown[2]
    assert exposure.round == 2
    evidence = exposure.refer("r1", late)
    assert evidence[:3] == shown
    assert "再次媒体曝光" in evidence[3]
    assert exposure.status is ExposureStatus.REFERRED
    assert exposure.referral_id == "r1"
    assert exposure.history[-1].kind is EntryKind.REFERRED


def test_republish_and_refer_happen_once_and_in_order():
    exposure = _exposure()
    with pytest.raises(Conflict):
        exposure.republish(MONDAY)
    late = datetime(2026, 10, 11, 1, tzinfo=CHINA_TZ)
    exposure.mark_unrectified(late)
    with pytest.raises(Conflict):
        exposure.refer("r1", late)
    exposure.republish(late)
    with pytest.raises(Conflict):
        exposure.republish(late)
    exposure.refer("r1", late)
    with pytest.raises(Conflict):
        exposure.refer("r2", late)


def test_rectified_exposure_never_becomes_unrectified():
    exposure = _exposure()
    exposure.rectify("济南日报记者", "摊点已清理", MONDAY + timedelta(days=2))
    assert exposure.status is ExposureStatus.RECTIFIED
    assert not exposure.mark_unrectified(datetime(2026, 10, 20, tzinfo=CHINA_TZ))
    with pytest.raises(Conflict, match="already rectified"):
        exposure.rectify("济南日报记者", "again", MONDAY + timedelta(days=3))
    with pytest.raises(Conflict, match="closed"):
        exposure.follow_up("还在吗", "记者", MONDAY + timedelta(days=3))


def test_referred_exposure_can_no_longer_be_rectified_by_the_media_but_can_be_followed():
    exposure = _exposure()
    late = datetime(2026, 10, 11, 1, tzinfo=CHINA_TZ)
    exposure.mark_unrectified(late)
    exposure.republish(late)
    exposure.refer("r1", late)
    with pytest.raises(Conflict, match="referred"):
        exposure.rectify("记者", "终于整改", late + timedelta(days=1))
    exposure.follow_up("纪委已介入", "记者", late + timedelta(days=1))
    assert exposure.history[-1].kind is EntryKind.FOLLOW_UP


def test_follow_up_needs_a_note():
    with pytest.raises(Invalid) as refused:
        _exposure().follow_up(" ", "记者", MONDAY)
    assert refused.value.field == "note"


def test_feed_is_newest_first_and_limited():
    first = _exposure(exposure_id="e1")
    second = _exposure(now=MONDAY + timedelta(hours=1), exposure_id="e2")
    second.rectify("记者", "已整改", MONDAY + timedelta(hours=3))
    outcome = PublishedOutcome(decision_id="d1", clue_id="c1", case_id="case-1", unit="历下区城管局",
                               sanction=Sanction.CRITICISM_NOTICE, summary="对该局予以通报批评",
                               published_at=MONDAY + timedelta(hours=5), exposure_id="e1")
    items = feed_of([first, second], [outcome], limit=10)
    assert [i.kind for i in items] == [FeedKind.OUTCOME, FeedKind.RECTIFIED, FeedKind.EXPOSED, FeedKind.EXPOSED]
    assert [i.exposure_id for i in items[2:]] == ["e2", "e1"]
    assert "通报批评" in items[0].headline
    assert len(feed_of([first, second], [outcome], limit=2)) == 2


def test_feed_puts_the_later_step_first_at_the_same_instant():
    exposure = _exposure()
    late = datetime(2026, 10, 11, 0, 0, tzinfo=CHINA_TZ)
    exposure.mark_unrectified(late)
    exposure.republish(late)
    outcome = PublishedOutcome(decision_id="d1", clue_id="c1", case_id="case-1", unit="历下区城管局",
                               sanction=Sanction.ACCOUNTABILITY, summary="对该局问责", published_at=late)
    assert [i.kind for i in feed_of([exposure], [outcome], limit=10)] == [
        FeedKind.OUTCOME, FeedKind.REEXPOSED, FeedKind.EXPOSED]
