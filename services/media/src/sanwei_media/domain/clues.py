"""Citizen clues (随手拍, 12345 热线工单) and their triage into an exposure or a dismissal.

received ──(review: 受理核实)──► reviewing
received | reviewing ──triage──► exposed   (an exposure on the 曝光台 carries the clue's id as origin_ref)
received | reviewing ──triage──► dismissed (with a reason: 不属于创城问题, 重复反映, 已整改 …)

A 12345 ticket arrives with the hotline system's own ticket id; the same ticket pushed
again is the same clue (the hotline system retries; a replay creates nothing). What the
citizen gave about themselves (name, phone) is kept for the editors' follow-up and never
shown publicly (see `redaction`).

What the hotline system is told about its ticket (the status callback), in order:
triaged when an editor takes it up for checking; exposed or dismissed when decided; then
rectified, or referred (再次曝光并移交纪委).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sanwei_kit.errors import Conflict
from sanwei_kit.text import required


class Channel(StrEnum):
    SNAPSHOT = "snapshot"  # 随手拍
    HOTLINE = "hotline"  # 12345 市民服务热线


class ClueStatus(StrEnum):
    RECEIVED = "received"
    REVIEWING = "reviewing"  # 受理, being checked by an editor
    EXPOSED = "exposed"
    DISMISSED = "dismissed"


class CallbackStatus(StrEnum):
    """What the hotline system is told became of its ticket."""

    TRIAGED = "triaged"  # taken up: an editor is checking it (受理核实)
    EXPOSED = "exposed"  # triaged: exposed on the 曝光台
    DISMISSED = "dismissed"  # triaged: not taken up, with the reason
    RECTIFIED = "rectified"  # the exposed problem was rectified
    REFERRED = "referred"  # not rectified in time: exposed again and referred to the 纪委

    @property
    def label(self) -> str:
        return {"triaged": "已受理，核实中", "exposed": "已曝光", "dismissed": "不予采用", "rectified": "已整改", "referred": "再次曝光并移交纪委"}[
            self.value
        ]


@dataclass
class CitizenClue:
    id: str
    channel: Channel
    text: str
    received_at: datetime
    location: str | None = None
    photos: tuple[str, ...] = ()  # photo / attachment references (URLs or file ids), not the files
    external_id: str | None = None  # the 12345 ticket id
    reported_at: datetime | None = None  # the ticket's own time
    category: str | None = None
    reporter_name: str | None = None  # confidential
    reporter_phone: str | None = None  # confidential
    callback_url: str | None = None
    status: ClueStatus = ClueStatus.RECEIVED
    exposure_id: str | None = None
    dismissal_reason: str | None = None
    triaged_at: datetime | None = None
    triaged_by: str | None = None

    @classmethod
    def receive(cls, *, id: str, channel: Channel, text: str, now: datetime, location: str | None = None,
                photos: tuple[str, ...] = (), external_id: str | None = None, reported_at: datetime | None = None,
                category: str | None = None, reporter_name: str | None = None, reporter_phone: str | None = None,
                callback_url: str | None = None) -> CitizenClue:
        if channel is Channel.HOTLINE:
            external_id = required(external_id or "", "ticket_id")
        return cls(id=id, channel=channel, text=required(text, "text"), received_at=now,
                   location=(location or "").strip() or None, photos=tuple(p.strip() for p in photos if p.strip()),
                   external_id=external_id, reported_at=reported_at, category=(category or "").strip() or None,
                   reporter_name=(reporter_name or "").strip() or None,
                   reporter_phone=(reporter_phone or "").strip() or None,
                   callback_url=(callback_url or "").strip() or None)

    def private_names(self) -> list[str]:
        return [self.reporter_name] if self.reporter_name else []

    def review(self, by: str, now: datetime) -> None:
        """受理: an editor takes the clue up for checking (told to the hotline as triaged)."""
        if self.status is not ClueStatus.RECEIVED:
            raise Conflict(f"clue {self.id} is already {self.status.value}")
        self.status = ClueStatus.REVIEWING
        self.triaged_by = required(by, "by")
        self.triaged_at = now

    def _require_untriaged(self) -> None:
        if self.status not in (ClueStatus.RECEIVED, ClueStatus.REVIEWING):
            raise Conflict(f"clue {self.id} was already triaged ({self.status.value}"
                           + (f", exposure {self.exposure_id}" if self.exposure_id else "") + ")")

    def expose(self, exposure_id: str, by: str, now: datetime) -> None:
        """Triage: the clue is taken up and exposed on the 曝光台."""
        self._require_untriaged()
        self.status = ClueStatus.EXPOSED
        self.exposure_id = exposure_id
        self.triaged_at = now
        self.triaged_by = required(by, "by")

    def dismiss(self, reason: str, by: str, now: datetime) -> None:
        """Triage: not taken up, with the reason the citizen (or the hotline) is told."""
        self._require_untriaged()
        self.dismissal_reason = required(reason, "reason")
        self.triaged_by = required(by, "by")
        self.status = ClueStatus.DISMISSED
        self.triaged_at = now


def callback_payload(clue: CitizenClue, status: CallbackStatus, at: datetime, note: str) -> dict[str, object]:
    """The body POSTed to the hotline system's callback URL: about the ticket, never the citizen."""
    return {
        "ticket_id": clue.external_id,
        "clue_id": clue.id,
        "status": status.value,
        "status_label": status.label,
        "note": note,
        "exposure_id": clue.exposure_id,
        "at": at.isoformat(),
    }


def next_attempt_delay(attempts: int, base_seconds: float, max_seconds: float) -> float:
    """Doubling delay before the next delivery attempt after `attempts` failed ones."""
    return min(base_seconds * (2 ** max(attempts - 1, 0)), max_seconds)
