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
    receipt_due: date | None = Field(default=None, description="签收时限.")
    supervisor: str | None = Field(default=None, description="The commission above, where an overdue clue escalates.")


class ClueDisposed(EventData):
    """The investigation was disposed of (处置) with a finding."""

    clue_id: str
    finding: str = Field(description="confirmed (查证属实), partly_confirmed, unfounded, undetermined (暂无结论).")
    summary: str
    disposed_at: datetime
    way: str | None = Field(default=None, description="处置 way: talk_inquiry (谈话函询), preliminary_verification "
                                                      "(初步核实), shelved (暂存待查), closed (予以了结).")


class ClueSourceAdded(EventData):
    """The same matter was referred again (another track or case) and joined an existing clue."""

    clue_id: str
    number: str
    source: ClueSource
    source_case_id: str | None = Field(default=None, description="The case of the referral that joined.")
    added_at: datetime


class ClueEscalated(EventData):
    """An assigned clue was not signed for (签收) or not disposed of (办结) in time: up to the commission above."""

    clue_id: str
    number: str
    assignee: str
    escalated_to: str = Field(description="The commission above, e.g. 市纪委党风政风监督室.")
    stage: str = Field(description="receipt (逾期未签收) or handling (逾期未办结).")
    due: date = Field(description="The time limit that passed.")
    escalated_at: datetime


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


class ClueReopened(EventData):
    """A clue held as 暂存待查 was taken up again (启用) and goes back to its assignee for 处置."""

    clue_id: str
    number: str
    reason: str
    assignee: str | None = Field(default=None, description="The commission that disposes of it again.")
    due: date = Field(description="The new 办理时限.")
    source: ClueSource | None = Field(default=None, description="The new referral of the matter that reopened it, "
                                                               "when it was reopened by one.")
    reopened_at: datetime
