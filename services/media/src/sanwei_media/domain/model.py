"""Exposures on the 曝光台 and the rules of their lifecycle.

open ──rectification confirmed (整改进行时)──────────────────────────────► rectified
open ──deadline passes──► unrectified ──► republished (再次曝光) ──► referred (移交纪委)

The three steps after a missed deadline happen together and at most once; a rectified
exposure is never re-exposed, and a referred one can no longer be closed by the media:
what follows is the discipline commission's business. Every step is written as a line
of the exposure's history, which is what the re-exposure shows and the referral carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sanwei_contracts.events.common import Sanction
from sanwei_kit.calendar import WorkingDayDeadline
from sanwei_kit.errors import Conflict
from sanwei_kit.text import required, stamped_line


class ExposureStatus(StrEnum):
    OPEN = "open"
    RECTIFIED = "rectified"
    UNRECTIFIED = "unrectified"
    REFERRED = "referred"


class Origin(StrEnum):
    """Why a problem is on the 曝光台."""

    NOTICE_UNRECTIFIED = "notice_unrectified"  # a 督办通知书 ran out unrectified
    MEDIA = "media"  # the editors' own finding
    CITIZEN_CLUE = "citizen_clue"  # 随手拍 / 12345


class EntryKind(StrEnum):
    PUBLISHED = "published"
    FOLLOW_UP = "follow_up"
    RECTIFIED = "rectified"
    UNRECTIFIED = "unrectified"
    REPUBLISHED = "republished"
    REFERRED = "referred"
    OUTCOME = "outcome"


@dataclass(frozen=True)
class HistoryEntry:
    """One line of what happened to an exposure."""

    at: datetime
    kind: EntryKind
    text: str
    by: str | None = None
    evidence: tuple[str, ...] = ()  # photo / video / document references backing this line

    def line(self) -> str:
        line = stamped_line(self.at, self.text, self.by)
        return f"{line}［证据：{'、'.join(self.evidence)}］" if self.evidence else line


@dataclass
class Exposure:
    id: str
    case_id: str
    unit: str
    title: str
    problem: str
    origin: Origin
    origin_ref: str | None
    published_at: datetime
    deadline: WorkingDayDeadline  # 整改时限, in 工作日 from the day of publication
    status: ExposureStatus = ExposureStatus.OPEN
    round: int = 1
    history: list[HistoryEntry] = field(default_factory=list)
    rectified_at: datetime | None = None
    rectified_by: str | None = None
    rectification_note: str | None = None
    unrectified_at: datetime | None = None
    republished_at: datetime | None = None
    referral_id: str | None = None
    evidence: tuple[str, ...] = ()  # what the exposure rests on: photos, videos, documents (references)

    @classmethod
    def publish(
        cls,
        *,
        id: str,
        case_id: str,
        unit: str,
        title: str,
        problem: str,
        origin: Origin,
        origin_ref: str | None,
        deadline: WorkingDayDeadline,
        now: datetime,
        by: str | None = None,
        evidence: tuple[str, ...] = (),
    ) -> Exposure:
        evidence = _references(evidence)
        exposure = cls(
            id=id,
            case_id=case_id,
            unit=required(unit, "unit"),
            title=required(title, "title"),
            problem=required(problem, "problem"),
            origin=origin,
            origin_ref=origin_ref,
            published_at=now,
            deadline=deadline,
            evidence=evidence,
        )
        exposure.history.append(
            HistoryEntry(now, EntryKind.PUBLISHED,
                         f"曝光台曝光：{exposure.unit}，{exposure.title}；限{deadline.day.isoformat()}前整改", by,
                         evidence)
        )
        return exposure

    def lines(self) -> list[str]:
        return [entry.line() for entry in self.history]

    def follow_up(self, note: str, by: str, now: datetime, evidence: tuple[str, ...] = ()) -> HistoryEntry:
        """A “整改进行时” line: what the press found when it followed the rectification, with its evidence."""
        if self.status is ExposureStatus.RECTIFIED:
            raise Conflict(f"exposure {self.id} was rectified on {self.rectified_at:%Y-%m-%d}; the case is closed")
        entry = HistoryEntry(now, EntryKind.FOLLOW_UP, f"整改进行时：{required(note, 'note')}", required(by, "by"),
                             _references(evidence))
        self.history.append(entry)
        return entry

    def rectify(self, confirmed_by: str, note: str, now: datetime) -> None:
        if self.status is ExposureStatus.RECTIFIED:
            raise Conflict(f"exposure {self.id} is already rectified (on {self.rectified_at:%Y-%m-%d})")
        if self.status is not ExposureStatus.OPEN:
            raise Conflict(
                f"exposure {self.id} was not rectified by {self.deadline.day.isoformat()} and has been re-exposed "
                "and referred to the discipline commission; a late rectification is a matter for that process"
            )
        self.rectified_by = required(confirmed_by, "confirmed_by")
        self.rectification_note = required(note, "note")
        self.status = ExposureStatus.RECTIFIED
        self.rectified_at = now
        self.history.append(HistoryEntry(now, EntryKind.RECTIFIED, f"整改到位：{self.rectification_note}",
                                         self.rectified_by))

    def mark_unrectified(self, now: datetime) -> bool:
        """The deadline timer fired. True if this made the exposure unrectified (only ever once)."""
        if self.status is not ExposureStatus.OPEN or not self.deadline.has_passed(now):
            return False
        self.status = ExposureStatus.UNRECTIFIED
        self.unrectified_at = now
        self.history.append(
            HistoryEntry(now, EntryKind.UNRECTIFIED, f"逾期未整改：整改时限{self.deadline.day.isoformat()}已过")
        )
        return True

    def republish(self, now: datetime) -> list[str]:
        """再次媒体曝光. Returns the history as it stood when re-exposed."""
        if self.status is not ExposureStatus.UNRECTIFIED or self.round != 1:
            raise Conflict(f"exposure {self.id} can only be re-exposed once, after its deadline passed unrectified")
        shown = self.lines()
        self.round = 2
        self.republished_at = now
        self.history.append(HistoryEntry(now, EntryKind.REPUBLISHED, f"再次媒体曝光（第{self.round}次）"))
        return shown

    def refer(self, referral_id: str, now: datetime) -> list[str]:
        """移交纪检监察机关问责处理. Returns the evidence: the whole history up to now."""
        if self.status is not ExposureStatus.UNRECTIFIED or self.round < 2:
            raise Conflict(f"exposure {self.id} is referred only once, after it was re-exposed unrectified")
        evidence = self.lines()
        self.referral_id = referral_id
        self.status = ExposureStatus.REFERRED
        self.history.append(HistoryEntry(now, EntryKind.REFERRED, "移交纪检监察机关问责处理"))
        return evidence

    def record_outcome(self, outcome: PublishedOutcome) -> None:
        """The 纪委 published the outcome of the case (问责一批、通报曝光一批)."""
        self.history.append(HistoryEntry(outcome.published_at, EntryKind.OUTCOME, _outcome_text(outcome)))

    def has_outcome(self, outcome: PublishedOutcome) -> bool:
        text = _outcome_text(outcome)
        return any(h.kind is EntryKind.OUTCOME and h.text == text for h in self.history)


def _references(evidence: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Evidence references as given, without blanks and repeats."""
    return tuple(dict.fromkeys(e.strip() for e in evidence if e and e.strip()))


def _outcome_text(outcome: PublishedOutcome) -> str:
    return f"纪委通报：{outcome.sanction.label}。{outcome.summary}"


@dataclass(frozen=True)
class PublishedOutcome:
    """An outcome the discipline commission published; public and already redacted."""

    decision_id: str
    clue_id: str
    case_id: str
    unit: str
    sanction: Sanction
    summary: str
    published_at: datetime
    exposure_id: str | None = None


class FeedKind(StrEnum):
    EXPOSED = "exposed"  # 曝光
    REEXPOSED = "reexposed"  # 再次曝光，移交纪委
    RECTIFIED = "rectified"  # 整改到位
    OUTCOME = "outcome"  # 问责一批、通报曝光一批


@dataclass(frozen=True)
class FeedItem:
    """One entry of the public 曝光台 feed."""

    kind: FeedKind
    at: datetime
    unit: str
    headline: str
    text: str
    exposure_id: str | None = None
    decision_id: str | None = None
    sanction: Sanction | None = None


def feed_of(exposures: list[Exposure], outcomes: list[PublishedOutcome], limit: int) -> list[FeedItem]:
    """The public feed: exposures, re-exposures, rectifications and published outcomes, newest first."""
    items: list[FeedItem] = []
    for e in exposures:
        items.append(FeedItem(FeedKind.EXPOSED, e.published_at, e.unit, f"【曝光台】{e.unit}：{e.title}", e.problem,
                              exposure_id=e.id))
        if e.republished_at is not None:
            items.append(FeedItem(FeedKind.REEXPOSED, e.republished_at, e.unit, f"【再次曝光】{e.unit}：{e.title}",
                                  f"逾期未整改（整改时限{e.deadline.day.isoformat()}），已移交纪检监察机关问责处理。",
                                  exposure_id=e.id))
        if e.rectified_at is not None:
            items.append(FeedItem(FeedKind.RECTIFIED, e.rectified_at, e.unit, f"【整改进行时】{e.unit}：{e.title}",
                                  f"整改到位：{e.rectification_note}", exposure_id=e.id))
    for o in outcomes:
        items.append(FeedItem(FeedKind.OUTCOME, o.published_at, o.unit, f"【通报曝光】{o.unit}：{o.sanction.label}",
                              o.summary, exposure_id=o.exposure_id, decision_id=o.decision_id, sanction=o.sanction))
    # Newest first; at the same instant the later step of a case (outcome after re-exposure) comes first.
    items.sort(key=lambda item: (item.at, _FEED_ORDER.index(item.kind)), reverse=True)
    return items[:limit]


_FEED_ORDER = [FeedKind.EXPOSED, FeedKind.REEXPOSED, FeedKind.RECTIFIED, FeedKind.OUTCOME]
