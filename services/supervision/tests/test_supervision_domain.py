"""Pure supervision rules: numbering, 整改时限 in 工作日, the notice's states and refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sanwei_contracts.events.common import NoticeLevel
from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, WorkingDayDeadline
from sanwei_kit.errors import Conflict, Invalid
from sanwei_kit.numbering import YearlyNumber
from sanwei_supervision.domain.model import (
    Notice,
    NoticeStatus,
    NoticeTrigger,
    ReportStatus,
    escalate,
    overdue_problem,
    rectification_requirement,
)

pytestmark = pytest.mark.unit

CALENDAR = WorkingCalendar()
EVE_OF_NATIONAL_DAY = datetime(2026, 9, 30, 9, 0, tzinfo=CHINA_TZ)
UNIT = "区投促局"


def _notice(now: datetime = EVE_OF_NATIONAL_DAY, working_days: int = 5, unit: str = UNIT,
            problem: str = "《重点打造儒商总部大厦特色楼宇》逾期未完成") -> Notice:
    return Notice.issue(
        notice_id="n1", number=YearlyNumber(2026, 1, "督"), case_id="task-1", trigger=NoticeTrigger.TASK_OVERDUE,
        unit=unit, problem=problem, requirement=None, level=NoticeLevel.YELLOW, working_days=working_days,
        calendar=CALENDAR, now=now,
    )


def _submit(notice: Notice, *, now=EVE_OF_NATIONAL_DAY, unit=UNIT, text="已整改到位。", evidence=None, reports=()):
    return notice.submit(report_id=f"r{len(reports) + 1}", unit=unit, text=text, evidence=evidence or ["照片.jpg"],
                         now=now, reports=list(reports))


# --- the 整改时限 -------------------------------------------------------------------------

def test_five_working_days_from_the_eve_of_national_day_skip_the_holiday_and_count_the_makeup_saturday():
    deadline = WorkingDayDeadline.after_working_days(CALENDAR, date(2026, 9, 30), 5)
    # 10-01 … 10-07 National Day, 10-08 Thu, 10-09 Fri, 10-10 Sat (调休上班), 10-11 Sun off, 10-12, 10-13.
    assert deadline.day == date(2026, 10, 13)
    assert deadline.due_at == datetime(2026, 10, 14, 0, 0, tzinfo=CHINA_TZ)
    explanation = deadline.explain(CALENDAR)
    assert explanation.counted == [date(2026, 10, d) for d in (8, 9, 10, 12, 13)]
    assert [s.day for s in explanation.skipped] == [date(2026, 10, d) for d in (1, 2, 3, 4, 5, 6, 7, 11)]
    assert explanation.makeup_days == [date(2026, 10, 10)]
    assert "National Day" in explanation.skipped[0].reason


def test_a_deadline_is_at_least_one_working_day():
    with pytest.raises(Invalid) as refused:
        WorkingDayDeadline.after_working_days(CALENDAR, date(2026, 9, 30), 0)
    assert refused.value.field == "working_days"


def test_a_notice_counts_from_the_day_it_is_issued_in_china():
    # 2026-09-29 17:00 UTC is 2026-09-30 01:00 in Jinan: counting starts after the 30th.
    notice = _notice(now=datetime(2026, 9, 29, 17, 0, tzinfo=UTC))
    assert notice.deadline.start == date(2026, 9, 30)
    assert notice.deadline.day == date(2026, 10, 13)


def test_the_texts_of_a_notice_for_an_overdue_task():
    assert overdue_problem("重点打造儒商总部大厦特色楼宇。", date(2026, 10, 9)) == (
        "《重点打造儒商总部大厦特色楼宇》逾期未完成（完成时限 2026年10月9日）"
    )
    assert rectification_requirement(5, date(2026, 10, 13)) == (
        "请于5个工作日内整改到位并报送整改报告（整改时限 2026年10月13日）"
    )
    assert _notice().requirement == rectification_requirement(5, date(2026, 10, 13))


def test_a_notice_needs_a_unit_and_a_problem():
    with pytest.raises(Invalid, match="责任单位"):
        _notice(unit=" ")
    with pytest.raises(Invalid, match="problem"):
        _notice(problem="\n ")
    assert _notice(unit=" 区 投促局").unit == UNIT


# --- states ---------------------------------------------------------------------------------

def test_levels_go_up_one_step_and_red_stays_red():
    assert escalate(NoticeLevel.BLUE) is NoticeLevel.YELLOW
    assert escalate(NoticeLevel.YELLOW) is NoticeLevel.RED
    assert escalate(NoticeLevel.RED) is NoticeLevel.RED


def test_only_the_addressee_answers():
    with pytest.raises(Invalid) as refused:
        _submit(_notice(), unit="区科技局")
    assert UNIT in refused.value.reason and refused.value.field == "unit"


def test_the_same_report_again_is_the_waiting_one_a_different_one_is_refused():
    notice = _notice()
    first, created = _submit(notice)
    assert created
    again, created_again = _submit(notice, text="已整改到位。\n", reports=[first])
    assert again is first and created_again is False
    with pytest.raises(Conflict, match="waiting for review"):
        _submit(notice, text="另一份报告", reports=[first])


def test_accepting_a_report_rectifies_the_notice_and_the_deadline_no_longer_fires():
    notice = _notice()
    report, _ = _submit(notice)
    notice.accept(report, by="市创城指挥部", now=EVE_OF_NATIONAL_DAY + timedelta(days=1))
    assert notice.status is NoticeStatus.RECTIFIED and report.status is ReportStatus.ACCEPTED
    assert notice.rectified_report_id == report.id
    assert notice.mark_unrectified(datetime(2026, 10, 20, tzinfo=CHINA_TZ), pending=[]) is False
    assert notice.level is NoticeLevel.YELLOW
    with pytest.raises(Conflict, match="rectified"):
        _submit(notice, reports=[report])


def test_a_unit_does_not_accept_its_own_report():
    notice = _notice()
    report, _ = _submit(notice)
    with pytest.raises(Invalid, match="own"):
        notice.accept(report, by=UNIT, now=EVE_OF_NATIONAL_DAY)
    assert notice.status is NoticeStatus.OPEN


def test_a_returned_report_leaves_the_deadline_running_and_the_unit_may_answer_again():
    notice = _notice()
    report, _ = _submit(notice)
    with pytest.raises(Invalid, match="reason"):
        notice.return_report(report, by="市创城指挥部", reason=" ", now=EVE_OF_NATIONAL_DAY)
    notice.return_report(report, by="市创城指挥部", reason="缺少整改前后对比照片", now=EVE_OF_NATIONAL_DAY)
    assert report.status is ReportStatus.RETURNED and notice.status is NoticeStatus.OPEN
    with pytest.raises(Conflict, match="returned"):
        notice.accept(report, by="市创城指挥部", now=EVE_OF_NATIONAL_DAY)
    second, created = _submit(notice, text="补充对比照片", reports=[report])
    assert created and second.id != report.id


def test_the_deadline_makes_an_open_notice_unrectified_once_and_red():
    notice = _notice()
    assert notice.mark_unrectified(datetime(2026, 10, 13, 23, 59, tzinfo=CHINA_TZ), pending=[]) is False
    assert notice.mark_unrectified(datetime(2026, 10, 14, 0, 0, tzinfo=CHINA_TZ), pending=[]) is True
    assert notice.status is NoticeStatus.UNRECTIFIED and notice.level is NoticeLevel.RED
    assert notice.mark_unrectified(datetime(2026, 10, 15, tzinfo=CHINA_TZ), pending=[]) is False
    assert notice.level is NoticeLevel.RED


def test_after_the_deadline_no_new_report_is_taken():
    notice = _notice()
    after = datetime(2026, 10, 14, 0, 0, 1, tzinfo=CHINA_TZ)
    with pytest.raises(Conflict, match="has passed"):
        _submit(notice, now=after, text="迟交的报告")
    assert notice.mark_unrectified(after, pending=[]) is True


def test_a_report_sent_in_time_holds_the_notice_until_the_review():
    notice = _notice()
    report, _ = _submit(notice)
    after = datetime(2026, 10, 14, 0, 0, 1, tzinfo=CHINA_TZ)
    # The unit answered in time; the 指挥部 had not reviewed it when the deadline passed.
    assert notice.mark_unrectified(after, pending=[report]) is False
    assert notice.status is NoticeStatus.OPEN
    notice.accept(report, by="市创城指挥部", now=after)
    assert notice.status is NoticeStatus.RECTIFIED


def test_a_report_sent_in_time_and_returned_after_the_deadline_makes_the_notice_unrectified():
    notice = _notice()
    report, _ = _submit(notice)
    after = datetime(2026, 10, 15, 9, 0, tzinfo=CHINA_TZ)
    assert notice.mark_unrectified(after, pending=[report]) is False
    assert notice.return_report(report, by="市创城指挥部", reason="整改不到位", now=after) is True
    assert notice.status is NoticeStatus.UNRECTIFIED and notice.level is NoticeLevel.RED
