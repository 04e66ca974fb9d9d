"""A case's timeline across the tracks, and the one-line Chinese summary of each step.

Steps are ordered by event time, then by recording order (seq), so events of several
services with the same timestamp keep the order in which audit received them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from sanwei_contracts.catalog import CATALOG, UnknownEventType, spec_for_model, spec_for_type
from sanwei_contracts.events import discipline, media, progress, registry, supervision
from sanwei_contracts.events.common import SANCTION_LABELS, Sanction

TRACKS = {
    "registry": "清单",
    "progress": "进展",
    "supervision": "督导检查",
    "media": "媒体监督",
    "discipline": "纪委问责",
}

LEVEL_LABELS = {"blue": "蓝色", "yellow": "黄色", "red": "红色"}
FINDING_LABELS = {"confirmed": "查证属实", "partly_confirmed": "部分属实", "unfounded": "查无实据",
                  "undetermined": "暂无结论"}
MODE_LABELS = {"assign": "分办", "transfer": "转办"}
CHANNEL_LABELS = {"snapshot": "随手拍", "hotline": "12345热线"}
ORIGIN_LABELS = {
    "notice_unrectified": "督办逾期未整改",
    "exposure_unrectified": "曝光逾期未整改",
    "citizen_clue": "群众线索",
    "media": "媒体发现",
    "ranking": "测评排名连续靠后",
}


@dataclass(frozen=True)
class RecordedEvent:
    """One event as audit recorded it."""

    seq: int
    event_id: str
    type: str
    source: str
    subject: str
    case_id: str
    time: datetime
    causation_id: str | None
    actor: str | None
    data: dict[str, Any]
    hash: str
    recorded_at: datetime
    actor_role: str | None = None
    actor_unit: str | None = None


@dataclass(frozen=True)
class TimelineStep:
    seq: int
    time: datetime
    type: str
    track: str
    source: str
    subject: str
    actor: str | None
    event_id: str
    causation_id: str | None
    caused_by_seq: int | None
    case_id: str
    summary: str
    confidential: bool
    data: dict[str, Any]
    hash: str
    actor_role: str | None = None
    actor_unit: str | None = None
    who: str | None = None


@dataclass(frozen=True)
class CaseOverview:
    case_id: str
    first_time: datetime
    last_time: datetime
    events: int
    last_type: str


def producer_of(source: str, event_type: str) -> str:
    """`sanwei/registry` → registry; falls back to the type `sanwei.<producer>.…`."""
    if "/" in source:
        return source.rsplit("/", 1)[-1]
    parts = event_type.split(".")
    return parts[1] if len(parts) > 1 else source


def track_of(producer: str) -> str:
    return TRACKS.get(producer, producer)


#: The producer whose events are confidential (纪委), and the ones of its types that are public.
CONFIDENTIAL_PREFIX = "sanwei.discipline."
PUBLIC_CONFIDENTIAL_PRODUCER_TYPES: tuple[str, ...] = tuple(
    spec.type for spec in CATALOG if spec.type.startswith(CONFIDENTIAL_PREFIX) and not spec.confidential
)


def is_confidential(event_type: str) -> bool:
    try:
        return spec_for_type(event_type).confidential
    except UnknownEventType:
        # A 纪委 type this audit does not know yet (a newer contract) is kept from the others too.
        return event_type.startswith(CONFIDENTIAL_PREFIX)


# Short forms that fit one timeline line (sanwei_kit.auth.Role.label is the long form).
ROLE_LABELS = {
    "command": "指挥部/督查室", "unit": "责任单位", "media": "曝光台", "discipline": "纪委", "auditor": "审计",
    "admin": "运维", "integration": "外部系统",
}


def who_acted(actor: str | None, role: str | None, unit: str | None) -> str | None:
    """`王组长（纪委·市中区纪委）`: the actor with their roles and unit, as the timeline shows it."""
    if not actor:
        return None
    roles = "、".join(ROLE_LABELS.get(r, r) for r in (role or "").split(",") if r)
    detail = "·".join(part for part in (roles, unit) if part)
    return f"{actor}（{detail}）" if detail else actor


def _short(text: object, limit: int = 30) -> str:
    value = " ".join(str(text or "").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _label(labels: dict[str, str], value: object) -> str:
    return labels.get(str(value), str(value))


def _sanction(value: object) -> str:
    try:
        return SANCTION_LABELS[Sanction(str(value))]
    except ValueError:
        return str(value)


def _task_assigned(d: dict[str, Any]) -> str:
    text = f"任务「{_short(d['title'])}」交办 {d['lead_unit']}"
    if d.get("co_units"):
        text += f"（配合：{'、'.join(d['co_units'])}）"
    if d.get("deadline"):
        text += f"，限 {d['deadline']} 前完成"
    return text


def _deadline_set(d: dict[str, Any]) -> str:
    text = f"完成时限定为 {d['deadline']}"
    if d.get("working_days"):
        text += f"（自 {d['start']} 起 {d['working_days']} 个工作日）" if d.get("start") else f"（{d['working_days']} 个工作日）"
    return text


def _deadline_warned(d: dict[str, Any]) -> str:
    when = "今日到期" if d["light"] == "red" else f"距时限还有 {d['working_days_left']} 个工作日"
    return f"{'红灯' if d['light'] == 'red' else '黄灯'}预警：{d['lead_unit']} 的任务「{_short(d['title'])}」{when}"


def _type(model: type[BaseModel]) -> str:
    return spec_for_model(model).type


_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    _type(registry.TaskAssigned): _task_assigned,
    _type(registry.TaskDeadlineSet): _deadline_set,
    _type(registry.TaskOverdue): lambda d: (
        f"任务「{_short(d['title'])}」逾期未完成（时限 {d['deadline']}），牵头单位 {d['lead_unit']}"
    ),
    _type(registry.TaskCompleted): lambda d: f"任务办结（{'逾期完成' if d.get('late') else '按期完成'}）",
    _type(registry.TaskDecomposed): lambda d: f"任务层层分解为 {len(d['sub_task_ids'])} 项子任务：{'、'.join(d.get('units') or [])}",
    _type(registry.TaskPaused): lambda d: f"任务挂起：{_short(d['reason'])}（剩余 {d['working_days_left']} 个工作日）",
    _type(registry.TaskResumed): lambda d: f"任务恢复计时，完成时限顺延至 {d['deadline']}",
    _type(registry.TaskExtensionRequested): lambda d: (
        f"{d['requested_by']} 申请延期至 {d['requested_deadline']}：{_short(d['reason'])}"
    ),
    _type(registry.TaskExtensionApproved): lambda d: f"{d['approved_by']} 批准延期，完成时限改为 {d['deadline']}",
    _type(registry.TaskExtensionRefused): lambda d: f"{d['refused_by']} 不予延期：{_short(d['reason'])}",
    _type(registry.TaskDeadlineWarned): _deadline_warned,
    _type(registry.TaskReminded): lambda d: f"催办：任务「{_short(d['title'])}」已过时限 {d['deadline']}，请 {d['lead_unit']} 尽快办结",
    _type(registry.TaskUpdated): lambda d: f"任务「{_short(d['title'])}」按来源更新：{'、'.join(d.get('changed') or [])}",
    _type(progress.ReportSubmitted): lambda d: f"{d['unit']} 报送 {d['period']} 进展：{_short(d['text'])}",
    _type(progress.ReportMissed): lambda d: f"{d['unit']} 逾期未报 {d['period']} 进展（报送截止 {d['due_on']}）",
    _type(progress.CompletionClaimed): lambda d: f"{d['unit']} 申请办结销号：{_short(d['text'])}",
    _type(progress.CompletionAccepted): lambda d: f"{d['accepted_by']} 验收通过 {d['unit']} 的办结申请",
    _type(progress.CompletionRejected): lambda d: (
        f"{d['rejected_by']} 退回 {d['unit']} 的办结申请：{_short(d['reason'])}"
    ),
    _type(supervision.NoticeIssued): lambda d: f"督办通知书 {d['number']} 发至 {d['unit']}，限 {d['deadline']} 前整改",
    _type(supervision.RectificationSubmitted): lambda d: f"{d['unit']} 提交整改报告：{_short(d['text'])}",
    _type(supervision.RectificationReturned): lambda d: f"整改报告被 {d['returned_by']} 退回：{_short(d['reason'])}",
    _type(supervision.NoticeRectified): lambda d: (
        f"督办通知书 {d['number']} 整改验收通过（{d['accepted_by']}），本案办结"
    ),
    _type(supervision.NoticeUnrectified): lambda d: (
        f"督办通知书 {d['number']} 逾期未整改（时限 {d['deadline']}），升级为{_label(LEVEL_LABELS, d['level'])}督办"
    ),
    _type(supervision.NoticeEscalated): lambda d: (
        f"督办通知书 {d['number']} 逾期未整改，升级为{_label(LEVEL_LABELS, d['to_level'])}督办 {d['new_number']}"
        + (f"，督办 {d['addressee']}" if d.get("addressee") else "")
    ),
    _type(supervision.NoticeReopened): lambda d: (
        f"回头看发现问题反弹：督办通知书 {d['number']} 重新打开，升级为{_label(LEVEL_LABELS, d['level'])}督办，"
        f"限 {d['deadline']} 前整改"
    ),
    _type(supervision.DrawPublished): lambda d: (
        f"双随机抽查（{d['scope']}）：抽取 {len(d['drawn_targets'])} 个检查对象、{len(d['drawn_inspectors'])} 名检查人员，"
        f"种子 {d['seed']}"
    ),
    _type(supervision.InspectionClosed): lambda d: (
        f"督查通报：{d['title']}，检查 {len(d['targets'])} 个单位，发现问题 {d['findings']} 个，"
        f"下发督办通知书 {len(d.get('notices') or [])} 份"
    ),
    _type(supervision.RankingPublished): lambda d: (
        f"{d['scheme']} {d['period']} 排名公布：表扬 {len(d['praised'])} 个，通报批评 {len(d['criticized'])} 个，"
        f"诫勉谈话 {len(d['admonished'])} 个，移交问责 {len(d['referred'])} 个"
    ),
    _type(supervision.RankingReferralRequested): lambda d: (
        f"移交纪检监察机关（{_label(ORIGIN_LABELS, d['origin'])}）：{d['unit']}，{_short(d['reason'])}"
    ),
    _type(media.ExposurePublished): lambda d: f"曝光台曝光：{d['title']}（{d['unit']}），限 {d['deadline']} 前整改",
    _type(media.ExposureFollowedUp): lambda d: f"整改进行时：{_short(d['note'])}（{d['by']}）",
    _type(media.ExposureRectified): lambda d: f"整改进行时：{_short(d['note'])}（{d['confirmed_by']} 确认整改到位）",
    _type(media.ExposureUnrectified): lambda d: f"曝光问题逾期未整改（{d['unit']}，时限 {d['deadline']}）",
    _type(media.ExposureRepublished): lambda d: f"再次曝光（第{d['round']}次）：{d['title']}（{d['unit']}）",
    _type(media.ReferralRequested): lambda d: (
        f"移交纪检监察机关（{_label(ORIGIN_LABELS, d['origin'])}）：{d['unit']}，{_short(d['reason'])}"
    ),
    _type(media.CitizenClueReceived): lambda d: (
        f"收到群众线索（{_label(CHANNEL_LABELS, d['channel'])}"
        + (f" 工单 {d['ticket_id']}" if d.get("ticket_id") else "") + f"）：{_short(d['text'])}"
        + (f"（{_short(d['location'], 20)}）" if d.get("location") else "")
    ),
    _type(media.CitizenClueDismissed): lambda d: (
        f"群众线索不予采用（{_label(CHANNEL_LABELS, d['channel'])}"
        + (f" 工单 {d['ticket_id']}" if d.get("ticket_id") else "") + f"）：{_short(d['reason'])}"
    ),
    _type(discipline.ClueRegistered): lambda d: f"{d['number']} 登记",
    _type(discipline.ClueAssigned): lambda d: (
        f"线索{_label(MODE_LABELS, d['mode'])}至 {d['assignee']}" + (f"，限 {d['due']} 前办结" if d.get("due") else "")
    ),
    _type(discipline.ClueDisposed): lambda d: f"线索处置：{_label(FINDING_LABELS, d['finding'])}",
    _type(discipline.ClueSourceAdded): lambda d: f"同一问题再次移交，并入 {d['number']}",
    _type(discipline.ClueEscalated): lambda d: (
        f"{d['number']} {'逾期未签收' if d['stage'] == 'receipt' else '逾期未办结'}（时限 {d['due']}），"
        f"提级至 {d['escalated_to']} 督办"
    ),
    _type(discipline.ClueReopened): lambda d: (
        f"{d['number']} 暂存待查线索重新启用"
        + ("（同一问题再次移交）" if d.get("source") else "")
        + (f"，交 {d['assignee']} 重新处置" if d.get("assignee") else "") + f"，限 {d['due']} 前办结"
    ),
    _type(discipline.DecisionMade): lambda d: f"作出处理决定：{_sanction(d['sanction'])}（{d['unit']}）",
    _type(discipline.OutcomePublished): lambda d: f"处理结果公开：{_sanction(d['sanction'])}",
}


def has_summary(event_type: str) -> bool:
    return event_type in _SUMMARIES


def summarize(event_type: str, data: dict[str, Any]) -> str:
    """One line of Chinese saying what happened. Never names a person (decisions are confidential)."""
    build = _SUMMARIES.get(event_type)
    if build is not None:
        try:
            return build(data)
        except (KeyError, TypeError):
            pass  # data from a contract version this audit does not know: fall back below
    try:
        return spec_for_type(event_type).summary
    except UnknownEventType:
        return event_type


def step_of(event: RecordedEvent, caused_by_seq: int | None = None) -> TimelineStep:
    return TimelineStep(
        seq=event.seq,
        time=event.time,
        type=event.type,
        track=track_of(producer_of(event.source, event.type)),
        source=event.source,
        subject=event.subject,
        actor=event.actor,
        actor_role=event.actor_role,
        actor_unit=event.actor_unit,
        who=who_acted(event.actor, event.actor_role, event.actor_unit),
        event_id=event.event_id,
        causation_id=event.causation_id,
        caused_by_seq=caused_by_seq,
        case_id=event.case_id,
        summary=summarize(event.type, event.data),
        confidential=is_confidential(event.type),
        data=event.data,
        hash=event.hash,
    )


def timeline(events: Iterable[RecordedEvent]) -> list[TimelineStep]:
    """Every step of one case in order (event time, then recording order), causes resolved to seqs."""
    ordered = sorted(events, key=lambda e: (e.time, e.seq))
    seq_of = {e.event_id: e.seq for e in ordered}
    return [step_of(e, seq_of.get(e.causation_id) if e.causation_id else None) for e in ordered]
