"""One realistic example per event type, with fixed ids and times (deterministic).

The examples tell one case end to end, as the chain runs it in 2026 (working days under
the Chinese legal calendar, 10-10 being a 调休 make-up Saturday): task 4 of the 2019
《政府工作报告》 list, led by 区发改局, is not done by its deadline → 督〔2026〕3号 →
not rectified → 曝光台 → still not rectified → re-exposed and referred → 线索〔2026〕1号
→ 通报批评 published → finally rectified and completed late. `NoticeRectified` belongs
to a second case (task 1, 区投促局) that was rectified after its notice.

They are exported to `contracts/examples/<type>.json` and checked in CI against the
models and the exported JSON Schemas.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any

from pydantic import BaseModel

from sanwei_contracts.catalog import CATALOG, spec_for_model, spec_for_type
from sanwei_contracts.envelope import Envelope, new_envelope
from sanwei_contracts.events.common import NoticeLevel, Sanction
from sanwei_contracts.events.discipline import (
    ClueAssigned,
    ClueDisposed,
    ClueRegistered,
    ClueSource,
    DecisionMade,
    OutcomePublished,
)
from sanwei_contracts.events.media import (
    ExposurePublished,
    ExposureRectified,
    ExposureRepublished,
    ExposureUnrectified,
    ReferralRequested,
)
from sanwei_contracts.events.progress import (
    CompletionAccepted,
    CompletionClaimed,
    CompletionRejected,
    ReportSubmitted,
)
from sanwei_contracts.events.registry import TaskAssigned, TaskCompleted, TaskDeadlineSet, TaskOverdue
from sanwei_contracts.events.supervision import (
    NoticeIssued,
    NoticeRectified,
    NoticeUnrectified,
    RectificationReturned,
    RectificationSubmitted,
)

CST = timezone(timedelta(hours=8), "CST")

#: Event ids are uuid5(EXAMPLE_NAMESPACE, event type).
EXAMPLE_NAMESPACE = uuid.UUID("5a6e7711-2019-4e10-8a3b-000000000000")

TASK_LIST_ID = "9a7e2d10-5b3c-4f8e-a1d6-0c4b2e9f8a31"
TASK_ID = "3f2b8c1e-7d4a-4c59-9e61-5a0d2c8b7f14"  # the case id of the main story
OTHER_TASK_ID = "c81d4e2a-0f6b-4a7e-b3c5-7e9f1a2d6b40"  # task 1, rectified after its notice
REPORT_ID = "e4b7a9c2-3d1f-4b8e-9a6c-2f5d8e1b7a03"
REJECTED_CLAIM_ID = "7c2e9b4f-1a6d-4e3b-8f5a-9d0c3b6e2a17"
CLAIM_ID = "b5d1f8a3-6e2c-4a9b-b7d4-1e8f3a5c9b26"
NOTICE_ID = "2d9c6f1b-8a4e-4c7d-a3b1-6f0e9d2c8b54"
OTHER_NOTICE_ID = "a0f3c7e9-5b2d-4e8a-9c6f-3b1d7a4e0c85"
RECTIFICATION_ID = "6b8e2a5d-9c3f-4a1e-b6d2-8f4c0e7a3b91"
OTHER_RECTIFICATION_ID = "f7a4d1c8-2e9b-4b6f-a5e3-0d8c6b2f9e12"
EXPOSURE_ID = "8e5c3a7f-4d1b-4f9e-a2c8-5b7d9e3f1a60"
REFERRAL_ID = "1c7f9d3b-6a2e-4d8c-b4f1-7e3a5c9d2b78"
CLUE_ID = "4a2d8f6c-0e5b-4c3a-9d7e-2b6f1c8a5e39"
DECISION_ID = "d3e9b1f5-7c4a-4e2d-8b6c-4a0f2e7d9c13"

TASK_TITLE = (
    "依托特色楼宇，积极引进全国或区域总部及研发中心、运营中心、结算中心，着力培育一批“总部楼”“亿元楼”。"
)
LEAD_UNIT = "区发改局"
CO_UNITS = ["区工信局", "区商务局", "区投促局", "区金融办"]
INSPECTORATE = "区政府督查室"
COMMISSION = "市中区纪委监委"


def _at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=CST)


def _midnight_after(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CST) + timedelta(days=1)


@dataclass(frozen=True)
class _Example:
    data: BaseModel
    subject: str
    time: datetime
    case_id: str = TASK_ID
    cause: type[BaseModel] | None = None
    actor: str | None = None


@cache
def _examples() -> dict[type[BaseModel], _Example]:
    task_deadline = date(2026, 10, 9)  # 23 working days from 2026-09-01
    notice_deadline = date(2026, 10, 16)  # 5 working days from Sat 10-10, a make-up working day
    exposure_deadline = date(2026, 10, 30)  # 10 working days from 10-17
    examples = [
        _Example(
            TaskAssigned(
                task_id=TASK_ID,
                task_list_id=TASK_LIST_ID,
                task_list_title="2019年《政府工作报告》主要工作任务",
                seq="4",
                title=TASK_TITLE,
                lead_unit=LEAD_UNIT,
                co_units=CO_UNITS,
                deadline=task_deadline,
                due_at=_midnight_after(task_deadline),
            ),
            subject=f"task/{TASK_ID}", time=_at(9, 1, 9, 0), actor=INSPECTORATE,
        ),
        _Example(
            TaskDeadlineSet(task_id=TASK_ID, deadline=task_deadline, due_at=_midnight_after(task_deadline),
                            working_days=23, start=date(2026, 9, 1)),
            subject=f"task/{TASK_ID}", time=_at(9, 1, 9, 5), actor=INSPECTORATE,
        ),
        _Example(
            ReportSubmitted(report_id=REPORT_ID, task_id=TASK_ID, unit=LEAD_UNIT, period="2026-09",
                            text="起草了《市中区鼓励总部经济发展实施办法（试行）》（草案），正在征求相关部门意见。",
                            submitted_at=_at(9, 25, 17, 0)),
            subject=f"report/{REPORT_ID}", time=_at(9, 25, 17, 0), actor=LEAD_UNIT,
        ),
        _Example(
            CompletionRejected(claim_id=REJECTED_CLAIM_ID, task_id=TASK_ID, unit=LEAD_UNIT, rejected_by=INSPECTORATE,
                               reason="实施办法尚未印发，未提供总部企业引进清单，佐证材料不全。",
                               rejected_at=_at(9, 30, 10, 0)),
            subject=f"completion/{REJECTED_CLAIM_ID}", time=_at(9, 30, 10, 0), actor=INSPECTORATE,
        ),
        _Example(
            TaskOverdue(task_id=TASK_ID, title=TASK_TITLE, lead_unit=LEAD_UNIT, co_units=CO_UNITS,
                        deadline=task_deadline, due_at=_midnight_after(task_deadline)),
            subject=f"task/{TASK_ID}", time=_at(10, 10), actor="system",
        ),
        _Example(
            NoticeIssued(notice_id=NOTICE_ID, number="督〔2026〕3号", task_id=TASK_ID, unit=LEAD_UNIT,
                         problem=f"“{TASK_TITLE}”逾期未完成（完成时限 2026-10-09）。",
                         requirement="请于整改时限前完成整改，并报送整改报告（附佐证材料）。",
                         level=NoticeLevel.BLUE, issued_at=_at(10, 10, 0, 0, 1), deadline=notice_deadline,
                         due_at=_midnight_after(notice_deadline), working_days=5),
            subject=f"notice/{NOTICE_ID}", time=_at(10, 10, 0, 0, 1), cause=TaskOverdue,
        ),
        _Example(
            RectificationSubmitted(notice_id=NOTICE_ID, report_id=RECTIFICATION_ID, unit=LEAD_UNIT,
                                   text="已将实施办法（送审稿）报区政府常务会议审议，预计11月印发。",
                                   evidence=["市中区鼓励总部经济发展实施办法（送审稿）.pdf"],
                                   submitted_at=_at(10, 14, 16, 30)),
            subject=f"notice/{NOTICE_ID}", time=_at(10, 14, 16, 30), actor=LEAD_UNIT,
        ),
        _Example(
            RectificationReturned(notice_id=NOTICE_ID, report_id=RECTIFICATION_ID,
                                  reason="整改报告未明确整改时限和责任人，问题尚未整改到位。",
                                  returned_by=INSPECTORATE, returned_at=_at(10, 15, 10, 0)),
            subject=f"notice/{NOTICE_ID}", time=_at(10, 15, 10, 0), actor=INSPECTORATE,
        ),
        _Example(
            NoticeRectified(notice_id=OTHER_NOTICE_ID, number="督〔2026〕2号", report_id=OTHER_RECTIFICATION_ID,
                            accepted_by=INSPECTORATE, rectified_at=_at(10, 14, 11, 0)),
            subject=f"notice/{OTHER_NOTICE_ID}", time=_at(10, 14, 11, 0), case_id=OTHER_TASK_ID,
            actor=INSPECTORATE,
        ),
        _Example(
            NoticeUnrectified(notice_id=NOTICE_ID, number="督〔2026〕3号", task_id=TASK_ID, unit=LEAD_UNIT,
                              problem=f"“{TASK_TITLE}”逾期未完成，督办后仍未整改到位。",
                              level=NoticeLevel.YELLOW, deadline=notice_deadline, detected_at=_at(10, 17)),
            subject=f"notice/{NOTICE_ID}", time=_at(10, 17), actor="system",
        ),
        _Example(
            ExposurePublished(exposure_id=EXPOSURE_ID, unit=LEAD_UNIT, title="总部经济扶持办法迟迟未出台",
                              problem="区发改局牵头的总部经济任务逾期未完成，督办通知书督〔2026〕3号下发后仍未整改到位。",
                              origin="notice_unrectified", origin_ref="督〔2026〕3号",
                              published_at=_at(10, 17, 0, 0, 1), deadline=exposure_deadline,
                              due_at=_midnight_after(exposure_deadline)),
            subject=f"exposure/{EXPOSURE_ID}", time=_at(10, 17, 0, 0, 1), cause=NoticeUnrectified,
        ),
        _Example(
            ExposureUnrectified(exposure_id=EXPOSURE_ID, unit=LEAD_UNIT, deadline=exposure_deadline,
                                detected_at=_at(10, 31)),
            subject=f"exposure/{EXPOSURE_ID}", time=_at(10, 31), actor="system",
        ),
        _Example(
            ExposureRepublished(exposure_id=EXPOSURE_ID, unit=LEAD_UNIT, title="总部经济扶持办法迟迟未出台",
                                round=2,
                                history=["2026-10-17 曝光台首次曝光", "2026-10-30 整改时限届满，仍未整改"],
                                republished_at=_at(10, 31, 0, 0, 1)),
            subject=f"exposure/{EXPOSURE_ID}", time=_at(10, 31, 0, 0, 1), cause=ExposureUnrectified,
        ),
        _Example(
            ReferralRequested(referral_id=REFERRAL_ID, origin="exposure_unrectified", origin_ref=EXPOSURE_ID,
                              unit=LEAD_UNIT, problem="总部经济任务逾期未完成，经督办、媒体曝光后仍未整改。",
                              reason="媒体曝光后逾期未整改，移交纪检监察机关问责处理。",
                              evidence=["督〔2026〕3号", "曝光台 2026-10-17 报道", "曝光台 2026-10-31 再次曝光"],
                              requested_at=_at(10, 31, 0, 0, 2)),
            subject=f"referral/{REFERRAL_ID}", time=_at(10, 31, 0, 0, 2), cause=ExposureUnrectified,
        ),
        _Example(
            ClueRegistered(clue_id=CLUE_ID, number="线索〔2026〕1号", unit=LEAD_UNIT,
                           problem="总部经济任务逾期未完成，经督办、媒体曝光后仍未整改。",
                           sources=[ClueSource(kind="media_referral", ref=REFERRAL_ID)],
                           registered_at=_at(10, 31, 0, 0, 3)),
            subject=f"clue/{CLUE_ID}", time=_at(10, 31, 0, 0, 3), cause=ReferralRequested,
        ),
        _Example(
            ClueAssigned(clue_id=CLUE_ID, assignee=COMMISSION, mode="assign", due=date(2026, 11, 23),
                         assigned_at=_at(11, 2, 10, 0)),
            subject=f"clue/{CLUE_ID}", time=_at(11, 2, 10, 0), actor="市纪委党风政风监督室",
        ),
        _Example(
            ClueDisposed(clue_id=CLUE_ID, finding="confirmed",
                         summary="经查，区发改局对督办事项重视不够、推进不力，整改逾期，问题属实。",
                         disposed_at=_at(11, 20, 16, 0)),
            subject=f"clue/{CLUE_ID}", time=_at(11, 20, 16, 0), actor=COMMISSION,
        ),
        _Example(
            DecisionMade(clue_id=CLUE_ID, decision_id=DECISION_ID, sanction=Sanction.CRITICISM_NOTICE,
                         unit=LEAD_UNIT, person="张某（区发改局副局长）",
                         reason="对督办事项整改不力，经媒体曝光后仍未按时整改。", decided_at=_at(11, 25, 10, 0)),
            subject=f"clue/{CLUE_ID}", time=_at(11, 25, 10, 0), actor=COMMISSION,
        ),
        _Example(
            OutcomePublished(clue_id=CLUE_ID, decision_id=DECISION_ID, unit=LEAD_UNIT,
                             sanction=Sanction.CRITICISM_NOTICE,
                             summary="区发改局对督办事项整改不力，经媒体曝光后仍未按时整改，予以通报批评。",
                             published_at=_at(11, 27, 9, 0)),
            subject=f"clue/{CLUE_ID}", time=_at(11, 27, 9, 0), actor=COMMISSION,
        ),
        _Example(
            ExposureRectified(exposure_id=EXPOSURE_ID, confirmed_by="济南日报“整改进行时”栏目",
                              note="《市中区鼓励总部经济发展实施办法（试行）》已正式印发实施。",
                              rectified_at=_at(12, 10, 15, 0)),
            subject=f"exposure/{EXPOSURE_ID}", time=_at(12, 10, 15, 0), actor="济南日报",
        ),
        _Example(
            CompletionClaimed(claim_id=CLAIM_ID, task_id=TASK_ID, unit=LEAD_UNIT,
                              text="实施办法已印发，引进区域总部2家、结算中心1家，申请办结销号。",
                              claimed_at=_at(12, 14, 10, 0)),
            subject=f"completion/{CLAIM_ID}", time=_at(12, 14, 10, 0), actor=LEAD_UNIT,
        ),
        _Example(
            CompletionAccepted(claim_id=CLAIM_ID, task_id=TASK_ID, unit=LEAD_UNIT, accepted_by=INSPECTORATE,
                               accepted_at=_at(12, 18, 11, 0)),
            subject=f"completion/{CLAIM_ID}", time=_at(12, 18, 11, 0), actor=INSPECTORATE,
        ),
        _Example(
            TaskCompleted(task_id=TASK_ID, claim_id=CLAIM_ID, completed_at=_at(12, 18, 11, 0, 1), late=True),
            subject=f"task/{TASK_ID}", time=_at(12, 18, 11, 0, 1), cause=CompletionAccepted,
        ),
    ]
    return {type(e.data): e for e in examples}


def example_event_id(event_type: str) -> uuid.UUID:
    return uuid.uuid5(EXAMPLE_NAMESPACE, event_type)


def _example(event_type: str) -> _Example:
    model = spec_for_type(event_type).model
    try:
        return _examples()[model]
    except KeyError:
        raise LookupError(f"no example for {event_type}: add a {model.__name__} to sanwei_contracts/examples.py") from None


def example_data(event_type: str) -> BaseModel:
    """The example data instance of one event type."""
    return _example(event_type).data


def example_envelope(event_type: str) -> Envelope[Any]:
    """The full example envelope of one event type: fixed id, time, case and cause."""
    example = _example(event_type)
    cause = example_event_id(spec_for_model(example.cause).type) if example.cause else None
    return new_envelope(
        example.data,
        subject=example.subject,
        case_id=example.case_id,
        time=example.time,
        causation_id=cause,
        actor=example.actor,
        event_id=example_event_id(event_type),
    )


def example_envelopes() -> list[Envelope[Any]]:
    """Every catalogue type's example envelope, in catalogue order."""
    return [example_envelope(spec.type) for spec in CATALOG]
