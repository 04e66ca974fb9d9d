"""Events of the media service: the 曝光台, “整改进行时” follow-up and referrals to 纪委."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sanwei_contracts.events.common import EventData


class ExposurePublished(EventData):
    """A problem was exposed on the 曝光台 with a deadline to rectify."""

    exposure_id: str
    unit: str
    title: str
    problem: str
    origin: str = Field(description="Why it was exposed: notice_unrectified, citizen_clue, media.")
    origin_ref: str | None = Field(default=None, description="e.g. the 督办通知书 number.")
    published_at: datetime
    deadline: date
    due_at: datetime
    evidence: list[str] = Field(default_factory=list, description="References to photos, videos, documents.")


class ExposureFollowedUp(EventData):
    """“整改进行时”: the press followed up the rectification of an exposed problem."""

    exposure_id: str
    unit: str
    note: str
    by: str = Field(description="Reporter or outlet.")
    evidence: list[str] = Field(default_factory=list, description="References to photos, videos, documents.")
    followed_up_at: datetime


class ExposureRectified(EventData):
    """The exposed problem was rectified, as followed up by the media (整改进行时)."""

    exposure_id: str
    confirmed_by: str
    note: str
    rectified_at: datetime


class ExposureUnrectified(EventData):
    """The exposure's deadline passed and the problem is still not rectified."""

    exposure_id: str
    unit: str
    deadline: date
    detected_at: datetime


class ExposureRepublished(EventData):
    """The unrectified problem was exposed again (再次媒体曝光), with its history."""

    exposure_id: str
    unit: str
    title: str
    round: int = Field(ge=2)
    history: list[str]
    republished_at: datetime


class ReferralRequested(EventData):
    """A matter is handed to the discipline commission (移交纪检监察机关问责处理)."""

    referral_id: str
    origin: str = Field(description="What is referred, e.g. exposure_unrectified.")
    origin_ref: str = Field(description="Id of the exposure (or ranking) referred.")
    unit: str
    problem: str
    reason: str
    evidence: list[str] = Field(default_factory=list)
    requested_at: datetime


class CitizenClueReceived(EventData):
    """A citizen clue (随手拍 or a 12345 ticket) reached the 曝光台 for triage.

    What and where only: the citizen's name and phone never leave the media service, and
    phone and ID numbers in the text are masked (see the media service's redaction).
    """

    clue_id: str
    channel: str = Field(description="snapshot (随手拍) or hotline (12345 市民服务热线).")
    ticket_id: str | None = Field(default=None, description="The hotline system's own ticket (工单) id.")
    text: str = Field(description="What was reported, personal data masked.")
    location: str | None = Field(default=None, description="Where, personal data masked.")
    category: str | None = Field(default=None, description="The hotline's category, e.g. 市容环境.")
    photos: list[str] = Field(default_factory=list, description="References to the photos or attachments.")
    reported_at: datetime | None = Field(default=None, description="The ticket's own time.")
    received_at: datetime


class CitizenClueDismissed(EventData):
    """A citizen clue was not taken up (不予采用), with the reason the citizen is told."""

    clue_id: str
    channel: str = Field(description="snapshot (随手拍) or hotline (12345 市民服务热线).")
    ticket_id: str | None = Field(default=None, description="The hotline system's own ticket (工单) id.")
    reason: str = Field(description="Why, personal data masked.")
    dismissed_by: str
    dismissed_at: datetime
