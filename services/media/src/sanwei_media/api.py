"""The media service's HTTP API: the 曝光台, “整改进行时” follow-up, rectification, the public feed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from sanwei_contracts.events.common import Sanction
from sanwei_kit.runtime import Runtime
from sanwei_media.adapters.repository import ExposureRepository
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
from sanwei_media.service import MediaService, NewExposure


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
    by: str | None = Field(default=None, max_length=200, description="The editor or outlet, e.g. 济南日报")


class FollowUpIn(BaseModel):
    note: str = Field(min_length=1, max_length=5000, description="What the follow-up found (整改进行时)")
    by: str = Field(min_length=1, max_length=200, description="Reporter or outlet")


class RectificationIn(BaseModel):
    confirmed_by: str = Field(min_length=1, max_length=200, description="Who confirmed the rectification")
    note: str = Field(min_length=1, max_length=5000, description="What was seen rectified")


class HistoryEntryView(BaseModel):
    at: datetime
    kind: EntryKind
    text: str
    by: str | None
    line: str

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryView:
        return cls(at=entry.at, kind=entry.kind, text=entry.text, by=entry.by, line=entry.line())


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

    @classmethod
    def of(cls, e: Exposure) -> ExposureView:
        return cls(
            id=e.id, case_id=e.case_id, unit=e.unit, title=e.title, problem=e.problem, origin=e.origin,
            origin_ref=e.origin_ref, status=e.status, round=e.round, published_at=e.published_at,
            deadline=e.deadline.day, due_at=e.deadline.due_at, working_days=e.deadline.working_days,
            rectified_at=e.rectified_at, rectified_by=e.rectified_by, unrectified_at=e.unrectified_at,
            republished_at=e.republished_at, referral_id=e.referral_id,
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


def build_router(runtime: Runtime, service: MediaService, feed_limit: int) -> APIRouter:
    router = APIRouter(tags=["media"])

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
                             "referred to the discipline commission (移交纪检监察机关问责处理).")
    async def expose(body: ExposureIn) -> ExposureDetail:
        exposure = await service.expose(
            NewExposure(unit=body.unit, title=body.title, problem=body.problem, working_days=body.working_days,
                        origin=Origin(body.origin), origin_ref=body.origin_ref),
            actor=body.by,
        )
        return await detail(exposure)

    @router.get("/exposures", response_model=list[ExposureView],
                summary="Exposures on the 曝光台, filtered by 责任单位 or status, newest first")
    async def list_exposures(
        unit: Annotated[str | None, Query(description="责任单位")] = None,
        status: ExposureStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[ExposureView]:
        async with runtime.db.connect() as conn:
            found = await ExposureRepository(conn).find(unit=unit, status=status, limit=limit, offset=offset)
        return [ExposureView.of(e) for e in found]

    @router.get("/exposures/{exposure_id}", response_model=ExposureDetail,
                summary="One exposure with its history (曝光, 整改进行时, 再次曝光, 移交纪委) and published outcomes")
    async def get_exposure(exposure_id: str) -> ExposureDetail:
        async with runtime.db.connect() as conn:
            exposure = await ExposureRepository(conn).get(exposure_id)
        return await detail(exposure)

    @router.get("/exposures/{exposure_id}/deadline/explain", response_model=DeadlineExplanationView,
                summary="How an exposure's 整改时限 was computed: days counted, holidays and 调休 skipped")
    async def explain_deadline(exposure_id: str) -> DeadlineExplanationView:
        async with runtime.db.connect() as conn:
            exposure = await ExposureRepository(conn).get(exposure_id)
        x = exposure.deadline.explain(runtime.calendar)
        return DeadlineExplanationView(
            exposure_id=exposure.id, start=x.start, working_days=x.working_days, deadline=x.deadline,
            due_at=x.due_at, counted=x.counted, skipped=[SkippedDayView(day=s.day, reason=s.reason) for s in x.skipped],
            makeup_days=x.makeup_days, provisional_years=x.provisional_years,
        )

    @router.post("/exposures/{exposure_id}/follow-ups", status_code=201, response_model=ExposureDetail,
                 summary="整改进行时: record a follow-up on the rectification of an exposed problem")
    async def follow_up(exposure_id: str, body: FollowUpIn) -> ExposureDetail:
        return await detail(await service.follow_up(exposure_id, note=body.note, by=body.by))

    @router.post("/exposures/{exposure_id}/rectification", response_model=ExposureDetail,
                 summary="整改到位: confirm the exposed problem is rectified; the case closes",
                 description="Refused (409) once the exposure was rectified, or after its deadline passed and it "
                             "was re-exposed and referred to the discipline commission.")
    async def confirm_rectification(exposure_id: str, body: RectificationIn) -> ExposureDetail:
        exposure = await service.confirm_rectification(exposure_id, confirmed_by=body.confirmed_by, note=body.note)
        return await detail(exposure)

    @router.get("/outcomes", response_model=list[OutcomeView],
                summary="Outcomes published by the 纪委 (问责一批、通报曝光一批), newest first")
    async def list_outcomes(limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[OutcomeView]:
        async with runtime.db.connect() as conn:
            return [OutcomeView.of(o) for o in await ExposureRepository(conn).outcomes(limit=limit)]

    @router.get("/feed", response_model=list[FeedItemView],
                summary="The public 曝光台 feed: exposures, re-exposures, rectifications and published outcomes",
                description="Newest first. Public: it holds only what was exposed or published, never the "
                            "discipline commission's confidential clues.")
    async def feed(limit: Annotated[int | None, Query(ge=1, le=1000)] = None) -> list[FeedItemView]:
        n = limit or feed_limit
        async with runtime.db.connect() as conn:
            repo = ExposureRepository(conn)
            items = feed_of(await repo.latest_for_feed(n), await repo.outcomes(limit=n), n)
        return [FeedItemView.of(i) for i in items]

    return router
