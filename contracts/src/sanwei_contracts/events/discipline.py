"""Events of the discipline service (纪委): clues, 分办/转办, 处置, decisions, publication.

Everything but `OutcomePublished` is confidential: it names people and findings.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sanwei_contracts.events.common import EventData, Sanction


class ClueSource(EventData):
    """Where a clue came from: one matter may be referred by several tracks."""

    kind: str = Field(description="media_referral, supervision_referral, ranking, …")
    ref: str = Field(description="The referring event's own id (e.g. referral id).")


class ClueRegistered(EventData):
    """A problem clue (问题线索) was registered by the 党风政风监督室."""

    clue_id: str
    number: str = Field(description="Yearly clue number, e.g. 线索〔2026〕3号.")
    unit: str
    problem: str
    sources: list[ClueSource]
    registered_at: datetime


class ClueAssigned(EventData):
    """The clue was assigned (分办) or transferred (转办) to a commission to investigate."""

    clue_id: str
    assignee: str = Field(description="The 纪检监察机关 that investigates, e.g. 市中区纪委.")
    mode: str = Field(description="assign (分办) or transfer (转办).")
    due: date | None = Field(default=None, description="办理时限.")
    assigned_at: datetime


class ClueDisposed(EventData):
    """The investigation was disposed of (处置) with a finding."""

    clue_id: str
    finding: str = Field(description="confirmed (查证属实), partly_confirmed, unfounded.")
    summary: str
    disposed_at: datetime


class DecisionMade(EventData):
    """The sanction decided for the case."""

    clue_id: str
    decision_id: str
    sanction: Sanction
    unit: str
    person: str | None = Field(default=None, description="Responsible person; confidential.")
    reason: str
    decided_at: datetime


class OutcomePublished(EventData):
    """A decided case was published (通报曝光): public, redacted, no personal names."""

    clue_id: str
    decision_id: str
    unit: str
    sanction: Sanction
    summary: str
    published_at: datetime
