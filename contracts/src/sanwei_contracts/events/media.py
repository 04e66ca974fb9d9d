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
