"""The audit service's HTTP API: case timelines, the event log, chain verification.

Read by 审计 (auditor), 指挥部/督查室 (command), 运维 (admin) and 纪委 (discipline); a 责任单位
operator, the 曝光台 and outside systems get 403. The 纪委's confidential events (every
discipline event but the published outcome) are shown to the discipline role only: for
anyone else they are left out of timelines, the event log and the case list as if they had
never been recorded — no placeholder, no count — so not even a clue's existence shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from sanwei_audit.adapters.repository import AuditRepository
from sanwei_audit.domain.chain import Verification
from sanwei_audit.domain.timeline import CaseOverview, TimelineStep, step_of
from sanwei_audit.service import AuditService
from sanwei_kit.auth import Principal, Role, require
from sanwei_kit.inputs import Offset, Seq
from sanwei_kit.runtime import Runtime

READERS = (Role.AUDITOR, Role.COMMAND, Role.ADMIN, Role.DISCIPLINE)


def public_only(principal: Principal) -> bool:
    """Whether the caller must not see the 纪委's confidential events."""
    return not principal.has(Role.DISCIPLINE)


class StepView(BaseModel):
    seq: int = Field(description="Position on the hash chain (recording order).")
    time: datetime = Field(description="When it happened, on the emitting service's clock.")
    type: str
    track: str = Field(description="清单 / 进展 / 督导检查 / 媒体监督 / 纪委问责")
    source: str
    subject: str
    actor: str | None = Field(description="Who acted: the person (token name), 'system' for timers, or a service.")
    actor_role: str | None = Field(default=None, description="The actor's roles when a person acted, e.g. command.")
    actor_unit: str | None = Field(default=None, description="The actor's unit when a person acted.")
    who: str | None = Field(default=None, description="The actor with role and unit in one line, e.g. "
                                                      "张科长（指挥部/督查室·区政府督查室）.")
    event_id: str
    causation_id: str | None = Field(description="Id of the event that caused this one.")
    caused_by_seq: int | None = Field(default=None, description="Seq of that event, if it is in this case.")
    case_id: str
    summary: str = Field(description="One line in Chinese saying what happened.")
    confidential: bool = Field(description="纪委 events naming people and findings; never for public feeds.")
    data: dict[str, Any]
    hash: str

    @classmethod
    def of(cls, step: TimelineStep) -> StepView:
        return cls(
            seq=step.seq, time=step.time, type=step.type, track=step.track, source=step.source,
            subject=step.subject, actor=step.actor, actor_role=step.actor_role, actor_unit=step.actor_unit,
            who=step.who, event_id=step.event_id, causation_id=step.causation_id,
            caused_by_seq=step.caused_by_seq, case_id=step.case_id, summary=step.summary,
            confidential=step.confidential, data=step.data, hash=step.hash,
        )


class CaseView(BaseModel):
    case_id: str
    first_time: datetime
    last_time: datetime
    events: int
    last_type: str

    @classmethod
    def of(cls, case: CaseOverview) -> CaseView:
        return cls(case_id=case.case_id, first_time=case.first_time, last_time=case.last_time,
                   events=case.events, last_type=case.last_type)


class VerificationView(BaseModel):
    ok: bool
    checked: int = Field(description="Rows recomputed.")
    first_broken_seq: int | None = Field(description="The first row whose link or content does not verify.")
    reason: str | None
    head_seq: int = Field(description="The chain head's seq; publish it with head_hash to anchor the chain.")
    head_hash: str

    @classmethod
    def of(cls, result: Verification) -> VerificationView:
        return cls(ok=result.ok, checked=result.checked, first_broken_seq=result.first_broken_seq,
                   reason=result.reason, head_seq=result.head_seq, head_hash=result.head_hash)


def build_router(runtime: Runtime, service: AuditService) -> APIRouter:
    router = APIRouter(tags=["audit"])
    reader = require(*READERS)

    @router.get("/cases/{case_id}/timeline", response_model=list[StepView],
                summary="Every step of one case across all tracks, in order (全链条追溯)",
                description="Ordered by event time, then by recording order. Each step names its track, "
                            "its cause (causation_id, and caused_by_seq when the cause is in this case) and "
                            "a one-line summary, and who acted (actor, role, unit). 404 when no event of the "
                            "case was recorded. Confidential 纪委 events are shown to the discipline role only.")
    async def case_timeline(case_id: str, principal: Principal = Depends(reader)) -> list[StepView]:
        steps = await service.timeline(case_id, public_only=public_only(principal))
        return [StepView.of(step) for step in steps]

    @router.get("/cases", response_model=list[CaseView],
                summary="Cases with their first and last event time, event count and last event type")
    async def list_cases(
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Offset = 0,
        principal: Principal = Depends(reader),
    ) -> list[CaseView]:
        async with runtime.db.connect() as conn:
            found = await AuditRepository(conn).cases(limit=limit, offset=offset, public_only=public_only(principal))
        return [CaseView.of(c) for c in found]

    @router.get("/events", response_model=list[StepView],
                summary="Recorded events in chain order; page with after_seq = the last seq you got")
    async def list_events(
        event_type: Annotated[str | None, Query(alias="type", description="e.g. sanwei.registry.task.v1.overdue")] = None,
        case_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        after_seq: Seq = 0,
        principal: Principal = Depends(reader),
    ) -> list[StepView]:
        async with runtime.db.connect() as conn:
            found = await AuditRepository(conn).find(event_type=event_type, case_id=case_id, after_seq=after_seq,
                                                     limit=limit, public_only=public_only(principal))
        return [StepView.of(step_of(e)) for e in found]

    @router.get("/audit/verify", response_model=VerificationView,
                summary="Recompute the hash chain; report the first row that does not verify",
                description="Names the first broken row's seq and why; no event content.",
                dependencies=[Depends(reader)])
    async def verify() -> VerificationView:
        return VerificationView.of(await service.verify())

    return router
