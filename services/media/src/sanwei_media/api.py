"""The media service's HTTP API: the 曝光台, “整改进行时” follow-up, rectification, the public feed.

Who may call what: the 曝光台 editors (media) triage clues and expose, follow up, confirm;
the 12345 system (integration) pushes tickets; every office reads exposures, a 责任单位
operator only its own units'; clues hold citizens' personal data: media, auditor, admin
only. Public (no token): the 随手拍 intake and the feed (JSON and HTML), redacted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from sanwei_contracts.events.common import Sanction
from sanwei_kit.auth import Principal, Role, require, require_unit
from sanwei_kit.inputs import Offset
from sanwei_kit.runtime import Runtime
from sanwei_kit.text import normalize_unit
from sanwei_media.adapters.clues import Callback, ClueRepository
from sanwei_media.adapters.repository import ExposureRepository
from sanwei_media.domain.clues import CallbackStatus, Channel, CitizenClue, ClueStatus
from sanwei_media.domain.model import (
    EntryKind,
    Exposure,
    ExposureStatus,
    FeedItem,
    FeedKind,
    HistoryEntry,
    Origin,
    PublishedOutcome,
    feed_of,
)
from sanwei_media.domain.redaction import redact
from sanwei_media.feed_html import render_feed
from sanwei_media.service import MediaService, NewClue, NewExposure


class ExposureIn(BaseModel):
    unit: str = Field(min_length=1, max_length=200, description="责任单位 whose problem is exposed")
    title: str = Field(min_length=1, max_length=500, examples=["经十路沿线占道经营问题突出"])
    problem: str = Field(min_length=1, max_length=5000, description="What the reporters found")
    working_days: int | None = Field(default=None, ge=1, le=365,
                                     description="整改时限 in 工作日 (default: the service's setting)")
    origin: Literal["media", "citizen_clue"] = Field(
        default="media", description="media: the editors' own finding; citizen_clue: 随手拍 / 12345 线索")
    origin_ref: str | None = Field(default=None, max_length=200,
                                   description="e.g. the 12345 ticket number; a ref is exposed only once")
    evidence: list[str] = Field(default_factory=list, max_length=50,
                                description="References to the photos, videos, documents the exposure rests on")


class FollowUpIn(BaseModel):
    note: str = Field(min_length=1, max_length=5000, description="What the follow-up found (整改进行时)")
    by: str = Field(min_length=1, max_length=200,
                    description="The reporter or outlet credited with the follow-up (domain data, e.g. 济南时报); "
                                "who recorded it is the authenticated caller, recorded as the actor")
    evidence: list[str] = Field(default_factory=list, max_length=50,
                                description="References to what the reporters photographed or filmed")


class RectificationIn(BaseModel):
    confirmed_by: str = Field(min_length=1, max_length=200,
                              description="The column or reporters that confirmed the rectification (domain data, "
                                          "e.g. 济南日报 整改进行时); who recorded it is the authenticated caller")
    note: str = Field(min_length=1, max_length=5000, description="What was seen rectified")


class HistoryEntryView(BaseModel):
    at: datetime
    kind: EntryKind
    text: str
    by: str | None
    evidence: list[str]
    line: str

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryView:
        return cls(at=entry.at, kind=entry.kind, text=entry.text, by=entry.by, evidence=list(entry.evidence),
                   line=entry.line())


class OutcomeView(BaseModel):
    decision_id: str
    clue_id: str
    unit: str
    sanction: Sanction
    sanction_label: str
    summary: str
    published_at: datetime
    exposure_id: str | None

    @classmethod
    def of(cls, o: PublishedOutcome) -> OutcomeView:
        return cls(decision_id=o.decision_id, clue_id=o.clue_id, unit=o.unit, sanction=o.sanction,
                   sanction_label=o.sanction.label, summary=o.summary, published_at=o.published_at,
                   exposure_id=o.exposure_id)


class ExposureView(BaseModel):
    id: str
    case_id: str
    unit: str
    title: str
    problem: str
    origin: Origin
    origin_ref: str | None
    status: ExposureStatus
    round: int
    published_at: datetime
    deadline: date
    due_at: datetime
    working_days: int
    rectified_at: datetime | None
    rectified_by: str | None
    unrectified_at: datetime | None
    republished_at: datetime | None
    referral_id: str | None
    evidence: list[str]

    @classmethod
    def of(cls, e: Exposure) -> ExposureView:
        return cls(
            id=e.id, case_id=e.case_id, unit=e.unit, title=e.title, problem=e.problem, origin=e.origin,
            origin_ref=e.origin_ref, status=e.status, round=e.round, published_at=e.published_at,
            deadline=e.deadline.day, due_at=e.deadline.due_at, working_days=e.deadline.counted_days,
            rectified_at=e.rectified_at, rectified_by=e.rectified_by, unrectified_at=e.unrectified_at,
            republished_at=e.republished_at, referral_id=e.referral_id, evidence=list(e.evidence),
        )


class ExposureDetail(ExposureView):
    history: list[HistoryEntryView]
    outcomes: list[OutcomeView] = Field(default_factory=list)


class FeedItemView(BaseModel):
    kind: FeedKind
    at: datetime
    unit: str
    headline: str
    text: str
    exposure_id: str | None
    decision_id: str | None
    sanction: Sanction | None
    sanction_label: str | None

    @classmethod
    def of(cls, item: FeedItem) -> FeedItemView:
        return cls(kind=item.kind, at=item.at, unit=item.unit, headline=item.headline, text=item.text,
                   exposure_id=item.exposure_id, decision_id=item.decision_id, sanction=item.sanction,
                   sanction_label=item.sanction.label if item.sanction else None)


def redacted_item(item: FeedItem, names: list[str]) -> FeedItem:
    return replace(item, headline=redact(item.headline, names), text=redact(item.text, names))


class SkippedDayView(BaseModel):
    day: date
    reason: str


class DeadlineExplanationView(BaseModel):
    exposure_id: str
    start: date
    working_days: int
    deadline: date
    due_at: datetime
    counted: list[date]
    skipped: list[SkippedDayView]
    makeup_days: list[date]
    provisional_years: list[int]


class SnapshotIn(BaseModel):
    # Public intake: a field of the editors' (channel, ticket, status, callback URL …) is refused, not ignored.
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000, description="随手拍: what the citizen saw",
                      examples=["泉城路公交站旁垃圾桶满溢，无人清理"])
    location: str | None = Field(default=None, max_length=500, examples=["历下区泉城路与县西巷路口"])
    photos: list[str] = Field(default_factory=list, max_length=20,
                              description="References to the photos (URLs or upload ids), not the files")
    reporter_name: str | None = Field(default=None, max_length=100, description="Confidential: never published")
    reporter_phone: str | None = Field(default=None, max_length=50, description="Confidential: never published")


class HotlineTicketIn(BaseModel):
    ticket_id: str = Field(min_length=1, max_length=200, description="The 12345 system's own 工单编号; "
                           "pushing the same ticket again returns the clue it made (200)",
                           examples=["12345-20261008-000123"])
    time: datetime = Field(description="When the hotline took the call (with a UTC offset)")
    text: str = Field(min_length=1, max_length=10000, description="工单内容")
    location: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, max_length=200, examples=["市容环境"])
    attachments: list[str] = Field(default_factory=list, max_length=50, description="Attachment references")
    caller_name: str | None = Field(default=None, max_length=100, description="Confidential: never published")
    caller_phone: str | None = Field(default=None, max_length=50, description="Confidential: never published")
    callback_url: AnyHttpUrl | None = Field(
        default=None, description="Where to POST what became of this ticket (default: the service's setting)")


class ClueExposeIn(BaseModel):
    unit: str = Field(min_length=1, max_length=200, description="责任单位 whose problem is exposed")
    title: str = Field(min_length=1, max_length=500)
    problem: str = Field(min_length=1, max_length=5000, description="The public text: what was verified")
    working_days: int | None = Field(default=None, ge=1, le=365, description="整改时限 in 工作日")
    evidence: list[str] = Field(default_factory=list, max_length=50,
                                description="Evidence references (default: the clue's photos / attachments)")


class ClueReviewIn(BaseModel):
    note: str | None = Field(default=None, max_length=2000, description="What the hotline is told (default: 已受理，正在核实)")


class ClueDismissIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why it is not taken up (told to the hotline)",
                        examples=["经核实，该问题已于10月7日整改完毕"])


class ClueReceipt(BaseModel):
    """What the sender of a clue gets back."""

    id: str
    channel: Channel
    ticket_id: str | None
    status: ClueStatus
    received_at: datetime


class CallbackView(BaseModel):
    id: str
    url: str
    status: CallbackStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    gave_up_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, c: Callback) -> CallbackView:
        return cls(id=c.id, url=c.url, status=c.status, attempts=c.attempts, created_at=c.created_at,
                   next_attempt_at=c.next_attempt_at, delivered_at=c.delivered_at, gave_up_at=c.gave_up_at,
                   last_error=c.last_error)


class ClueView(BaseModel):
    """A clue as the editors see it (not public: it holds the sender's name and phone)."""

    id: str
    channel: Channel
    ticket_id: str | None
    text: str
    location: str | None
    photos: list[str]
    category: str | None
    reported_at: datetime | None
    received_at: datetime
    reporter_name: str | None
    reporter_phone: str | None
    callback_url: str | None
    status: ClueStatus
    exposure_id: str | None
    dismissal_reason: str | None
    triaged_at: datetime | None
    triaged_by: str | None

    @classmethod
    def of(cls, c: CitizenClue) -> ClueView:
        return cls(id=c.id, channel=c.channel, ticket_id=c.external_id, text=c.text, location=c.location,
                   photos=list(c.photos), category=c.category, reported_at=c.reported_at, received_at=c.received_at,
                   reporter_name=c.reporter_name, reporter_phone=c.reporter_phone, callback_url=c.callback_url,
                   status=c.status, exposure_id=c.exposure_id, dismissal_reason=c.dismissal_reason,
                   triaged_at=c.triaged_at, triaged_by=c.triaged_by)


class ClueDetail(ClueView):
    callbacks: list[CallbackView]


def _receipt(c: CitizenClue) -> ClueReceipt:
    return ClueReceipt(id=c.id, channel=c.channel, ticket_id=c.external_id, status=c.status, received_at=c.received_at)


# The offices that read the 曝光台's exposures (a unit operator reads only its own units').
STAFF_READERS = (Role.COMMAND, Role.MEDIA, Role.DISCIPLINE, Role.AUDITOR, Role.ADMIN)
PUBLIC = "Public: no token needed."


def build_router(runtime: Runtime, service: MediaService, feed_limit: int) -> APIRouter:
    router = APIRouter(tags=["media"])
    editor = require(Role.MEDIA)
    exposure_reader = require(*STAFF_READERS, Role.UNIT)
    # Clues hold the citizen's name and phone.
    clue_reader = Depends(require(Role.MEDIA, Role.AUDITOR, Role.ADMIN))

    async def readable_exposure(exposure_id: str, principal: Principal) -> Exposure:
        async with runtime.db.connect() as conn:
            exposure = await ExposureRepository(conn).get(exposure_id)
        require_unit(principal, exposure.unit, what=f"exposure {exposure.id} (曝光台)")
        return exposure

    async def public_feed(n: int) -> list[FeedItem]:
        """The feed with personal data masked: phone and ID numbers, and the names of the citizens behind it."""
        async with runtime.db.connect() as conn:
            repo = ExposureRepository(conn)
            items = feed_of(await repo.latest_for_feed(n), await repo.outcomes(limit=n), n)
            names = await ClueRepository(conn).private_names_of_exposures(
                sorted({i.exposure_id for i in items if i.exposure_id}))
        return [redacted_item(i, names) for i in items]

    async def detail(exposure: Exposure) -> ExposureDetail:
        async with runtime.db.connect() as conn:
            outcomes = await ExposureRepository(conn).outcomes(case_id=exposure.case_id)
        return ExposureDetail(**ExposureView.of(exposure).model_dump(),
                              history=[HistoryEntryView.of(h) for h in exposure.history],
                              outcomes=[OutcomeView.of(o) for o in outcomes])

    @router.post("/exposures", status_code=201, response_model=ExposureDetail,
                 summary="曝光台: expose a problem the media found (or a citizen's clue)",
                 description="Publishes the problem on the 曝光台 as a new case with a 整改时限 in 工作日. If it "
                             "is not rectified in time it is exposed again (再次媒体曝光) and at the same time "
                             "referred to the discipline commission (移交纪检监察机关问责处理). 曝光台 editors only.")
    async def expose(body: ExposureIn, principal: Principal = Depends(editor)) -> ExposureDetail:
        exposure = await service.expose(
            NewExposure(unit=body.unit, title=body.title, problem=body.problem, working_days=body.working_days,
                        origin=Origin(body.origin), origin_ref=body.origin_ref, evidence=tuple(body.evidence)),
            actor=principal.actor,
        )
        return await detail(exposure)

    @router.get("/exposures", response_model=list[ExposureView],
                summary="Exposures on the 曝光台, filtered by 责任单位 or status, newest first",
                description="Every office reads all exposures; a 责任单位 operator only those of its units.")
    async def list_exposures(
        unit: Annotated[str | None, Query(description="责任单位")] = None,
        status: ExposureStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Offset = 0,
        principal: Principal = Depends(exposure_reader),
    ) -> list[ExposureView]:
        # Exposures keep the unit as written (a notice's is normalized): match both spellings.
        scope = ({*principal.units, *(normalize_unit(u) for u in principal.units)} if principal.unit_scoped
                 else None)
        async with runtime.db.connect() as conn:
            found = await ExposureRepository(conn).find(unit=unit, units=scope, status=status, limit=limit,
                                                        offset=offset)
        return [ExposureView.of(e) for e in found]

    @router.get("/exposures/{exposure_id}", response_model=ExposureDetail,
                summary="One exposure with its history (曝光, 整改进行时, 再次曝光, 移交纪委) and published outcomes",
                description="Every office; a 责任单位 operator only an exposure of one of its units.")
    async def get_exposure(exposure_id: str, principal: Principal = Depends(exposure_reader)) -> ExposureDetail:
        return await detail(await readable_exposure(exposure_id, principal))

    @router.get("/exposures/{exposure_id}/deadline/explain", response_model=DeadlineExplanationView,
                summary="How an exposure's 整改时限 was computed: days counted, holidays and 调休 skipped",
                description="Readable by whoever may read the exposure.")
    async def explain_deadline(exposure_id: str,
                               principal: Principal = Depends(exposure_reader)) -> DeadlineExplanationView:
        exposure = await readable_exposure(exposure_id, principal)
        x = exposure.deadline.explain(runtime.calendar)
        return DeadlineExplanationView(
            exposure_id=exposure.id, start=x.start, working_days=x.working_days, deadline=x.deadline,
            due_at=x.due_at, counted=x.counted, skipped=[SkippedDayView(day=s.day, reason=s.reason) for s in x.skipped],
            makeup_days=x.makeup_days, provisional_years=x.provisional_years,
        )

    @router.post("/exposures/{exposure_id}/follow-ups", status_code=201, response_model=ExposureDetail,
                 summary="整改进行时: record a follow-up on the rectification of an exposed problem",
                 description="曝光台 editors only.", dependencies=[Depends(editor)])
    async def follow_up(exposure_id: str, body: FollowUpIn) -> ExposureDetail:
        return await detail(await service.follow_up(exposure_id, note=body.note, by=body.by,
                                                    evidence=tuple(body.evidence)))

    @router.post("/exposures/{exposure_id}/rectification", response_model=ExposureDetail,
                 summary="整改到位: confirm the exposed problem is rectified; the case closes",
                 description="Refused (409) once the exposure was rectified, or after its deadline passed and it "
                             "was re-exposed and referred to the discipline commission. 曝光台 editors only.",
                 dependencies=[Depends(editor)])
    async def confirm_rectification(exposure_id: str, body: RectificationIn) -> ExposureDetail:
        exposure = await service.confirm_rectification(exposure_id, confirmed_by=body.confirmed_by, note=body.note)
        return await detail(exposure)

    @router.get("/outcomes", response_model=list[OutcomeView],
                summary="Outcomes published by the 纪委 (问责一批、通报曝光一批), newest first",
                description="Every office; the public reads them, redacted, on the feed.",
                dependencies=[Depends(require(*STAFF_READERS))])
    async def list_outcomes(limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[OutcomeView]:
        async with runtime.db.connect() as conn:
            outcomes = await ExposureRepository(conn).outcomes(limit=limit)
        return [OutcomeView.of(o).model_copy(update={"summary": redact(o.summary)}) for o in outcomes]

    @router.get("/feed", response_model=list[FeedItemView],
                summary="The public 曝光台 feed: exposures, re-exposures, rectifications and published outcomes",
                description=f"Newest first. {PUBLIC} It holds only what was exposed or published, never the "
                            "discipline commission's confidential clues; personal data is redacted.")
    async def feed(limit: Annotated[int | None, Query(ge=1, le=1000)] = None) -> list[FeedItemView]:
        return [FeedItemView.of(i) for i in await public_feed(limit or feed_limit)]

    @router.get("/feed.html", response_class=HTMLResponse,
                summary="The public 曝光台 feed as a plain HTML page (personal data redacted)",
                description=PUBLIC)
    async def feed_html(limit: Annotated[int | None, Query(ge=1, le=1000)] = None) -> HTMLResponse:
        return HTMLResponse(render_feed(await public_feed(limit or feed_limit)))

    @router.post("/clues", status_code=201, response_model=ClueReceipt,
                 summary="随手拍: a citizen sends a clue (text, location, photo references)",
                 description=f"{PUBLIC} The sender's name and phone are optional and confidential: the editors "
                             "may call back, nothing public ever shows them. Only the fields below are accepted "
                             "(at most 20 photo references, 5000 characters of text); any other field is refused.")
    async def send_clue(body: SnapshotIn) -> ClueReceipt:
        clue, _ = await service.receive_clue(NewClue(
            text=body.text, location=body.location, photos=tuple(body.photos), reporter_name=body.reporter_name,
            reporter_phone=body.reporter_phone))
        return _receipt(clue)

    @router.post("/hotline/tickets", status_code=201, response_model=ClueReceipt,
                 summary="12345 热线: the hotline system pushes a ticket (工单) as a clue",
                 description="Idempotent by ticket_id: the first push answers 201 with the new clue, a replay of "
                             "the same ticket 200 with the same clue. What becomes of the ticket (exposed, "
                             "dismissed, rectified, referred) is POSTed to its callback_url. The hotline system's "
                             "account (integration) or the 曝光台 editors.",
                 dependencies=[Depends(require(Role.INTEGRATION, Role.MEDIA))])
    async def push_ticket(body: HotlineTicketIn, response: Response) -> ClueReceipt:
        clue, created = await service.receive_clue(NewClue(
            text=body.text, channel=Channel.HOTLINE, location=body.location, photos=tuple(body.attachments),
            ticket_id=body.ticket_id, reported_at=body.time, category=body.category,
            reporter_name=body.caller_name, reporter_phone=body.caller_phone,
            callback_url=str(body.callback_url) if body.callback_url else None))
        if not created:
            response.status_code = 200
        return _receipt(clue)

    @router.get("/clues", response_model=list[ClueView],
                summary="Citizen clues (随手拍, 12345) for the editors' triage, newest first (not public)",
                description="They hold citizens' names and phones: 曝光台 editors, auditor and admin only.",
                dependencies=[clue_reader])
    async def list_clues(
        status: ClueStatus | None = None,
        channel: Channel | None = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Offset = 0,
    ) -> list[ClueView]:
        async with runtime.db.connect() as conn:
            found = await ClueRepository(conn).find(status=status, channel=channel, limit=limit, offset=offset)
        return [ClueView.of(c) for c in found]

    async def clue_detail(clue_id: str) -> ClueDetail:
        async with runtime.db.connect() as conn:
            repo = ClueRepository(conn)
            clue = await repo.get(clue_id)
            callbacks = await repo.callbacks(clue_id)
        return ClueDetail(**ClueView.of(clue).model_dump(), callbacks=[CallbackView.of(c) for c in callbacks])

    @router.get("/clues/{clue_id}", response_model=ClueDetail,
                summary="One citizen clue with its triage and the status callbacks sent to the hotline (not public)",
                description="曝光台 editors, auditor and admin only.", dependencies=[clue_reader])
    async def get_clue(clue_id: str) -> ClueDetail:
        return await clue_detail(clue_id)

    @router.post("/clues/{clue_id}/expose", status_code=201, response_model=ExposureDetail,
                 summary="Triage: expose the clue on the 曝光台 (a new case with a 整改时限)",
                 description="409 if the clue was already triaged. 曝光台 editors only; the caller is recorded "
                             "as the editor who triaged it.")
    async def expose_clue(clue_id: str, body: ClueExposeIn, principal: Principal = Depends(editor)) -> ExposureDetail:
        exposure = await service.expose_clue(
            clue_id, NewExposure(unit=body.unit, title=body.title, problem=body.problem,
                                 working_days=body.working_days, evidence=tuple(body.evidence)),
            actor=principal.actor)
        return await detail(exposure)

    @router.post("/clues/{clue_id}/review", response_model=ClueDetail,
                 summary="受理: take the clue up for checking (the hotline is told: triaged)",
                 description="409 unless the clue is newly received. 曝光台 editors only.")
    async def review_clue(clue_id: str, body: ClueReviewIn, principal: Principal = Depends(editor)) -> ClueDetail:
        await service.review_clue(clue_id, actor=principal.actor, note=body.note)
        return await clue_detail(clue_id)

    @router.post("/clues/{clue_id}/dismiss", response_model=ClueDetail,
                 summary="Triage: dismiss the clue with a reason (不予采用)",
                 description="409 if the clue was already triaged. 曝光台 editors only.")
    async def dismiss_clue(clue_id: str, body: ClueDismissIn, principal: Principal = Depends(editor)) -> ClueDetail:
        await service.dismiss_clue(clue_id, reason=body.reason, actor=principal.actor)
        return await clue_detail(clue_id)

    return router
