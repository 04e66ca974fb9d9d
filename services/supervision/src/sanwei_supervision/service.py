"""Supervision use cases: each runs in one transaction and records the events it causes.

The HTTP API, the event handlers and the timers call these; none of them touches the
domain or the database directly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import Envelope
from sanwei_contracts.events.common import NoticeLevel
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
from sanwei_contracts.ids import new_id
from sanwei_kit import timers
from sanwei_kit.calendar import WorkingDayDeadline, local_date
from sanwei_kit.db import once_more_on_race
from sanwei_kit.errors import Conflict, Invalid, NotFound
from sanwei_kit.events import Emission
from sanwei_kit.numbering import YearlyNumber, numbering_year
from sanwei_kit.runtime import Runtime
from sanwei_kit.text import normalize_text, normalize_unit
from sanwei_kit.timers import DueTimer
from sanwei_supervision.adapters.draw_repository import DrawRepository
from sanwei_supervision.adapters.inspection_repository import InspectionRepository
from sanwei_supervision.adapters.repository import NoticeRepository
from sanwei_supervision.adapters.scoring_repository import ScoringRepository
from sanwei_supervision.domain.draws import Draw, new_seed
from sanwei_supervision.domain.inspections import CheckItem, Finding, Inspection, InspectionKind
from sanwei_supervision.domain.model import (
    Notice,
    NoticeStatus,
    NoticeTrigger,
    RectificationReport,
    escalate,
    escalation_trigger,
    overdue_problem,
)
from sanwei_supervision.domain.scoring import (
    Deduction,
    Outcome,
    Period,
    PeriodKind,
    Ranking,
    RankingRules,
    Scheme,
    publish_ranking,
    referral_problem,
    referral_reason,
)
from sanwei_supervision.settings import SupervisionSettings

log = structlog.get_logger(__name__)

NOTICE_DUE = "notice.due"

class SupervisionService:
    def __init__(self, runtime: Runtime, settings: SupervisionSettings) -> None:
        self.rt = runtime
        self.settings = settings

    def level_working_days(self, level: NoticeLevel) -> int:
        """整改时限 of a notice of this 三色 level."""
        return self.settings.notice_level_working_days.get(level, self.settings.notice_deadline_working_days)

    def _working_days(self, working_days: int | None, level: NoticeLevel) -> int:
        days = self.level_working_days(level) if working_days is None else working_days
        if not 1 <= days <= self.settings.notice_max_working_days:
            raise Invalid(f"working_days must be between 1 and {self.settings.notice_max_working_days}",
                          field="working_days")
        return days

    async def _issue(
        self,
        conn: AsyncConnection,
        *,
        case_id: str | None,
        trigger: NoticeTrigger,
        unit: str,
        problem: str,
        requirement: str | None,
        working_days: int,
        level: NoticeLevel,
        task_id: str | None = None,
        cause: Envelope[Any] | None = None,
        issued_by: str | None = None,
        addressee: str | None = None,
        escalated_from: str | None = None,
        repeat_of: str | None = None,
    ) -> Notice:
        repo = NoticeRepository(conn)
        now = self.rt.clock.now()
        year = numbering_year(now)
        number = YearlyNumber.next(year, await repo.last_seq(year), self.settings.notice_number_prefix)
        notice = self._new_notice(
            number, now, case_id=case_id, trigger=trigger, unit=unit, problem=problem, requirement=requirement,
            working_days=working_days, level=level, task_id=task_id, cause=cause, issued_by=issued_by,
            addressee=addressee, escalated_from=escalated_from, repeat_of=repeat_of,
        )
        await repo.record_number(number)
        await repo.add(notice)
        await timers.schedule(conn, self.rt.tables, kind=NOTICE_DUE, key=notice.id, due_at=notice.deadline.due_at)
        await self.rt.events.emit_many(conn, [self._issued(notice, cause=cause, issued_by=issued_by)])
        return notice

    def _new_notice(self, number: YearlyNumber, now: datetime, *, case_id: str | None, cause: Envelope[Any] | None,
                    addressee: str | None, level: NoticeLevel, **fields: Any) -> Notice:
        notice_id = str(new_id())
        return Notice.issue(
            notice_id=notice_id, number=number, case_id=case_id or notice_id, level=level,
            calendar=self.rt.calendar, now=now, cause_event_id=str(cause.id) if cause else None,
            addressee=addressee or self.settings.notice_level_addressees.get(level), **fields,
        )

    @staticmethod
    def _issued(notice: Notice, *, cause: Envelope[Any] | None, issued_by: str | None) -> Emission:
        """The notice.issued event of a notice just stored."""
        return Emission(
            NoticeIssued(
                notice_id=notice.id, number=str(notice.number), task_id=notice.task_id, unit=notice.unit,
                problem=notice.problem, requirement=notice.requirement, level=notice.level,
                issued_at=notice.issued_at, deadline=notice.deadline.day, due_at=notice.deadline.due_at,
                working_days=notice.deadline.counted_days, addressee=notice.addressee,
                escalated_from=notice.escalated_from, repeat_of=notice.repeat_of,
            ),
            subject=f"notice/{notice.id}", case_id=notice.case_id, cause=cause, actor=issued_by,
        )

    async def on_task_overdue(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """A task is overdue: the 指挥部 issues a 督办通知书 to its lead unit, once per task."""
        await self.on_tasks_overdue(conn, [event])

    async def on_tasks_overdue(self, conn: AsyncConnection, events: list[Envelope[Any]]) -> None:
        """`on_task_overdue` for overdue tasks that waited together (a quarter-end burst): one lookup of
        the notices already issued, the year's numbers taken as one block, the notices and their
        整改时限 timers stored in bulk. Numbers follow the order the events came."""
        repo = NoticeRepository(conn)
        already = await repo.tasks_with_notice([e.data.task_id for e in events], NoticeTrigger.TASK_OVERDUE)
        fresh = []
        for event in events:
            if event.data.task_id in already:
                log.info("notice.already_issued", task_id=event.data.task_id)
                continue
            already.add(event.data.task_id)
            fresh.append(event)
        if not fresh:
            return
        now = self.rt.clock.now()
        year = numbering_year(now)
        last_seq = await repo.last_seq(year)
        level = self.settings.notice_level
        working_days = self.level_working_days(level)
        notices = [
            self._new_notice(
                YearlyNumber.next(year, last_seq + i, self.settings.notice_number_prefix), now,
                case_id=event.data.task_id, trigger=NoticeTrigger.TASK_OVERDUE, unit=event.data.lead_unit,
                problem=overdue_problem(event.data.title, event.data.deadline), requirement=None,
                working_days=working_days, level=level, task_id=event.data.task_id, cause=event, addressee=None,
            )
            for i, event in enumerate(fresh)
        ]
        await repo.record_number(notices[-1].number)
        await repo.add_many(notices)
        await timers.schedule_many(conn, self.rt.tables, kind=NOTICE_DUE,
                                   due={notice.id: notice.deadline.due_at for notice in notices})
        await self.rt.events.emit_many(conn, [self._issued(notice, cause=event, issued_by=None)
                                              for notice, event in zip(notices, fresh, strict=True)])

    async def issue_notice(
        self,
        *,
        unit: str,
        problem: str,
        requirement: str | None,
        working_days: int | None,
        level: NoticeLevel | None,
        issued_by: str | None,
        addressee: str | None = None,
    ) -> Notice:
        """The 指挥部 issues a notice for a problem its inspections found: a new case.

        A repeated finding (same unit, same problem as an earlier notice) starts one 三色
        level above that notice.
        """
        requested = level or self.settings.notice_level

        async def attempt() -> Notice:
            async with self.rt.db.transaction() as conn:
                earlier = await NoticeRepository(conn).latest_for_problem(normalize_unit(unit),
                                                                         normalize_text(problem))
                start = earlier.repeated_level(requested) if earlier else requested
                notice = await self._issue(
                    conn, case_id=None, trigger=NoticeTrigger.DIRECT, unit=unit, problem=problem,
                    requirement=requirement, working_days=self._working_days(working_days, start), level=start,
                    issued_by=issued_by, addressee=addressee, repeat_of=earlier.id if earlier else None,
                )
            self.rt.committed()
            return notice

        return await once_more_on_race(attempt)

    async def submit_rectification(
        self, notice_id: str, *, unit: str, text: str, evidence: list[str]
    ) -> tuple[RectificationReport, bool]:
        """The addressee answers with a 整改报告; returns the report and whether it is new."""
        if len(text) > self.settings.rectification_max_chars:
            raise Invalid(f"text is longer than {self.settings.rectification_max_chars} characters", field="text")
        if len(evidence) > self.settings.rectification_max_evidence:
            raise Invalid(f"at most {self.settings.rectification_max_evidence} evidence items", field="evidence")

        async def attempt() -> tuple[RectificationReport, bool]:
            async with self.rt.db.transaction() as conn:
                repo = NoticeRepository(conn)
                notice = await repo.get(notice_id)
                report, created = notice.submit(
                    report_id=str(new_id()), unit=unit, text=text, evidence=evidence,
                    now=self.rt.clock.now(), reports=await repo.reports_of(notice.id),
                )
                if not created:
                    return report, False
                await repo.add_report(report)
                await self.rt.events.emit(
                    conn,
                    RectificationSubmitted(
                        notice_id=notice.id, report_id=report.id, unit=report.unit, text=report.text,
                        evidence=report.evidence, submitted_at=report.submitted_at,
                    ),
                    subject=f"notice/{notice.id}",
                    case_id=notice.case_id,
                    actor=report.unit,
                )
            self.rt.committed()
            return report, True

        return await once_more_on_race(attempt)

    async def accept_rectification(self, notice_id: str, report_id: str, *, accepted_by: str) -> Notice:
        """The 指挥部 accepts the report: the notice is rectified, its timer cancelled, the case closes."""
        async with self.rt.db.transaction() as conn:
            repo = NoticeRepository(conn)
            notice = await repo.get(notice_id)
            report = await repo.get_report(notice_id, report_id)
            now = self.rt.clock.now()
            notice.accept(report, by=accepted_by, now=now)
            notice.schedule_recheck(WorkingDayDeadline.after_working_days(
                self.rt.calendar, local_date(now), self.settings.recheck_working_days).day)
            await repo.save_report(report)
            await repo.save(notice)
            await timers.cancel(conn, self.rt.tables, kind=NOTICE_DUE, key=notice.id)
            assert notice.rectified_by is not None
            await self.rt.events.emit(
                conn,
                NoticeRectified(notice_id=notice.id, number=str(notice.number), report_id=report.id,
                                accepted_by=notice.rectified_by, rectified_at=now),
                subject=f"notice/{notice.id}",
                case_id=notice.case_id,
                actor=notice.rectified_by,
            )
        self.rt.committed()
        return notice

    async def return_rectification(
        self, notice_id: str, report_id: str, *, returned_by: str, reason: str
    ) -> RectificationReport:
        """The 指挥部 sends the report back with a reason; the deadline keeps running."""
        async with self.rt.db.transaction() as conn:
            repo = NoticeRepository(conn)
            notice = await repo.get(notice_id)
            report = await repo.get_report(notice_id, report_id)
            now = self.rt.clock.now()
            now_unrectified = notice.return_report(report, by=returned_by, reason=reason, now=now,
                                                   media_from=self.settings.notice_media_from_level)
            await repo.save_report(report)
            assert report.reviewed_by is not None and report.return_reason is not None
            await self.rt.events.emit(
                conn,
                RectificationReturned(notice_id=notice.id, report_id=report.id, reason=report.return_reason,
                                      returned_by=report.reviewed_by, returned_at=now),
                subject=f"notice/{notice.id}",
                case_id=notice.case_id,
                actor=report.reviewed_by,
            )
            if now_unrectified:
                await self._missed(conn, repo, [notice], now)
        self.rt.committed()
        return report

    async def recheck_notice(self, notice_id: str, *, by: str, found_again: bool, note: str) -> Notice:
        """回头看: re-check a rectified notice; a problem found again reopens it one level up."""
        async with self.rt.db.transaction() as conn:
            repo = NoticeRepository(conn)
            notice = await repo.get(notice_id)
            now = self.rt.clock.now()
            reopened = notice.recheck(by=by, found_again=found_again, note=note, now=now,
                                      calendar=self.rt.calendar,
                                      working_days=self.level_working_days(escalate(notice.level)))
            await repo.save(notice)
            if reopened:
                await timers.schedule(conn, self.rt.tables, kind=NOTICE_DUE, key=notice.id,
                                      due_at=notice.deadline.due_at)
                assert notice.rechecked_by is not None and notice.recheck_note is not None
                await self.rt.events.emit(
                    conn,
                    NoticeReopened(
                        notice_id=notice.id, number=str(notice.number), task_id=notice.task_id, unit=notice.unit,
                        problem=notice.problem, level=notice.level, finding=notice.recheck_note,
                        rechecked_by=notice.rechecked_by, deadline=notice.deadline.day,
                        due_at=notice.deadline.due_at, working_days=notice.deadline.counted_days, reopened_at=now,
                    ),
                    subject=f"notice/{notice.id}",
                    case_id=notice.case_id,
                    actor=notice.rechecked_by,
                )
        self.rt.committed()
        return notice

    async def on_notice_due(self, conn: AsyncConnection, timer: DueTimer) -> None:
        """The 整改时限 passed: a notice with no accepted report is unrectified, exactly once."""
        await self.on_notices_due(conn, [timer])

    async def on_notices_due(self, conn: AsyncConnection, due: list[DueTimer]) -> None:
        """`on_notice_due` for 整改时限 that passed together: the notices and their reports read in
        two queries, the unrectified ones saved and announced in one statement each. A notice below
        the media level is escalated (三色督办) as it would be alone."""
        repo = NoticeRepository(conn)
        now = self.rt.clock.now()
        found = await repo.get_many([timer.key for timer in due])
        reports = await repo.reports_of_many([notice.id for notice in found])
        missed = [notice for notice in found
                  if notice.mark_unrectified(now, pending=reports[notice.id],
                                             media_from=self.settings.notice_media_from_level)]
        await self._missed(conn, repo, missed, now)

    async def _missed(self, conn: AsyncConnection, repo: NoticeRepository, missed: list[Notice],
                      now: datetime) -> None:
        """Notices whose 整改时限 ran out: the escalated ones get the next level's notice, the others
        are recorded unrectified (saved and announced together)."""
        for notice in missed:
            if notice.status is NoticeStatus.ESCALATED:
                await self._escalate(conn, repo, notice, now)
        unrectified = [notice for notice in missed if notice.status is not NoticeStatus.ESCALATED]
        await self._record_unrectified(conn, repo, unrectified, now)

    async def _escalate(self, conn: AsyncConnection, repo: NoticeRepository, notice: Notice, now: datetime) -> None:
        """三色督办: the notice ran out below the media level; issue the next level's notice."""
        level = escalate(notice.level)
        successor = await self._issue(
            conn, case_id=notice.case_id, trigger=escalation_trigger(level), unit=notice.unit,
            problem=notice.problem, requirement=None, working_days=self.level_working_days(level), level=level,
            task_id=notice.task_id, escalated_from=notice.id,
        )
        notice.escalated_to = successor.id
        await repo.save(notice)
        await self.rt.events.emit(
            conn,
            NoticeEscalated(
                notice_id=notice.id, number=str(notice.number), task_id=notice.task_id, unit=notice.unit,
                problem=notice.problem, from_level=notice.level, to_level=successor.level,
                new_notice_id=successor.id, new_number=str(successor.number), addressee=successor.addressee,
                deadline=successor.deadline.day, due_at=successor.deadline.due_at, escalated_at=now,
            ),
            subject=f"notice/{notice.id}",
            case_id=notice.case_id,
        )

    async def _record_unrectified(
        self, conn: AsyncConnection, repo: NoticeRepository, unrectified: list[Notice], now: datetime
    ) -> None:
        await repo.save_many(unrectified)
        await self.rt.events.emit_many(conn, [
            Emission(
                NoticeUnrectified(
                    notice_id=notice.id, number=str(notice.number), task_id=notice.task_id, unit=notice.unit,
                    problem=notice.problem, level=notice.level, deadline=notice.deadline.day, detected_at=now,
                ),
                subject=f"notice/{notice.id}", case_id=notice.case_id,
            )
            for notice in unrectified
        ])

    # --- 模拟测评: 日记分, 周通报 / 月小结, consequences ---------------------------------------
    def ranking_rules(self) -> RankingRules:
        s = self.settings
        return RankingRules(top_k=s.ranking_top_k, bottom_k=s.ranking_bottom_k,
                            admonish_streak=s.ranking_admonish_streak, referral_streak=s.ranking_referral_streak)

    async def create_scheme(self, *, name: str, units: list[str], base_score: float | None,
                            created_by: str | None) -> Scheme:
        """The 指挥部 sets up a 考核: the units it ranks and their 满分."""
        if len(units) > self.settings.scheme_max_units:
            raise Invalid(f"at most {self.settings.scheme_max_units} units per 考核", field="units")
        scheme = Scheme.create(scheme_id=str(new_id()), name=name, units=units,
                               base_score=self.settings.score_base if base_score is None else base_score,
                               now=self.rt.clock.now(), created_by=created_by)
        async with self.rt.db.transaction() as conn:
            repo = ScoringRepository(conn)
            if await repo.scheme_named(scheme.name) is not None:
                raise Conflict(f"a 考核 named {scheme.name} exists already")
            await repo.add_scheme(scheme)
        return scheme

    async def record_deduction(self, scheme_id: str, *, unit: str, day: date | None, item: str, points: float,
                               reason: str, evidence: list[str], recorded_by: str | None) -> Deduction:
        """日记分: one 扣分 item against a unit on a day (today by default)."""
        if len(evidence) > self.settings.rectification_max_evidence:
            raise Invalid(f"at most {self.settings.rectification_max_evidence} evidence items", field="evidence")
        async with self.rt.db.transaction() as conn:
            repo = ScoringRepository(conn)
            scheme = await repo.get_scheme(scheme_id)
            now = self.rt.clock.now()
            today = local_date(now)
            deduction = Deduction.record(
                deduction_id=str(new_id()), scheme=scheme, unit=unit, day=day or today, item=item,
                points=points, reason=reason, evidence=evidence, today=today, now=now, recorded_by=recorded_by,
                published=await repo.published_periods(scheme.id),
            )
            await repo.add_deduction(deduction)
        return deduction

    async def publish_ranking(self, scheme_id: str, *, kind: PeriodKind, period: str | None,
                              published_by: str | None) -> Ranking:
        """周通报 / 月小结: rank a period that has ended (the last one by default), once.

        Records 表扬 / 通报批评 / 诫勉谈话 and, for a unit bottom K in M consecutive periods,
        a referral to discipline, all in one transaction with their events.
        """
        async def attempt() -> Ranking:
            async with self.rt.db.transaction() as conn:
                ranking = await self._publish_ranking(conn, scheme_id, kind=kind, period=period,
                                                      published_by=published_by)
            self.rt.committed()
            return ranking

        return await once_more_on_race(attempt)

    async def _publish_ranking(self, conn: AsyncConnection, scheme_id: str, *, kind: PeriodKind,
                               period: str | None, published_by: str | None) -> Ranking:
        repo = ScoringRepository(conn)
        scheme = await repo.get_scheme(scheme_id)
        now = self.rt.clock.now()
        today = local_date(now)
        target = Period.parse(kind, period) if period else Period.containing(kind, today).previous()
        if (existing := await repo.ranking_for(scheme.id, target)) is not None:
            raise Conflict(f"the {kind.value} {target.key} of {scheme.name} was published at "
                           f"{existing.published_at.isoformat()}; a published ranking is final")
        ranking = publish_ranking(
            ranking_id=str(new_id()), scheme=scheme, period=target,
            deductions=await repo.deductions(scheme.id, target.start, target.end),
            previous=await repo.ranking_for(scheme.id, target.previous()), rules=self.ranking_rules(),
            today=today, now=now, published_by=published_by,
        )
        await repo.add_ranking(ranking)
        await self.rt.events.emit(
            conn,
            RankingPublished(
                ranking_id=ranking.id, scheme_id=scheme.id, scheme=scheme.name, period_kind=kind.value,
                period=target.key, period_start=target.start, period_end=target.end,
                entries=[RankingEntry(unit=line.unit, rank=line.rank, score=float(line.score),
                                      deducted=float(line.deducted), deductions=line.deductions,
                                      outcome=line.outcome.value, bottom_streak=line.bottom_streak)
                         for line in ranking.lines],
                praised=ranking.units_with(Outcome.PRAISED), criticized=ranking.units_with(Outcome.CRITICIZED),
                admonished=ranking.units_with(Outcome.ADMONISHED), referred=ranking.referred,
                published_at=now,
            ),
            subject=f"ranking/{ranking.id}",
            case_id=ranking.id,
            actor=published_by,
        )
        for unit in ranking.referred:
            await self._refer(conn, repo, scheme, ranking, unit, published_by)
        return ranking

    async def _refer(self, conn: AsyncConnection, repo: ScoringRepository, scheme: Scheme, ranking: Ranking,
                     unit: str, published_by: str | None) -> None:
        """Hand a unit bottom K in M consecutive periods to discipline: once per streak."""
        streak = ranking.streak_of(unit)
        periods: list[Period] = []
        evidence: list[str] = []
        current: Ranking | None = ranking
        for _ in range(streak):  # every period of a streak was published, or the streak would be shorter
            assert current is not None
            line = next(line for line in current.lines if line.unit == unit)
            periods.insert(0, current.period)
            evidence.insert(0, f"{scheme.name} {current.period.key} 第{line.rank}名（{line.score}分）")
            if len(periods) < streak:
                current = await repo.ranking_for(scheme.id, current.period.previous())
        referral_id = str(new_id())
        now = self.rt.clock.now()
        await repo.add_referral(referral_id=referral_id, scheme_id=scheme.id, kind=ranking.period.kind, unit=unit,
                                periods=periods, ranking_id=ranking.id, requested_at=now)
        await self.rt.events.emit(
            conn,
            RankingReferralRequested(
                referral_id=referral_id, origin="ranking", origin_ref=ranking.id, unit=unit,
                problem=referral_problem(scheme, unit, periods), reason=referral_reason(streak),
                evidence=evidence, requested_at=now, periods=[p.key for p in periods],
            ),
            subject=f"referral/{referral_id}",
            case_id=referral_id,
            actor=published_by,
        )

    # --- 双随机 draws ------------------------------------------------------------------------
    async def make_draw(self, *, scope: str, title: str | None, seed: str | None, inspector_pool: list[str],
                        targets: list[str], inspectors_count: int, targets_count: int,
                        drawn_by: str | None) -> Draw:
        """Draw inspectors and targets and publish the record (seed, lists, result) at once.

        Draws of one scope are serialized (the scope's row is locked first), so two at once cannot both
        pick a target that the exclusion period (`draw_exclusion_days`) should keep out of the second.
        """
        limit = self.settings.draw_max_items
        if len(inspector_pool) > limit or len(targets) > limit:
            raise Invalid(f"at most {limit} inspectors or targets per draw", field="targets")
        async with self.rt.db.transaction() as conn:
            repo = DrawRepository(conn)
            scope_key = normalize_text(scope)
            if scope_key:  # an empty scope is refused by Draw.run
                # Before reading who was drawn recently: a concurrent draw of the scope must have committed.
                await repo.lock_scope(scope_key)
            now = self.rt.clock.now()
            since = now - timedelta(days=self.settings.draw_exclusion_days)
            draw = Draw.run(
                draw_id=str(new_id()), scope=scope, title=title or "", seed=seed or new_seed(),
                inspector_pool=inspector_pool, targets=targets,
                recently_drawn=await repo.drawn_since(scope_key, since) if since < now else set(),
                inspectors_count=inspectors_count, targets_count=targets_count, now=now, drawn_by=drawn_by,
            )
            await repo.add(draw)
            await self.rt.events.emit(
                conn,
                DrawPublished(
                    draw_id=draw.id, scope=draw.scope, title=draw.title, algorithm=draw.algorithm, seed=draw.seed,
                    inspector_pool=draw.inspector_pool, targets=draw.targets, excluded=draw.excluded,
                    inspectors_count=draw.inspectors_count, targets_count=draw.targets_count,
                    drawn_inspectors=draw.drawn_inspectors, drawn_targets=draw.drawn_targets, drawn_at=now,
                ),
                subject=f"draw/{draw.id}",
                case_id=draw.id,
                actor=drawn_by,
            )
        self.rt.committed()
        return draw

    # --- inspections: plans, findings, 一抽查一通报 -------------------------------------------
    async def plan_inspection(self, *, kind: InspectionKind, title: str, planned_on: date | None,
                              targets: list[str], inspectors: list[str], checklist: list[CheckItem],
                              draw_id: str | None, created_by: str | None) -> Inspection:
        """Plan an inspection; with a draw, its targets and inspectors are the draw's result."""
        async with self.rt.db.transaction() as conn:
            if draw_id:
                draw = await DrawRepository(conn).get(draw_id)
                if targets or inspectors:
                    raise Invalid("with a draw, the targets and inspectors are the draw's; leave them empty",
                                  field="targets")
                targets, inspectors = draw.drawn_targets, draw.drawn_inspectors
            now = self.rt.clock.now()
            inspection = Inspection.plan(
                inspection_id=str(new_id()), kind=InspectionKind.RANDOM if draw_id else kind, title=title,
                planned_on=planned_on or local_date(now), targets=targets, inspectors=inspectors,
                checklist=checklist, now=now, created_by=created_by, draw_id=draw_id,
            )
            await InspectionRepository(conn).add(inspection)
        return inspection

    async def record_finding(self, inspection_id: str, *, unit: str, check_code: str, problem: str,
                             evidence: list[str], found_by: str | None) -> Finding:
        async with self.rt.db.transaction() as conn:
            repo = InspectionRepository(conn)
            inspection = await repo.get(inspection_id)
            finding = inspection.find(finding_id=str(new_id()), unit=unit, check_code=check_code,
                                      problem=problem, evidence=evidence, now=self.rt.clock.now(),
                                      found_by=found_by)
            await repo.add_finding(finding)
        return finding

    async def notice_from_finding(self, inspection_id: str, finding_id: str, *, working_days: int | None,
                                  level: NoticeLevel | None, issued_by: str | None) -> Notice:
        """A finding becomes a 督办通知书 (once); a repeated finding starts one level up."""
        requested = level or self.settings.notice_level

        async def attempt() -> Notice:
            async with self.rt.db.transaction() as conn:
                repo = InspectionRepository(conn)
                inspection = await repo.get(inspection_id)
                finding = next((f for f in inspection.findings if f.id == finding_id), None)
                if finding is None:
                    raise NotFound(f"inspection {inspection_id} has no finding {finding_id}")
                problem = inspection.notice_problem(finding)
                earlier = await NoticeRepository(conn).latest_for_problem(finding.unit, normalize_text(problem))
                start = earlier.repeated_level(requested) if earlier else requested
                notice = await self._issue(
                    conn, case_id=None, trigger=NoticeTrigger.DIRECT, unit=finding.unit, problem=problem,
                    requirement=None, working_days=self._working_days(working_days, start), level=start,
                    issued_by=issued_by, repeat_of=earlier.id if earlier else None,
                )
                finding.notice_id, finding.notice_number = notice.id, str(notice.number)
                await repo.save_finding(finding)
            self.rt.committed()
            return notice

        return await once_more_on_race(attempt)

    async def close_inspection(self, inspection_id: str, *, closed_by: str) -> Inspection:
        """一抽查一通报: closing an inspection publishes its bulletin."""
        async with self.rt.db.transaction() as conn:
            repo = InspectionRepository(conn)
            inspection = await repo.get(inspection_id)
            now = self.rt.clock.now()
            bulletin = inspection.close(by=closed_by, now=now)
            await repo.save(inspection)
            units = [u for u in inspection.targets if any(f.unit == u for f in inspection.findings)]
            await self.rt.events.emit(
                conn,
                InspectionClosed(
                    inspection_id=inspection.id, kind=inspection.kind.value, title=inspection.title,
                    planned_on=inspection.planned_on, targets=inspection.targets, units_with_findings=units,
                    findings=len(inspection.findings),
                    notices=[f.notice_number for f in inspection.findings if f.notice_number],
                    draw_id=inspection.draw_id, bulletin=bulletin, closed_at=now,
                ),
                subject=f"inspection/{inspection.id}",
                case_id=inspection.id,
                actor=inspection.closed_by,
            )
        self.rt.committed()
        return inspection
