"""Media use cases: each runs in one transaction and records the events it causes.

The HTTP API, the event handlers and the timers call these; none of them touches the
domain or the database directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
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
from sanwei_contracts.ids import new_id
from sanwei_kit import timers
from sanwei_kit.calendar import WorkingDayDeadline, local_date
from sanwei_kit.db import once_more_on_race
from sanwei_kit.errors import Conflict
from sanwei_kit.events import Emission
from sanwei_kit.runtime import Runtime
from sanwei_kit.timers import DueTimer
from sanwei_media.adapters.clues import ClueRepository
from sanwei_media.adapters.repository import ExposureRepository
from sanwei_media.domain.clues import CallbackStatus, Channel, CitizenClue, callback_payload
from sanwei_media.domain.model import Exposure, ExposureStatus, Origin, PublishedOutcome
from sanwei_media.domain.redaction import redact

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
    evidence: tuple[str, ...] = ()


@dataclass
class NewClue:
    """A 随手拍 from a citizen, or a 12345 ticket pushed by the hotline system (channel=hotline)."""

    text: str
    channel: Channel = Channel.SNAPSHOT
    location: str | None = None
    photos: tuple[str, ...] = ()
    ticket_id: str | None = None
    reported_at: datetime | None = None
    category: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    callback_url: str | None = None


class MediaService:
    def __init__(self, runtime: Runtime, *, deadline_working_days: int,
                 hotline_callback_url: str | None = None) -> None:
        self.rt = runtime
        self.deadline_working_days = deadline_working_days
        self.hotline_callback_url = hotline_callback_url

    def _deadline(self, working_days: int | None) -> WorkingDayDeadline:
        start = local_date(self.rt.clock.now())
        return WorkingDayDeadline.after_working_days(self.rt.calendar, start, working_days or self.deadline_working_days)

    async def _publish(self, conn: AsyncConnection, exposure: Exposure, *, cause: Envelope[Any] | None,
                       actor: str | None) -> None:
        await self._publish_many(conn, [(exposure, cause)], actor=actor)

    async def _publish_many(self, conn: AsyncConnection, published: list[tuple[Exposure, Envelope[Any] | None]], *,
                            actor: str | None) -> None:
        """Store new exposures (each with the event that caused it), arm their 整改时限, announce them."""
        await ExposureRepository(conn).add_many([exposure for exposure, _ in published])
        await timers.schedule_many(conn, self.rt.tables, kind=EXPOSURE_DUE,
                                   due={exposure.id: exposure.deadline.due_at for exposure, _ in published})
        await self.rt.events.emit_many(conn, [
            Emission(
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
                    evidence=list(exposure.evidence),
                ),
                subject=f"exposure/{exposure.id}", case_id=exposure.case_id, cause=cause, actor=actor,
            )
            for exposure, cause in published
        ])

    def _new_exposure(self, new: NewExposure, actor: str | None, private_names: list[str] | None = None) -> Exposure:
        """An exposure as it will be public: phone and ID numbers and the citizen's name masked at the source."""
        exposure_id = str(new_id())
        names = private_names or []
        return Exposure.publish(
            id=exposure_id,
            case_id=exposure_id,
            unit=new.unit,
            title=redact(new.title, names),
            problem=redact(new.problem, names),
            origin=new.origin,
            origin_ref=new.origin_ref,
            deadline=self._deadline(new.working_days),
            now=self.rt.clock.now(),
            by=actor,
            evidence=new.evidence,
        )

    async def expose(self, new: NewExposure, *, actor: str | None = None) -> Exposure:
        """曝光台: the media exposes a problem it found itself (or a citizen's clue); a new case.

        A blank ref is no ref: only a real one (a ticket number) is exposed once. Two editors
        exposing the same ref at once: the unique index stops the second, whose retry answers 409.
        """
        new.origin_ref = (new.origin_ref or "").strip() or None
        exposure = self._new_exposure(new, actor)

        async def attempt() -> None:
            async with self.rt.db.transaction() as conn:
                if new.origin_ref:
                    existing = await ExposureRepository(conn).find_by_origin(new.origin, new.origin_ref)
                    if existing:
                        raise Conflict(f"{new.origin.value} {new.origin_ref} is already exposed as {existing.id}")
                await self._publish(conn, exposure, cause=None, actor=actor)

        await once_more_on_race(attempt)
        self.rt.committed()
        return exposure

    async def _tell_hotline(self, conn: AsyncConnection, clue: CitizenClue, status: CallbackStatus,
                            note: str) -> None:
        """Queue a status callback to the hotline system, in the transaction of the change it reports."""
        if not clue.callback_url:
            return
        now = self.rt.clock.now()
        await ClueRepository(conn).add_callback(clue, clue.callback_url, status,
                                                callback_payload(clue, status, now, note), now)

    async def _private_names(self, conn: AsyncConnection, exposure: Exposure) -> list[str]:
        """The names of the citizens behind an exposure (masked in every text written about it)."""
        if exposure.origin is not Origin.CITIZEN_CLUE:
            return []
        clue = await ClueRepository(conn).by_exposure(exposure.id)
        return clue.private_names() if clue else []

    async def _tell_hotline_about_exposure(self, conn: AsyncConnection, exposure: Exposure, status: CallbackStatus,
                                           note: str) -> None:
        if exposure.origin is not Origin.CITIZEN_CLUE:
            return
        clue = await ClueRepository(conn).by_exposure(exposure.id)
        if clue is not None:
            await self._tell_hotline(conn, clue, status, note)

    async def receive_clue(self, new: NewClue) -> tuple[CitizenClue, bool]:
        """随手拍 or a 12345 ticket: register the clue. A ticket pushed again is the clue it made (False)."""
        async def attempt() -> tuple[CitizenClue, bool]:
            async with self.rt.db.transaction() as conn:
                repo = ClueRepository(conn)
                if new.channel is Channel.HOTLINE and new.ticket_id:
                    existing = await repo.by_ticket(new.ticket_id.strip())
                    if existing is not None:
                        return existing, False
                callback_url = new.callback_url
                if new.channel is Channel.HOTLINE and not callback_url:
                    callback_url = self.hotline_callback_url
                clue = CitizenClue.receive(
                    id=str(new_id()), channel=new.channel, text=new.text, now=self.rt.clock.now(),
                    location=new.location, photos=new.photos,
                    external_id=new.ticket_id.strip() if new.ticket_id else None, reported_at=new.reported_at,
                    category=new.category, reporter_name=new.reporter_name, reporter_phone=new.reporter_phone,
                    callback_url=callback_url,
                )
                await repo.add(clue)
                await self._emit_received(conn, clue)
                return clue, True

        clue, created = await once_more_on_race(attempt)
        if created:
            self.rt.committed()
        return clue, created

    async def _emit_received(self, conn: AsyncConnection, clue: CitizenClue) -> None:
        """The clue's own case begins: what, where and which ticket, never who sent it (masked at the source)."""
        names = clue.private_names()
        await self.rt.events.emit(
            conn,
            CitizenClueReceived(
                clue_id=clue.id, channel=clue.channel.value, ticket_id=clue.external_id,
                text=redact(clue.text, names), location=redact(clue.location, names) if clue.location else None,
                category=clue.category, photos=list(clue.photos), reported_at=clue.reported_at,
                received_at=clue.received_at,
            ),
            subject=f"clue/{clue.id}", case_id=clue.id,
            # An authenticated caller (the hotline system's account) is recorded instead; a 随手拍 is anonymous.
            actor="12345热线" if clue.channel is Channel.HOTLINE else "市民随手拍",
        )

    async def expose_clue(self, clue_id: str, new: NewExposure, *, actor: str) -> Exposure:
        """Triage: the clue is taken up and exposed on the 曝光台 (a new case); the hotline is told."""
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            new.origin, new.origin_ref = Origin.CITIZEN_CLUE, clue.id
            new.evidence = new.evidence or clue.photos  # the citizen's photos, unless the editor chose others
            exposure = self._new_exposure(new, actor, clue.private_names())
            clue.expose(exposure.id, actor, self.rt.clock.now())
            await repo.save(clue)
            await self._publish(conn, exposure, cause=None, actor=actor)
            await self._tell_hotline(conn, clue, CallbackStatus.EXPOSED,
                                     f"已在曝光台曝光，限{exposure.deadline.day.isoformat()}前整改")
        self.rt.committed()
        return exposure

    async def review_clue(self, clue_id: str, *, actor: str, note: str | None = None) -> CitizenClue:
        """受理: an editor takes the clue up for checking; the hotline is told it was triaged."""
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            clue.review(actor, self.rt.clock.now())
            await repo.save(clue)
            await self._tell_hotline(conn, clue, CallbackStatus.TRIAGED, (note or "").strip() or "已受理，正在核实")
        return clue

    async def dismiss_clue(self, clue_id: str, *, reason: str, actor: str) -> CitizenClue:
        """Triage: the clue is not taken up, with the reason; the hotline is told."""
        async with self.rt.db.transaction() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            clue.dismiss(reason, actor, self.rt.clock.now())
            await repo.save(clue)
            await self._tell_hotline(conn, clue, CallbackStatus.DISMISSED, clue.dismissal_reason or reason)
            assert clue.dismissal_reason is not None and clue.triaged_at is not None
            await self.rt.events.emit(
                conn,
                CitizenClueDismissed(
                    clue_id=clue.id, channel=clue.channel.value, ticket_id=clue.external_id,
                    reason=redact(clue.dismissal_reason, clue.private_names()), dismissed_by=clue.triaged_by or actor,
                    dismissed_at=clue.triaged_at,
                ),
                subject=f"clue/{clue.id}", case_id=clue.id, actor=actor,
            )
        self.rt.committed()
        return clue

    async def on_notice_unrectified(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """A 督办通知书 ran out unrectified: expose it on the 曝光台, once per notice."""
        await self.on_notices_unrectified(conn, [event])

    async def on_notices_unrectified(self, conn: AsyncConnection, events: list[Envelope[Any]]) -> None:
        """`on_notice_unrectified` for notices that ran out together: one lookup of those already exposed,
        the exposures and their timers stored in bulk, in the order the events came."""
        exposed = await ExposureRepository(conn).origin_refs_exposed(
            Origin.NOTICE_UNRECTIFIED, [event.data.number for event in events])
        now = self.rt.clock.now()
        deadline = self._deadline(None)
        published: list[tuple[Exposure, Envelope[Any] | None]] = []
        for event in events:
            notice = event.data
            if notice.number in exposed:
                continue
            exposed.add(notice.number)
            exposure = Exposure.publish(
                id=str(new_id()),
                case_id=event.case_id,
                unit=notice.unit,
                title=f"{notice.number}督办问题逾期未整改",
                problem=notice.problem,
                origin=Origin.NOTICE_UNRECTIFIED,
                origin_ref=notice.number,
                deadline=deadline,
                now=now,
            )
            published.append((exposure, event))
        if published:
            await self._publish_many(conn, published, actor=None)

    async def follow_up(self, exposure_id: str, *, note: str, by: str, evidence: tuple[str, ...] = ()) -> Exposure:
        """整改进行时: record what the press found when following the rectification, with its evidence."""
        async with self.rt.db.transaction() as conn:
            repo = ExposureRepository(conn)
            exposure = await repo.get(exposure_id)
            entry = exposure.follow_up(redact(note, await self._private_names(conn, exposure)), by,
                                       self.rt.clock.now(), evidence)
            await repo.save(exposure)
            await self.rt.events.emit(
                conn,
                ExposureFollowedUp(exposure_id=exposure.id, unit=exposure.unit,
                                   note=entry.text.removeprefix("整改进行时："), by=entry.by or by,
                                   evidence=list(entry.evidence), followed_up_at=entry.at),
                subject=f"exposure/{exposure.id}", case_id=exposure.case_id, actor=entry.by,
            )
        self.rt.committed()
        return exposure

    async def confirm_rectification(self, exposure_id: str, *, confirmed_by: str, note: str) -> Exposure:
        """The media confirmed the problem is rectified: the timer is cancelled, the case closes."""
        async with self.rt.db.transaction() as conn:
            repo = ExposureRepository(conn)
            exposure = await repo.get(exposure_id)
            exposure.rectify(confirmed_by, redact(note, await self._private_names(conn, exposure)),
                             self.rt.clock.now())
            await repo.save(exposure)
            await timers.cancel(conn, self.rt.tables, kind=EXPOSURE_DUE, key=exposure.id)
            await self._tell_hotline_about_exposure(conn, exposure, CallbackStatus.RECTIFIED,
                                                    f"整改到位：{exposure.rectification_note or note}")
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
        await self.on_exposures_due(conn, [timer])

    async def on_exposures_due(self, conn: AsyncConnection, due: list[DueTimer]) -> None:
        """`on_exposure_due` for deadlines that passed together: the exposures read in one query,
        their events stored in two inserts (unrectified first: it causes the other two), saved in bulk."""
        repo = ExposureRepository(conn)
        now = self.rt.clock.now()
        missed = [exposure for exposure in await repo.get_many([timer.key for timer in due])
                  if exposure.mark_unrectified(now)]
        if not missed:
            return
        unrectified = await self.rt.events.emit_many(conn, [
            Emission(ExposureUnrectified(exposure_id=exposure.id, unit=exposure.unit, deadline=exposure.deadline.day,
                                         detected_at=now),
                     subject=f"exposure/{exposure.id}", case_id=exposure.case_id)
            for exposure in missed
        ])
        await self.rt.events.emit_many(conn, [
            emission for exposure, cause in zip(missed, unrectified, strict=True)
            for emission in self._republish_and_refer(exposure, cause, now)
        ])
        await repo.save_many(missed)
        for exposure in missed:
            await self._tell_hotline_about_exposure(conn, exposure, CallbackStatus.REFERRED,
                                                    "逾期未整改，已再次曝光并移交纪检监察机关问责处理")

    @staticmethod
    def _republish_and_refer(exposure: Exposure, unrectified: Envelope[Any], now: datetime) -> list[Emission]:
        """再次媒体曝光 and 移交纪检监察机关 of an exposure found unrectified (`unrectified`: that event)."""
        history = exposure.republish(now)
        referral_id = str(new_id())
        evidence = exposure.refer(referral_id, now)
        return [
            Emission(
                ExposureRepublished(exposure_id=exposure.id, unit=exposure.unit, title=exposure.title,
                                    round=exposure.round, history=history, republished_at=now),
                subject=f"exposure/{exposure.id}", case_id=exposure.case_id, cause=unrectified, actor="system",
            ),
            Emission(
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
                subject=f"referral/{referral_id}", case_id=exposure.case_id, cause=unrectified, actor="system",
            ),
        ]

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
            # The same decision told to another case of a merged matter: shown once on the feed, and on
            # each exposure of those cases.
            if exposure is None or exposure.has_outcome(outcome):
                return
            await repo.attach_outcome(outcome.decision_id, exposure.id)
        if exposure:
            exposure.record_outcome(outcome)
            await repo.save(exposure)
