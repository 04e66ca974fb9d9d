"""Which events and timers the media service reacts to, and which use case handles each."""

from __future__ import annotations

from sanwei_contracts.events.discipline import OutcomePublished
from sanwei_contracts.events.supervision import NoticeUnrectified
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import OnTimer
from sanwei_media.service import EXPOSURE_DUE, MediaService


def subscriptions(service: MediaService) -> list[Subscription]:
    return [
        Subscription(NoticeUnrectified, service.on_notice_unrectified, handle_many=service.on_notices_unrectified),
        Subscription(OutcomePublished, service.on_outcome_published),
    ]


def timer_handlers(service: MediaService) -> dict[str, OnTimer]:
    return {EXPOSURE_DUE: OnTimer(service.on_exposure_due, handle_many=service.on_exposures_due)}
