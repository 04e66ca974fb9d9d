"""Pure progress rules: who reports, 最多报一次, periods, completion claims."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.errors import Conflict, Invalid
from sanwei_progress.domain.model import (
    ClaimStatus,
    TaskStatus,
    TrackedTask,
    normalize_period,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ)


def _task(**kw) -> TrackedTask:
    return TrackedTask(id="t1", title="重点打造儒商总部大厦特色楼宇。", lead_unit="区投促局",
                       co_units=["区科技局", "区商务局"], **kw)


def _report(task: TrackedTask, *, unit="区投促局", period="2026Q3", text="已完成主体施工。", already=None):
    return task.report(report_id="r-new", unit=unit, period=period, text=text, now=NOW, already=already)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("2026Q3", "2026Q3"),
        ("2026-q3", "2026Q3"),
        ("２０２６Ｑ３", "2026Q3"),  # full-width, as typed in a Chinese input method
        ("2026h1", "2026H1"),
        ("2026-4", "2026-04"),
        ("2026-12", "2026-12"),
        ("2026-W5", "2026-W05"),
        ("2026W53", "2026-W53"),  # 2026 has an ISO week 53
        ("2026", "2026"),
    ],
)
def test_periods_have_one_spelling(raw, canonical):
    assert normalize_period(raw) == canonical


@pytest.mark.parametrize("raw", ["2026Q5", "2026-13", "2025-W53", "第三季度", "", "2026-Q3-extra"])
def test_a_period_that_is_not_a_cadence_is_refused_with_the_forms_it_accepts(raw):
    with pytest.raises(Invalid) as refused:
        normalize_period(raw)
    assert refused.value.field == "period"
    assert "2026Q2" in refused.value.reason


def test_lead_and_co_units_report_other_units_are_refused():
    task = _task()
    report, created = _report(task, unit="区科技局")
    assert created and report.unit == "区科技局" and report.period == "2026Q3"
    with pytest.raises(Invalid) as refused:
        _report(task, unit="区民政局")
    assert "区民政局" in refused.value.reason and refused.value.field == "unit"


def test_the_same_report_again_is_the_first_one():
    task = _task()
    first, _ = _report(task)
    again, created = _report(task, text="已完成主体施工。 \r\n", already=first)
    assert created is False
    assert again is first


def test_a_different_text_for_a_reported_period_is_a_conflict():
    task = _task()
    first, _ = _report(task)
    with pytest.raises(Conflict) as refused:
        _report(task, text="已完成主体施工和内部装修。", already=first)
    assert "最多报一次" in refused.value.reason


def test_only_the_lead_unit_claims_completion():
    task = _task()
    with pytest.raises(Invalid):
        task.claim_completion(claim_id="c1", unit="区科技局", text="已完成", now=NOW, claims=[])
    claim = task.claim_completion(claim_id="c1", unit="区投促局", text="已完成", now=NOW, claims=[])
    assert claim.status is ClaimStatus.PENDING


def test_one_pending_claim_at_a_time_and_none_after_acceptance():
    task = _task()
    claim = task.claim_completion(claim_id="c1", unit="区投促局", text="已完成", now=NOW, claims=[])
    with pytest.raises(Conflict, match="waiting"):
        task.claim_completion(claim_id="c2", unit="区投促局", text="已完成", now=NOW, claims=[claim])
    claim.accept("区政府督查室", NOW + timedelta(hours=1), task)
    assert claim.status is ClaimStatus.ACCEPTED and claim.decided_by == "区政府督查室"
    with pytest.raises(Conflict, match="already accepted"):
        task.claim_completion(claim_id="c3", unit="区投促局", text="已完成", now=NOW, claims=[claim])


def test_a_rejected_claim_lets_the_unit_claim_again():
    task = _task()
    claim = task.claim_completion(claim_id="c1", unit="区投促局", text="已完成", now=NOW, claims=[])
    with pytest.raises(Invalid):
        claim.reject("区政府督查室", "  ", NOW)
    claim.reject("区政府督查室", "缺少竣工验收材料", NOW)
    assert claim.status is ClaimStatus.REJECTED and claim.rejection_reason == "缺少竣工验收材料"
    with pytest.raises(Conflict):
        claim.accept("区政府督查室", NOW, task)
    again = task.claim_completion(claim_id="c2", unit="区投促局", text="补充材料后已完成", now=NOW, claims=[claim])
    assert again.status is ClaimStatus.PENDING


def test_a_unit_does_not_verify_its_own_claim():
    task = _task()
    claim = task.claim_completion(claim_id="c1", unit="区投促局", text="已完成", now=NOW, claims=[])
    with pytest.raises(Invalid, match="own"):
        claim.accept("区投促局", NOW, task)
    assert claim.status is ClaimStatus.PENDING


def test_a_completed_task_takes_no_claim():
    task = _task()
    assert task.complete(NOW, late=False) is True
    assert task.complete(NOW, late=True) is False  # only once
    assert task.status is TaskStatus.COMPLETED and task.completed_late is False
    with pytest.raises(Conflict, match="completed"):
        task.claim_completion(claim_id="c1", unit="区投促局", text="已完成", now=NOW, claims=[])


def test_an_older_deadline_announcement_never_overrides_a_newer_one():
    task = _task()
    assert task.change_deadline(date(2026, 10, 13), NOW, changed_at=NOW)
    assert not task.change_deadline(date(2026, 10, 9), NOW, changed_at=NOW - timedelta(minutes=1))
    assert task.deadline == date(2026, 10, 13)
