"""Media use cases: each runs in one transaction and records the events it causes.

The HTTP API, the event handlers and the timers call these; none of them touches the
domain or the database directly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_contracts.events.media import (
    ExposurePublished,
    ExposureRectified,
    ExposureRepublished,
    ExposureUnrectified,
    ReferralRequested,
)
from sanwei_kit import timers
from sanwei_kit.calendar import WorkingDayDeadline, local_date
from sanwei_kit.errors import Conflict
from sanwei_kit.runtime import Runtime
from sanwei_kit.timers import DueTimer
from sanwei_media.adapters.repository import ExposureRepository
from sanwei_media.domain.model import Exposure, ExposureStatus, Origin, PublishedOutcome

EXPOSURE_DUE = "exposure.due"
REFERRAL_ORIGIN = "exposure_unrectified"


@dataclass
class NewExposure:
    unit: str
    title: str
    problem: str
    working_days: int | None = None
    origin: Origin = Origin.MEDIA
    origin_ref: str | None = None


class MediaService:
    def __init__(self, runtime: Runtime, *, deadline_working_days: int) -> None:
        self.rt = runtime
        self.deadline_working_days = deadline_working_days

    def _deadline(self, working_days: int | None) -> WorkingDayDeadline:
        start = local_date(self.rt.clock.now())
        return WorkingDayDeadline.after_working_days(self.rt.calendar, start, working_days or self.deadline_working_days)

    async def _publish(self, conn: AsyncConnection, exposure: Exposure, *, cause: Envelope[Any] | None,
                       actor: str | None) -> None:
        repo = ExposureRepository(conn)
        await repo.add(exposure)
        await timers.schedule(conn, self.rt.tables, kind=EXPOSURE_DUE, key=exposure.id,
                              due_at=exposure.deadline.due_at)
        await self.rt.events.emit(
            conn,
            ExposurePublished(
                exposure_id=exposure.id,
                unit=exposure.unit,
                title=exposure.title,
                problem=exposure.problem,
                origin=exposure.origin.value,
                origin_ref=exposure.origin_ref,
                published_at=exposure.published_at,
                deadline=exposure.deadline.day,
                due_at=exposure.deadline.due_at,
            ),
            subject=f"exposure/{exposure.id}",
            case_id=exposure.case_id,
            cause=cause,
            actor=actor,
        )

    async def expose(self, new: NewExposure, *, actor: str | None = None) -> Exposure:
        """曝光台: the media exposes a problem it found itself (or a citizen's clue); a new case."""
        exposure_id = str(uuid.uuid4())
        exposure = Exposure.publish(
            id=exposure_id,
            case_id=exposure_id,
            unit=new.unit,
            title=new.title,
            problem=new.problem,
            origin=new.origin,
            origin_ref=new.origin_ref,
            deadline=self._deadline(new.working_days),
            now=self.rt.clock.now(),
            by=actor,
        )
        async with self.rt.db.transaction() as conn:
            if new.origin_ref:
                existing = await ExposureRepository(conn).find_by_origin(new.origin, new.origin_ref)
                if existing:
                    raise Conflict(f"{new.origin.value} {new.origin_ref} is already exposed as {existing.id}")
            await self._publish(conn, exposure, cause=None, actor=actor)
        self.rt.committed()
        return exposure

    async def on_notice_unrectified(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """A 督办通知书 ran out unrectified: expose it on the 曝光台, once per notice."""
        notice = event.data
        repo = ExposureRepository(conn)
        if await repo.find_by_origin(Origin.NOTICE_UNRECTIFIED, notice.number):
            return
        exposure = Exposure.publish(
            id=str(uuid.uuid4()),
            case_id=event.case_id,
            unit=notice.unit,
            title=f"{notice.number}督办问题逾期未整改",
            problem=notice.problem,
            origin=Origin.NOTICE_UNRECTIFIED,
            origin_ref=notice.number,
            deadline=self._deadline(None),
            now=self.rt.clock.now(),
        )
        await self._publish(conn, exposure, cause=event, actor=None)

    async def follow_up(self, exposure_id: str, *, note: str, by: str) -> Exposure:
        """整改进行时: record what the press found when following the rectification."""
        async with self.rt.db.transaction() as conn:
            repo = ExposureRepository(conn)
            exposure = await repo.get(exposure_id)
            exposure.follow_up(note, by, self.rt.clock.now())
            await repo.save(exposure)
        self.rt.committed()
        return exposure

    async def confirm_rectification(self, exposure_id: str, *, confirmed_by: str, note: str) -> Exposure:
        """The media confirmed the problem is rectified: the timer is cancelled, the case closes."""
        async with self.rt.db.transaction() as conn:
            repo = ExposureRepository(conn)
            exposure = await repo.get(exposure_id)
            exposure.rectify(confirmed_by, note, self.rt.clock.now())
            await repo.save(exposure)
            await timers.cancel(conn, self.rt.tables, kind=EXPOSURE_DUE, key=exposure.id)
            assert exposure.rectified_at is not None
            await self.rt.events.emit(
                conn,
                ExposureRectified(exposure_id=exposure.id, confirmed_by=exposure.rectified_by or confirmed_by,
                                  note=exposure.rectification_note or note, rectified_at=exposure.rectified_at),
                subject=f"exposure/{exposure.id}",
                case_id=exposure.case_id,
                actor=exposure.rectified_by,
            )
        self.rt.committed()
        return exposure

    async def on_exposure_due(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """The deadline passed: unrectified → 再次媒体曝光 → 移交纪检监察机关, together and once."""
        repo = ExposureRepository(conn)
        exposure = await repo.get(timer.key)
        now = self.rt.clock.now()
        if not exposure.mark_unrectified(now):
            return
        subject = f"exposure/{exposure.id}"
        unrectified = await self.rt.events.emit(
            conn,
            ExposureUnrectified(exposure_id=exposure.id, unit=exposure.unit, deadline=exposure.deadline.day,
                                detected_at=now),
            subject=subject,
            case_id=exposure.case_id,
        )
        history = exposure.republish(now)
        await self.rt.events.emit(
            conn,
            ExposureRepublished(exposure_id=exposure.id, unit=exposure.unit, title=exposure.title,
                                round=exposure.round, history=history, republished_at=now),
            subject=subject,
            case_id=exposure.case_id,
            cause=unrectified,
            actor="system",
        )
        referral_id = str(uuid.uuid4())
        evidence = exposure.refer(referral_id, now)
        await self.rt.events.emit(
            conn,
            ReferralRequested(
                referral_id=referral_id,
                origin=REFERRAL_ORIGIN,
                origin_ref=exposure.id,
                unit=exposure.unit,
                problem=exposure.problem,
                reason=f"媒体曝光问题逾期未整改（整改时限{exposure.deadline.day.isoformat()}），"
                       "再次媒体曝光，同时移交纪检监察机关问责处理",
                evidence=evidence,
                requested_at=now,
            ),
            subject=f"referral/{referral_id}",
            case_id=exposure.case_id,
            cause=unrectified,
            actor="system",
        )
        await repo.save(exposure)

    async def on_outcome_published(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """The 纪委 published an outcome: show it on the 曝光台 (问责一批、通报曝光一批)."""
        data = event.data
        repo = ExposureRepository(conn)
        in_case = await repo.find_by_case(event.case_id)
        exposure = next((e for e in in_case if e.status is ExposureStatus.REFERRED), in_case[0] if in_case else None)
        outcome = PublishedOutcome(
            decision_id=data.decision_id,
            clue_id=data.clue_id,
            case_id=event.case_id,
            unit=data.unit,
            sanction=data.sanction,
            summary=data.summary,
            published_at=data.published_at,
            exposure_id=exposure.id if exposure else None,
        )
        if not await repo.add_outcome(outcome):
            return
        if exposure:
            exposure.record_outcome(outcome)
            await repo.save(exposure)
