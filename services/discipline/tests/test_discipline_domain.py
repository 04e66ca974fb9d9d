"""Pure rules of clues at the 纪委: numbering, the handling steps in order, decisions, redaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from sanwei_contracts.events.common import Sanction
from sanwei_discipline.domain.model import (
    AssignMode,
    Clue,
    ClueState,
    Finding,
    Source,
    StepKind,
    clue_number,
)
from sanwei_discipline.domain.redaction import names_disclosed
from sanwei_kit.calendar import CHINA_TZ, WorkingCalendar, WorkingDayDeadline
from sanwei_kit.errors import Conflict, Invalid

pytestmark = pytest.mark.unit

NOW = datetime(2026, 9, 30, 10, 0, tzinfo=CHINA_TZ)
CALENDAR = WorkingCalendar()


def _source(ref: str = "r1") -> Source:
    return Source(kind="media_referral", ref=ref, origin="exposure_unrectified", origin_ref="e1",
                  reason="媒体曝光问题逾期未整改", received_at=NOW, evidence=("曝光", "逾期"))


def _clue(seq: int = 1) -> Clue:
    return Clue.register(id="c1", case_id="case-1", seq=seq, unit="市中区城管局", problem="背街小巷垃圾清运不及时",
                         source=_source(), now=NOW)


def _due() -> WorkingDayDeadline:
    return WorkingDayDeadline.after_working_days(CALENDAR, NOW.date(), 15, field="due_working_days")


def _disposed(finding: Finding = Finding.CONFIRMED) -> Clue:
    clue = _clue()
    clue.assign("市中区纪委", AssignMode.ASSIGN, _due(), NOW)
    clue.dispose(finding, "经查，问题属实", NOW)
    return clue


def test_clue_numbers_are_per_year():
    assert clue_number(2026, 3) == "线索〔2026〕3号"
    assert _clue(seq=7).number == "线索〔2026〕7号"
    with pytest.raises(ValueError):
        clue_number(2026, 0)


def test_due_date_skips_national_day_and_counts_the_makeup_saturday():
    one = WorkingDayDeadline.after_working_days(CALENDAR, date(2026, 9, 30), 1, field="due_working_days")
    assert one.day == date(2026, 10, 8)
    due = _due()
    assert due.day == date(2026, 10, 27)
    assert date(2026, 10, 10) in due.explain(CALENDAR).makeup_days
    with pytest.raises(Invalid):
        WorkingDayDeadline.after_working_days(CALENDAR, date(2026, 9, 30), 0, field="due_working_days")


def test_the_full_path_in_order():
    clue = _clue()
    assert clue.state is ClueState.REGISTERED
    clue.assign("市中区纪委", AssignMode.TRANSFER, _due(), NOW)
    assert clue.state is ClueState.ASSIGNED
    clue.dispose(Finding.CONFIRMED, "经查属实", NOW)
    assert clue.state is ClueState.DISPOSED
    decision = clue.decide("d1", Sanction.ADMONISHMENT_TALK, "张三", "整改不力", NOW)
    assert decision.sanction is Sanction.ADMONISHMENT_TALK
    assert clue.state is ClueState.DECIDED
    clue.publish("对市中区城管局负责同志进行诫勉谈话。", NOW)
    assert clue.state is ClueState.PUBLISHED
    assert [s.kind for s in clue.steps] == [StepKind.REGISTERED, StepKind.ASSIGNED, StepKind.DISPOSED,
                                           StepKind.DECIDED, StepKind.PUBLISHED]
    assert "转办至市中区纪委" in clue.steps[1].text


def test_steps_out_of_order_are_refused_with_the_next_step():
    clue = _clue()
    with pytest.raises(Conflict, match="registered.*assign"):
        clue.dispose(Finding.CONFIRMED, "x", NOW)
    with pytest.raises(Conflict):
        clue.decide("d1", Sanction.ACCOUNTABILITY, None, "x", NOW)
    with pytest.raises(Conflict):
        clue.publish("x", NOW)
    clue.assign("市中区纪委", AssignMode.ASSIGN, _due(), NOW)
    with pytest.raises(Conflict, match="cannot assign"):
        clue.assign("历下区纪委", AssignMode.ASSIGN, _due(), NOW)
    assert clue.assignee == "市中区纪委"
    assert clue.state is ClueState.ASSIGNED


def test_an_unfounded_finding_allows_only_no_action_which_is_not_published():
    clue = _disposed(Finding.UNFOUNDED)
    with pytest.raises(Invalid) as refused:
        clue.decide("d1", Sanction.CRITICISM_NOTICE, None, "x", NOW)
    assert refused.value.field == "sanction"
    assert clue.state is ClueState.DISPOSED
    clue.decide("d1", Sanction.NO_ACTION, None, "查无实据", NOW)
    with pytest.raises(Conflict, match="not published"):
        clue.publish("不予问责", NOW)
    assert clue.state is ClueState.DECIDED


def test_publication_naming_the_person_is_refused():
    clue = _disposed()
    clue.decide("d1", Sanction.CRITICISM_NOTICE, "王建国", "履职不到位", NOW)
    with pytest.raises(Invalid) as refused:
        clue.publish("对王建国予以通报批评", NOW)
    assert refused.value.field == "summary"
    assert clue.state is ClueState.DECIDED
    clue.publish("对市中区城管局王某予以通报批评", NOW)
    assert clue.state is ClueState.PUBLISHED


def test_redaction_finds_full_names_given_names_and_spaced_names():
    assert names_disclosed("对张三同志诫勉谈话", "张三") == ["张三"]
    assert names_disclosed("对张 三同志诫勉谈话", "张三") == ["张三"]
    assert names_disclosed("建国同志履职不到位", "王建国") == ["建国"]
    assert names_disclosed("对张某、李某通报批评", "张三、李四") == []
    assert names_disclosed("对张某、李四通报批评", "张三、李四") == ["李四"]
    assert names_disclosed("对张三通报批评", None) == []


def test_a_second_referral_adds_a_source_once():
    clue = _clue()
    assert not clue.add_source(_source("r1"), NOW)
    assert clue.add_source(_source("r2"), NOW + timedelta(hours=1))
    assert not clue.add_source(_source("r2"), NOW + timedelta(hours=2))
    assert [s.ref for s in clue.sources] == ["r1", "r2"]
    assert clue.steps[-1].kind is StepKind.SOURCE_ADDED


def test_an_assigned_clue_is_overdue_after_its_due_day():
    clue = _clue()
    clue.assign("市中区纪委", AssignMode.ASSIGN, _due(), NOW)
    assert not clue.is_overdue(datetime(2026, 10, 27, 23, 59, tzinfo=CHINA_TZ))
    assert clue.is_overdue(datetime(2026, 10, 28, 0, 0, tzinfo=CHINA_TZ))
    clue.dispose(Finding.CONFIRMED, "属实", datetime(2026, 10, 29, tzinfo=CHINA_TZ))
    assert not clue.is_overdue(datetime(2026, 10, 29, tzinfo=CHINA_TZ))
