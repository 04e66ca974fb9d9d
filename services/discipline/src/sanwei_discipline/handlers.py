"""Which events the discipline service reacts to, and which use case handles each."""

from __future__ import annotations

from sanwei_contracts.events.media import ReferralRequested
from sanwei_discipline.service import DisciplineService
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import TimerHandler


def subscriptions(service: DisciplineService) -> list[Subscription]:
    return [Subscription(ReferralRequested, service.on_referral_requested)]


def timer_handlers(service: DisciplineService) -> dict[str, TimerHandler]:
    # The 办理时限 of an assigned clue is shown (overdue) rather than acted on; no timers yet.
    return {}
