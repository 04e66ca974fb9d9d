"""Which events the discipline service reacts to, and which use case handles each.

Every handler is guarded: when one fails, what the kit logs and retries with is only the
kind of the error, never its message, because a database error's message repeats the
clue's content (the parameters of the statement). The full error stays in the
confidential dead letters of this service.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts.events.media import ReferralRequested
from sanwei_contracts.events.supervision import RankingReferralRequested
from sanwei_discipline.service import HANDLING_DUE, RECEIPT_DUE, DisciplineService
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import TimerHandler


class ConfidentialHandlerError(RuntimeError):
    """A handler failed; the message names only the kind of error (the cause holds the rest)."""


def guarded(handler: Any) -> Any:
    @wraps(handler)
    async def run(conn: AsyncConnection, item: Any) -> None:
        try:
            await handler(conn, item)
        except Exception as exc:
            raise ConfidentialHandlerError(f"{handler.__name__} failed: {type(exc).__name__}") from exc

    return run


def subscriptions(service: DisciplineService) -> list[Subscription]:
    # Media's referral (曝光后逾期未整改) and the 指挥部's (模拟测评连续排名后位) have the same layout.
    return [
        Subscription(ReferralRequested, guarded(service.on_referral_requested),
                     handle_many=guarded(service.on_referrals_requested)),
        Subscription(RankingReferralRequested, guarded(service.on_referral_requested),
                     handle_many=guarded(service.on_referrals_requested)),
    ]


def timer_handlers(service: DisciplineService) -> dict[str, TimerHandler]:
    return {RECEIPT_DUE: guarded(service.on_receipt_due), HANDLING_DUE: guarded(service.on_handling_due)}
