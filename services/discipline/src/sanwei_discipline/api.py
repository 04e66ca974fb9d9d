"""The discipline service's HTTP API (confidential): clues, 分办/转办, 处置, decisions, 通报曝光.

纪委 only (role discipline), by level. The 区纪委监委 (level district) sees every clue and
does every step. A 派驻纪检监察组 / 街道纪工委 (level agency, `unit` names it) sees only the
clues 分办/转办 to it, signs for them (签收) and disposes of them (处置, whose finding and
summary are its proposal to the district); registering is done by referrals, and 分类梳理,
分办/转办, 问责决定 and 通报曝光 are the district's (403 for an agency, checked before the clue
is looked up). A clue not assigned to the agency answers 404, as one that does not exist:
a 403 would confirm that the clue exists.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from sanwei_contracts.events.common import Sanction
from sanwei_discipline.adapters.repository import ClueRepository
from sanwei_discipline.domain.model import (
    AssignMode,
    Clue,
    ClueKind,
    ClueState,
    DisposalWay,
    EscalationStage,
    Finding,
    PersonLevel,
    Source,
    Step,
    StepKind,
)
from sanwei_discipline.service import ClueGuard, DisciplineService
from sanwei_kit.auth import DisciplineLevel, Principal, Role, deny, require
from sanwei_kit.errors import NotFound
from sanwei_kit.inputs import Offset
from sanwei_kit.runtime import Runtime


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=200, examples=["市中区纪委"],
                          description="The 纪检监察机关 that investigates")
    mode: AssignMode = Field(description="assign (分办) or transfer (转办)")
    due_working_days: int | None = Field(default=None, ge=1, le=365,
                                         description="办理时限 in 工作日 (default: the service's setting)")
    receipt_working_days: int | None = Field(default=None, ge=1, le=60,
                                             description="签收时限 in 工作日 (default: the service's setting)")
    supervisor: str | None = Field(default=None, max_length=200,
                                   description="The commission above the assignee, where an overdue clue escalates "
                                               "(default: the assigning office `by`, else the caller's unit, else "
                                               "the service's setting)")
    by: str | None = Field(default=None, max_length=200,
                           description="The assigning office, e.g. 市纪委党风政风监督室 (the default supervisor). "
                                       "The person who assigns is the authenticated caller.")


class ClassifyIn(BaseModel):
    kind: ClueKind = Field(description="分类: the 问责 ground (济厅字〔2017〕36号)")
    level: PersonLevel = Field(description="Level of the responsible person: 市管 / 区管 / 科级及以下 / 党组织")


class DisposeIn(BaseModel):
    way: DisposalWay = Field(default=DisposalWay.PRELIMINARY_VERIFICATION,
                             description="talk_inquiry (谈话函询), preliminary_verification (初步核实), shelved "
                                         "(暂存待查), closed (予以了结)")
    finding: Finding | None = Field(default=None, description="For 谈话函询 / 初步核实: confirmed (查证属实), "
                                    "partly_confirmed (部分属实), unfounded (查无实据); none for the other ways")
    summary: str = Field(min_length=1, max_length=5000, description="What was established, or why this way")


class SortingCount(BaseModel):
    kind: ClueKind | None
    kind_label: str | None
    level: PersonLevel | None
    level_label: str | None
    state: ClueState
    count: int


class DecideIn(BaseModel):
    sanction: Sanction = Field(description="criticism_education 批评教育 / criticism_notice 通报批评 / "
                                           "admonishment_talk 诫勉谈话 / organizational_handling 组织处理 / "
                                           "party_discipline 纪律处分 / accountability 问责, or no_action (不予问责)")
    person: str | None = Field(default=None, max_length=200, description="Responsible person; confidential")
    reason: str = Field(min_length=1, max_length=5000)


class PublishIn(BaseModel):
    summary: str = Field(min_length=1, max_length=5000,
                         description="The public text (通报曝光); must not name the person")


class ReopenIn(BaseModel):
    reason: str = Field(min_length=1, max_length=5000, description="Why the held clue is taken up again (启用)")
    due_working_days: int | None = Field(default=None, ge=1, le=365,
                                         description="The new 办理时限 in 工作日 (default: the service's setting)")


class SourceView(BaseModel):
    kind: str
    ref: str
    origin: str
    origin_ref: str
    reason: str
    evidence: list[str]
    received_at: datetime
    case_id: str | None

    @classmethod
    def of(cls, s: Source) -> SourceView:
        return cls(kind=s.kind, ref=s.ref, origin=s.origin, origin_ref=s.origin_ref, reason=s.reason,
                   evidence=list(s.evidence), received_at=s.received_at, case_id=s.case_id)


class StepView(BaseModel):
    at: datetime
    kind: StepKind
    text: str
    by: str | None
    line: str

    @classmethod
    def of(cls, s: Step) -> StepView:
        return cls(at=s.at, kind=s.kind, text=s.text, by=s.by, line=s.line())


class DecisionView(BaseModel):
    decision_id: str
    sanction: Sanction
    sanction_label: str
    person: str | None
    reason: str
    decided_at: datetime


class ClueView(BaseModel):
    id: str
    case_id: str
    number: str
    unit: str
    problem: str
    state: ClueState
    registered_at: datetime
    source_count: int
    assignee: str | None
    mode: AssignMode | None
    due: date | None
    overdue: bool
    finding: Finding | None
    sanction: Sanction | None
    published_at: datetime | None
    kind: ClueKind | None
    level: PersonLevel | None
    receipt_due: date | None
    receipt_at: datetime | None
    supervisor: str | None
    escalated: list[EscalationStage]
    disposal_way: DisposalWay | None

    @classmethod
    def of(cls, c: Clue, now: datetime) -> ClueView:
        return cls(
            id=c.id, case_id=c.case_id, number=c.number, unit=c.unit, problem=c.problem, state=c.state,
            registered_at=c.registered_at, source_count=len(c.sources), assignee=c.assignee, mode=c.mode,
            due=c.due.day if c.due else None, overdue=c.is_overdue(now), finding=c.finding,
            sanction=c.decision.sanction if c.decision else None, published_at=c.published_at,
            kind=c.kind, level=c.level, receipt_due=c.receipt_due.day if c.receipt_due else None,
            receipt_at=c.receipt_at, supervisor=c.supervisor, escalated=list(c.escalated_stages),
            disposal_way=c.disposal_way,
        )


class ClueDetail(ClueView):
    sources: list[SourceView]
    steps: list[StepView]
    disposal_summary: str | None
    decision: DecisionView | None
    publication_summary: str | None

    @classmethod
    def of(cls, c: Clue, now: datetime) -> ClueDetail:
        d = c.decision
        return cls(
            **ClueView.of(c, now).model_dump(),
            sources=[SourceView.of(s) for s in c.sources],
            steps=[StepView.of(s) for s in c.steps],
            disposal_summary=c.disposal_summary,
            decision=DecisionView(decision_id=d.decision_id, sanction=d.sanction, sanction_label=d.sanction.label,
                                  person=d.person, reason=d.reason, decided_at=d.decided_at) if d else None,
            publication_summary=c.publication_summary,
        )


def is_district(principal: Principal) -> bool:
    return principal.level is DisciplineLevel.DISTRICT


def sees(principal: Principal, clue: Clue) -> bool:
    """The district sees every clue; an agency the clues 分办/转办 to its unit."""
    return is_district(principal) or clue.assigned_to(principal.unit)


def require_district(principal: Principal, what: str) -> None:
    if not is_district(principal):
        raise deny(principal, f"{what} is done by the 区纪委监委 (level district); "
                              f"{principal.unit or 'an agency'} (level {principal.level}) may sign for and "
                              "dispose of the clues assigned to it")


def scope_guard(principal: Principal) -> ClueGuard:
    """404 for a clue the caller may not see: to an agency, another's clue does not exist."""

    def guard(clue: Clue) -> None:
        if not sees(principal, clue):
            raise NotFound(f"no clue {clue.id}")

    return guard


def build_router(runtime: Runtime, service: DisciplineService) -> APIRouter:
    router = APIRouter(tags=["discipline"])
    discipline = require(Role.DISCIPLINE)

    def detail(clue: Clue) -> ClueDetail:
        return ClueDetail.of(clue, runtime.clock.now())

    @router.get("/clues", response_model=list[ClueView],
                summary="问题线索 of the 党风政风监督室, filtered by state or 责任单位, newest first",
                description="The 区纪委监委 sees every clue; a 派驻纪检监察组 / 街道纪工委 only those 分办/转办 to it.")
    async def list_clues(
        state: ClueState | None = None,
        unit: Annotated[str | None, Query(description="责任单位")] = None,
        kind: Annotated[ClueKind | None, Query(description="分类")] = None,
        level: Annotated[PersonLevel | None, Query(description="Level of the responsible person")] = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Offset = 0,
        principal: Principal = Depends(discipline),
    ) -> list[ClueView]:
        # An agency without a unit matches no assignee: it sees nothing.
        assigned_to = None if is_district(principal) else (principal.unit or "")
        async with runtime.db.connect() as conn:
            found = await ClueRepository(conn).find(state=state, unit=unit, kind=kind, level=level,
                                                    assigned_to=assigned_to, limit=limit, offset=offset)
        now = runtime.clock.now()
        return [ClueView.of(c, now) for c in found]

    @router.get("/clues/sorting", response_model=list[SortingCount],
                summary="分类梳理 台账: clues counted by kind, level of the responsible person and state",
                description="The 区纪委监委's (district level): it counts every clue of the district.")
    async def sorting(principal: Principal = Depends(discipline)) -> list[SortingCount]:
        require_district(principal, "分类梳理 (the 台账 of every clue)")
        async with runtime.db.connect() as conn:
            rows = await ClueRepository(conn).sorting_counts()
        return [SortingCount(kind=ClueKind(k) if k else None, kind_label=ClueKind(k).label if k else None,
                             level=PersonLevel(lv) if lv else None, level_label=PersonLevel(lv).label if lv else None,
                             state=ClueState(st), count=n) for k, lv, st, n in rows]

    @router.get("/clues/{clue_id}", response_model=ClueDetail,
                summary="One clue with its sources (移交来源) and every step of its handling",
                description="404 for a clue that is not 分办/转办 to an agency-level caller, as for one that "
                            "does not exist.")
    async def get_clue(clue_id: str, principal: Principal = Depends(discipline)) -> ClueDetail:
        async with runtime.db.connect() as conn:
            clue = await ClueRepository(conn).get(clue_id)
        scope_guard(principal)(clue)
        return detail(clue)

    @router.post("/clues/{clue_id}/assign", response_model=ClueDetail,
                 summary="分办 / 转办: hand the clue to the 纪检监察机关 that investigates it",
                 description="mode=assign is 分办, mode=transfer is 转办; the 签收时限 and 办理时限 are counted "
                             "in 工作日, and a missed one escalates the clue to the supervising commission "
                             "(clue.escalated). Only a registered clue, or an escalated one, can be assigned "
                             "(409 otherwise). District level only (403).")
    async def assign(clue_id: str, body: AssignIn, principal: Principal = Depends(discipline)) -> ClueDetail:
        require_district(principal, "分办/转办")
        return detail(await service.assign(clue_id, assignee=body.assignee, mode=body.mode,
                                           due_working_days=body.due_working_days,
                                           receipt_working_days=body.receipt_working_days,
                                           supervisor=body.supervisor or body.by or principal.unit,
                                           actor=principal.actor))

    @router.post("/clues/{clue_id}/classify", response_model=ClueDetail,
                 summary="分类梳理: sort the clue by kind and by the level of the responsible person",
                 description="Allowed until the clue is disposed of (409 after). District level only (403).")
    async def classify(clue_id: str, body: ClassifyIn, principal: Principal = Depends(discipline)) -> ClueDetail:
        require_district(principal, "分类梳理")
        return detail(await service.classify(clue_id, kind=body.kind, level=body.level, actor=principal.actor))

    @router.post("/clues/{clue_id}/receive", response_model=ClueDetail,
                 summary="签收: the assigned commission signs for the clue (stops the 签收时限)",
                 description="The signer is the authenticated caller: the assignee (agency level) or the district.")
    async def receive(clue_id: str, principal: Principal = Depends(discipline)) -> ClueDetail:
        return detail(await service.receive(clue_id, by=principal.actor, guard=scope_guard(principal)))

    @router.post("/clues/{clue_id}/dispose", response_model=ClueDetail,
                 summary="处置 in one of four ways: 谈话函询, 初步核实 (with a finding), 暂存待查, 予以了结",
                 description="谈话函询 and 初步核实 need a finding (查证属实 / 部分属实 / 查无实据) and lead to a "
                             "decision; 暂存待查 and 予以了结 take no finding and end the handling (422 otherwise). "
                             "The assignee (agency level) disposes of its own clues; its finding is the proposal "
                             "the district decides on.")
    async def dispose(clue_id: str, body: DisposeIn, principal: Principal = Depends(discipline)) -> ClueDetail:
        return detail(await service.dispose(clue_id, finding=body.finding, summary=body.summary, way=body.way,
                                            actor=principal.actor, guard=scope_guard(principal)))

    @router.post("/clues/{clue_id}/decide", response_model=ClueDetail,
                 summary="问责决定: decide the sanction for a disposed clue",
                 description="An unfounded finding (查无实据) allows only no_action (不予问责); 422 otherwise. "
                             "District level only (403).")
    async def decide(clue_id: str, body: DecideIn, principal: Principal = Depends(discipline)) -> ClueDetail:
        require_district(principal, "问责决定")
        return detail(await service.decide(clue_id, sanction=body.sanction, person=body.person, reason=body.reason,
                                           actor=principal.actor))

    @router.post("/clues/{clue_id}/publish", response_model=ClueDetail,
                 summary="通报曝光: publish the decided case (问责一批、通报曝光一批)",
                 description="The summary is public: it must not contain the person's name (422). A no_action "
                             "decision is not published (409). District level only (403).")
    async def publish(clue_id: str, body: PublishIn, principal: Principal = Depends(discipline)) -> ClueDetail:
        require_district(principal, "通报曝光")
        return detail(await service.publish(clue_id, summary=body.summary, actor=principal.actor))

    @router.post("/clues/{clue_id}/reopen", response_model=ClueDetail,
                 summary="启用: take a clue held as 暂存待查 up again, back to its assignee for 处置",
                 description="Only a clue disposed of as 暂存待查 (shelved) is reopened (409 otherwise); the reason "
                             "is required (422). It gets a new 办理时限 in 工作日 and its escalation timer. A new "
                             "referral of the same matter reopens a held clue by itself. District level only (403).")
    async def reopen(clue_id: str, body: ReopenIn, principal: Principal = Depends(discipline)) -> ClueDetail:
        if principal.level != DisciplineLevel.DISTRICT:
            raise deny(principal, "启用 (reopening a 暂存待查 clue) is done by the 区纪委监委 (level district)")
        return detail(await service.reopen(clue_id, reason=body.reason, due_working_days=body.due_working_days,
                                           actor=principal.actor))

    return router
