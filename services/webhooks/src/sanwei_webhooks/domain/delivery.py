"""A delivery's life: pending → delivered, or failing (retried with backoff) → given up.

Each attempt is one signed POST. A 2xx answer delivers; anything else (another status,
a timeout, a refused connection) counts as a failed attempt. The next attempt waits
`base_delay · 2^(n-1)` seconds, capped at `max_delay`, with "equal jitter" (half fixed,
half random) so that many deliveries failing together do not retry in lockstep.
After `max_attempts` failed attempts the delivery is given up (the operator sees it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class DeliveryState(StrEnum):
    PENDING = "pending"  # not attempted yet
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILING = "failing"  # an attempt failed; another one is scheduled
    GIVEN_UP = "given_up"  # every attempt failed; no more are made


OPEN_STATES = (DeliveryState.PENDING, DeliveryState.FAILING)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_delay: float
    max_delay: float

    def delay(self, failed_attempts: int, jitter: float) -> float:
        """Seconds before the next attempt after `failed_attempts` failures; `jitter` in [0, 1)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** max(failed_attempts - 1, 0))
        return ceiling / 2 + ceiling / 2 * jitter


@dataclass(frozen=True)
class AttemptOutcome:
    status: int | None  # the receiver's HTTP status, None if it never answered
    body_excerpt: str | None
    error: str | None  # why there was no answer (timeout, connection refused …)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class NextStep:
    state: DeliveryState
    next_attempt_at: datetime | None


def after_attempt(
    policy: RetryPolicy, attempts: int, outcome: AttemptOutcome, now: datetime, jitter: float
) -> NextStep:
    """Where a delivery stands after its `attempts`-th attempt ended with `outcome` at `now`."""
    if outcome.ok:
        return NextStep(DeliveryState.DELIVERED, None)
    if attempts >= policy.max_attempts:
        return NextStep(DeliveryState.GIVEN_UP, None)
    return NextStep(DeliveryState.FAILING, now + timedelta(seconds=policy.delay(attempts, jitter)))


def excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
