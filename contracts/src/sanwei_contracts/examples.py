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
    ClueEscalated,
    ClueRegistered,
    ClueReopened,
    ClueSource,
    ClueSourceAdded,
    DecisionMade,
    OutcomePublished,
)
from sanwei_contracts.events.media import (
    CitizenClueDismissed,
    CitizenClueReceived,
    ExposureFollowedUp,
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
    ReportMissed,
    ReportSubmitted,
)
from sanwei_contracts.events.registry import (
    TaskAssigned,
    TaskCompleted,
    TaskDeadlineSet,
    TaskDeadlineWarned,
    TaskDecomposed,
    TaskExtensionApproved,
    TaskExtensionRefused,
    TaskExtensionRequested,
    TaskOverdue,
    TaskPaused,
    TaskReminded,
    TaskResumed,
    TaskUpdated,
)
from sanwei_contracts.events.supervision import (
    DrawPublished,
    InspectionClosed,
    NoticeEscalated,
    NoticeIssued,
    NoticeRectified,
    NoticeReopened,
    NoticeUnrectified,
    RankingEntry,
    RankingPublished,
    RankingReferralRequested,
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
SCHEME_ID = "5e1b7c3a-9d2f-4a6e-b8c4-3f7a1d9e5b20"
DRAW_ID = "c4e8a2f6-3b9d-4d1e-a7c5-8f2b6d0e4a97"
INSPECTION_ID = "f1b5d9e3-7a2c-4e6f-b0d8-5c3a9e7f1b24"
BLUE_NOTICE_ID = "7d3f1a9c-4e6b-4c2a-8f5d-2a9e6c1b3d74"
YELLOW_NOTICE_ID = "3a8c6e2f-1b7d-4f9a-a4e2-9c5b1f7d2e86"
RANKING_ID = "b2c8e4f1-6a3d-4b9e-8c7a-1d5f3b9e7c42"
RANKING_REFERRAL_ID = "e9a3c5d7-2b8f-4e1a-9d6c-7b4e2a8f1c63"
HELD_CLUE_ID = "0b7e4c2a-9f1d-4a6e-8c3b-5d2f7a9e1c64"  # held as 暂存待查, reopened by a new referral
HELD_CLUE_REFERRAL_ID = "5c9a1e7d-3f2b-4d8a-b6e4-2a7c9f1d3b58"
CITIZEN_CLUE_ID = "6f2a9c4e-8b1d-4e7a-a5c3-0d9e2b7f4a18"  # a 12345 ticket, not taken up

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
            TaskUpdated(task_id=TASK_ID, seq="4", title=TASK_TITLE, lead_unit=LEAD_UNIT, co_units=CO_UNITS,
                        changed=["co_units"]),
            subject=f"task/{TASK_ID}", time=_at(9, 2, 10, 0), actor=INSPECTORATE,
        ),
        _Example(
            TaskDecomposed(task_id=TASK_ID, sub_task_ids=["5d0c5a52-5c36-4b8e-9d0e-2b1f7c0e4a01"],
                           units=["区投促局招商服务科"]),
            subject=f"task/{TASK_ID}", time=_at(9, 2, 11, 0), actor=LEAD_UNIT,
        ),
        _Example(
            TaskPaused(task_id=TASK_ID, reason="总部大厦产权办理待市级审批，暂停计时", paused_at=_at(9, 7, 10, 0),
                       working_days_left=20),
            subject=f"task/{TASK_ID}", time=_at(9, 7, 10, 0), actor=INSPECTORATE,
        ),
        _Example(
            TaskResumed(task_id=TASK_ID, resumed_at=_at(9, 14, 9, 0), deadline=date(2026, 10, 19),
                        due_at=_midnight_after(date(2026, 10, 19)), working_days_left=20),
            subject=f"task/{TASK_ID}", time=_at(9, 14, 9, 0), actor=INSPECTORATE,
        ),
        _Example(
            TaskExtensionRequested(task_id=TASK_ID, extension_id="3f7e0f0c-6a55-4f0e-a1d4-9c1c2d7e5b11",
                                   requested_by=LEAD_UNIT, reason="总部企业认定需征求市级部门意见",
                                   current_deadline=date(2026, 10, 19), requested_deadline=date(2026, 10, 30)),
            subject=f"task/{TASK_ID}", time=_at(10, 12, 9, 0), actor=LEAD_UNIT,
        ),
        _Example(
            TaskExtensionApproved(task_id=TASK_ID, extension_id="3f7e0f0c-6a55-4f0e-a1d4-9c1c2d7e5b11",
                                  approved_by=INSPECTORATE, previous_deadline=date(2026, 10, 19),
                                  deadline=date(2026, 10, 30), due_at=_midnight_after(date(2026, 10, 30))),
            subject=f"task/{TASK_ID}", time=_at(10, 13, 9, 0), actor=INSPECTORATE,
        ),
        _Example(
            TaskExtensionRefused(task_id=TASK_ID, extension_id="3f7e0f0c-6a55-4f0e-a1d4-9c1c2d7e5b12",
                                 refused_by=INSPECTORATE, reason="理由不充分，按原时限完成",
                                 deadline=date(2026, 10, 19)),
            subject=f"task/{TASK_ID}", time=_at(10, 13, 9, 5), actor=INSPECTORATE,
        ),
        _Example(
            TaskDeadlineWarned(task_id=TASK_ID, light="yellow", title=TASK_TITLE, lead_unit=LEAD_UNIT,
                               deadline=task_deadline, due_at=_midnight_after(task_deadline), working_days_left=3),
            subject=f"task/{TASK_ID}", time=_at(10, 6, 0, 0),
        ),
        _Example(
            TaskReminded(task_id=TASK_ID, title=TASK_TITLE, lead_unit=LEAD_UNIT, co_units=CO_UNITS,
                         deadline=task_deadline),
            subject=f"task/{TASK_ID}", time=_at(10, 12, 0, 0),
        ),
        _Example(
            ReportSubmitted(report_id=REPORT_ID, task_id=TASK_ID, unit=LEAD_UNIT, period="2026-09",
                            text="起草了《市中区鼓励总部经济发展实施办法（试行）》（草案），正在征求相关部门意见。",
                            submitted_at=_at(9, 25, 17, 0)),
            subject=f"report/{REPORT_ID}", time=_at(9, 25, 17, 0), actor=LEAD_UNIT,
        ),
        _Example(
            # 月调度, due 3 工作日 after 9-30: 10-8, 10-9 and Sat 10-10 (a make-up working day)
            ReportMissed(task_id=TASK_ID, task_list_id=TASK_LIST_ID, unit=CO_UNITS[1], period="2026-09",
                         cadence="month", due_on=date(2026, 10, 10), missed_at=_midnight_after(date(2026, 10, 10))),
            subject=f"task/{TASK_ID}", time=_midnight_after(date(2026, 10, 10)), actor="system",
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
            ExposureFollowedUp(exposure_id=EXPOSURE_ID, unit=LEAD_UNIT, note="记者回访：扶持办法仍在征求意见，未印发。",
                               by="济南日报“整改进行时”栏目", evidence=["https://example.gov.cn/media/followup-1.jpg"],
                               followed_up_at=_at(10, 24, 15, 0)),
            subject=f"exposure/{EXPOSURE_ID}", time=_at(10, 24, 15, 0), actor="济南日报",
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
            ClueSourceAdded(clue_id=CLUE_ID, number="线索〔2026〕1号",
                            source=ClueSource(kind="supervision_referral", ref=RANKING_REFERRAL_ID),
                            source_case_id=None, added_at=_at(11, 1, 9, 0)),
            subject=f"clue/{CLUE_ID}", time=_at(11, 1, 9, 0),
        ),
        _Example(
            ClueAssigned(clue_id=CLUE_ID, assignee=COMMISSION, mode="assign", due=date(2026, 11, 23),
                         assigned_at=_at(11, 2, 10, 0), receipt_due=date(2026, 11, 4),
                         supervisor="市纪委党风政风监督室"),
            subject=f"clue/{CLUE_ID}", time=_at(11, 2, 10, 0), actor="市纪委党风政风监督室",
        ),
        _Example(
            ClueEscalated(clue_id=CLUE_ID, number="线索〔2026〕1号", assignee=COMMISSION,
                          escalated_to="市纪委党风政风监督室", stage="receipt", due=date(2026, 11, 4),
                          escalated_at=_at(11, 5, 0, 0)),
            subject=f"clue/{CLUE_ID}", time=_at(11, 5, 0, 0), actor="system",
        ),
        _Example(
            ClueDisposed(clue_id=CLUE_ID, finding="confirmed", way="preliminary_verification",
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
    # 三色督办 run as a ladder: a blue notice to 区投促局 ran out, a yellow one replaces it.
    examples.append(_Example(
        NoticeEscalated(notice_id=BLUE_NOTICE_ID, number="督〔2026〕4号", unit="区投促局",
                        problem="泉城路沿线占道经营问题未按期整改", from_level=NoticeLevel.BLUE,
                        to_level=NoticeLevel.YELLOW, new_notice_id=YELLOW_NOTICE_ID, new_number="督〔2026〕5号",
                        addressee="责任单位主要负责人", deadline=date(2026, 10, 30),
                        due_at=_midnight_after(date(2026, 10, 30)), escalated_at=_at(10, 24)),
        subject=f"notice/{BLUE_NOTICE_ID}", time=_at(10, 24), case_id=BLUE_NOTICE_ID, actor="system",
    ))
    examples.append(_Example(
        NoticeReopened(notice_id=OTHER_NOTICE_ID, number="督〔2026〕2号", task_id=OTHER_TASK_ID, unit="区投促局",
                       problem="《重点打造儒商总部大厦特色楼宇》逾期未完成", level=NoticeLevel.RED,
                       finding="回头看发现招商签约项目未实际入驻，问题反弹。", rechecked_by=INSPECTORATE,
                       deadline=date(2026, 11, 3), due_at=_midnight_after(date(2026, 11, 3)), working_days=3,
                       reopened_at=_at(10, 29, 10, 0)),
        subject=f"notice/{OTHER_NOTICE_ID}", time=_at(10, 29, 10, 0), case_id=OTHER_TASK_ID, actor=INSPECTORATE,
    ))
    # 双随机: a published draw anyone can re-run (sanwei-draw-v1 over these lists gives this result).
    examples.append(_Example(
        DrawPublished(
            draw_id=DRAW_ID, scope="安全生产双随机抽查", title="2026年10月安全生产双随机抽查", algorithm="sanwei-draw-v1",
            seed="20261009-体彩排列五-58213",
            inspector_pool=[f"执法证3701000{i}" for i in range(1, 7)],
            targets=["历城区某化工有限公司", "商河县某有限空间作业企业", "平阴县某危化品仓库", "济阳区某液氨制冷冷库",
                     "章丘区某烟花爆竹批发站", "莱芜区某冶金企业", "钢城区某粉尘涉爆企业", "长清区某非煤矿山"],
            excluded=["莱芜区某冶金企业"], inspectors_count=2, targets_count=3,
            drawn_inspectors=["执法证37010005", "执法证37010003"],
            drawn_targets=["济阳区某液氨制冷冷库", "长清区某非煤矿山", "钢城区某粉尘涉爆企业"],
            drawn_at=_at(10, 9, 10, 0)),
        subject=f"draw/{DRAW_ID}", time=_at(10, 9, 10, 0), case_id=DRAW_ID, actor="市应急管理局",
    ))
    examples.append(_Example(
        InspectionClosed(
            inspection_id=INSPECTION_ID, kind="random", title="2026年10月安全生产双随机抽查", planned_on=date(2026, 10, 12),
            targets=["济阳区某液氨制冷冷库", "长清区某非煤矿山", "钢城区某粉尘涉爆企业"],
            units_with_findings=["济阳区某液氨制冷冷库"], findings=1, notices=["督〔2026〕6号"], draw_id=DRAW_ID,
            bulletin="关于2026年10月安全生产双随机抽查情况的通报\n\n检查对象 3 个，发现问题 1 个，涉及 1 个单位。\n"
                     "1. 济阳区某液氨制冷冷库\n   - [B-02 液氨储罐区安全距离] 液氨储罐区安全距离不足，"
                     "已下发督办通知书督〔2026〕6号\n未发现问题的单位：长清区某非煤矿山、钢城区某粉尘涉爆企业。",
            closed_at=_at(10, 16, 17, 0)),
        subject=f"inspection/{INSPECTION_ID}", time=_at(10, 16, 17, 0), case_id=INSPECTION_ID, actor="市应急管理局",
    ))
    # A second story: the 露天烧烤整治考核 ranks 街办; 舜玉路街道 is bottom 3 weeks in a row.
    ranking_entries = [
        RankingEntry(unit="趵突泉街道", rank=1, score=100.0, deducted=0.0, deductions=0, outcome="praised"),
        RankingEntry(unit="泉城路街道", rank=1, score=100.0, deducted=0.0, deductions=0, outcome="praised"),
        RankingEntry(unit="大明湖街道", rank=3, score=98.0, deducted=2.0, deductions=1, outcome="none"),
        RankingEntry(unit="舜玉路街道", rank=4, score=91.5, deducted=8.5, deductions=4, outcome="referred",
                     bottom_streak=3),
    ]
    examples += [
        _Example(
            RankingPublished(ranking_id=RANKING_ID, scheme_id=SCHEME_ID, scheme="露天烧烤整治考核",
                             period_kind="week", period="2026-W42", period_start=date(2026, 10, 12),
                             period_end=date(2026, 10, 18), entries=ranking_entries,
                             praised=["趵突泉街道", "泉城路街道"], referred=["舜玉路街道"],
                             published_at=_at(10, 19, 9, 0)),
            subject=f"ranking/{RANKING_ID}", time=_at(10, 19, 9, 0), case_id=RANKING_ID, actor="市创城指挥部",
        ),
        _Example(
            RankingReferralRequested(
                referral_id=RANKING_REFERRAL_ID, origin="ranking", origin_ref=RANKING_ID, unit="舜玉路街道",
                problem="舜玉路街道在露天烧烤整治考核中连续3期排名后位（2026-W40、2026-W41、2026-W42）",
                reason="模拟测评连续3期排名后位，依照济厅字〔2017〕36号移交纪检监察机关问责处理。",
                evidence=["露天烧烤整治考核 2026-W40 第4名（93.00分）", "露天烧烤整治考核 2026-W41 第4名（95.00分）",
                          "露天烧烤整治考核 2026-W42 第4名（91.50分）"],
                requested_at=_at(10, 19, 9, 0), periods=["2026-W40", "2026-W41", "2026-W42"]),
            subject=f"referral/{RANKING_REFERRAL_ID}", time=_at(10, 19, 9, 0), case_id=RANKING_REFERRAL_ID,
            actor="市创城指挥部",
        ),
    ]
    # A clue held as 暂存待查 in October is referred again by the media: it is reopened for 处置.
    examples.append(_Example(
        ClueReopened(clue_id=HELD_CLUE_ID, number="线索〔2026〕2号",
                     reason="同一问题再次移交（media_referral " + HELD_CLUE_REFERRAL_ID + "），暂存待查线索重新启用",
                     assignee="市中区纪委监委第三派驻纪检监察组", due=date(2026, 11, 24),
                     source=ClueSource(kind="media_referral", ref=HELD_CLUE_REFERRAL_ID),
                     reopened_at=_at(11, 10, 9, 30)),
        subject=f"clue/{HELD_CLUE_ID}", time=_at(11, 10, 9, 30), case_id=HELD_CLUE_ID, actor="system",
    ))
    # A 12345 ticket reaches the 曝光台 and is dismissed: the events say what and where, never who called.
    examples += [
        _Example(
            CitizenClueReceived(clue_id=CITIZEN_CLUE_ID, channel="hotline", ticket_id="12345-20261020-000871",
                                text="泉城路公交站旁垃圾桶满溢，无人清理，来电人电话139****5678",
                                location="历下区泉城路与县西巷路口", category="市容环境",
                                photos=["att-000871-1.jpg"], reported_at=_at(10, 20, 8, 15),
                                received_at=_at(10, 20, 8, 16)),
            subject=f"clue/{CITIZEN_CLUE_ID}", time=_at(10, 20, 8, 16), case_id=CITIZEN_CLUE_ID,
            actor="12345市民服务热线",
        ),
        _Example(
            CitizenClueDismissed(clue_id=CITIZEN_CLUE_ID, channel="hotline", ticket_id="12345-20261020-000871",
                                 reason="经核实，垃圾桶已于当日清运完毕，不予采用", dismissed_by="济南日报曝光台编辑",
                                 dismissed_at=_at(10, 20, 15, 30)),
            subject=f"clue/{CITIZEN_CLUE_ID}", time=_at(10, 20, 15, 30), case_id=CITIZEN_CLUE_ID,
            actor="济南日报曝光台编辑",
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
