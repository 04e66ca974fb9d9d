"""Webhook use cases: manage subscriptions, fan events out into deliveries, record attempts.

Consuming an event only writes delivery rows (in the consumer's transaction, with its
inbox row); the POSTs happen later in the delivery loop (handlers.DeliveryLoop), so a
slow or failing receiver never holds back the consumers or the chain.

Delivery times are on the wall clock (`wall`), not the service's simulated clock: the
retry delays and the signature timestamps are about real receivers in real time.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import CATALOG, Envelope
from sanwei_contracts.catalog import received_by, spec_for_type
from sanwei_contracts.ids import new_id
from sanwei_contracts.webhooks import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signature_header
from sanwei_kit.clock import Clock, SystemClock
from sanwei_kit.errors import NotFound
from sanwei_kit.runtime import Runtime
from sanwei_webhooks.adapters.repository import Delivery, DueDelivery, Outgoing, WebhookRepository
from sanwei_webhooks.domain.delivery import AttemptOutcome, DeliveryState, RetryPolicy, after_attempt
from sanwei_webhooks.domain.subscriptions import CatalogueType, Subscription, check_selectors, wants

log = structlog.get_logger(__name__)

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def catalogue_types() -> list[CatalogueType]:
    """Every event type with its confidentiality: a subscription is checked against these, and one that
    selects only confidential types is refused with that reason (the webhooks service receives none)."""
    received = set(received_by("webhooks"))
    return [CatalogueType(spec.type, spec.confidential or spec not in received) for spec in CATALOG]


@dataclass(frozen=True)
class SubscriptionWithSecret:
    subscription: Subscription
    secret: str


@dataclass(frozen=True)
class SubscriptionOverview:
    subscription: Subscription
    counts: dict[str, int]


class WebhookService:
    def __init__(
        self,
        runtime: Runtime,
        policy: RetryPolicy,
        *,
        wall: Clock | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.rt = runtime
        self.policy = policy
        self.wall = wall or SystemClock()
        self.jitter = jitter

    # --- subscriptions -------------------------------------------------------------

    async def register(self, url: str, event_types: list[str], description: str | None) -> SubscriptionWithSecret:
        selectors = check_selectors(event_types, catalogue_types())
        subscription = Subscription(id=str(new_id()), url=url, event_types=selectors, description=description,
                                    created_at=self.wall.now(), secret_rotated_at=None)
        secret = new_secret()
        async with self.rt.db.transaction() as conn:
            await WebhookRepository(conn).add_subscription(subscription, secret)
        log.info("webhooks.subscribed", subscription_id=subscription.id, url=url, event_types=selectors)
        return SubscriptionWithSecret(subscription, secret)

    async def subscriptions(self) -> list[SubscriptionOverview]:
        async with self.rt.db.connect() as conn:
            repo = WebhookRepository(conn)
            return [SubscriptionOverview(s, await repo.counts(s.id)) for s in await repo.subscriptions()]

    async def subscription(self, subscription_id: str) -> SubscriptionOverview:
        async with self.rt.db.connect() as conn:
            repo = WebhookRepository(conn)
            found = await repo.subscription(subscription_id)
            if found is None:
                raise NotFound(f"no webhook subscription {subscription_id}")
            return SubscriptionOverview(found, await repo.counts(found.id))

    async def rotate_secret(self, subscription_id: str) -> SubscriptionWithSecret:
        """A new secret signs every attempt from now on, retries of older deliveries included."""
        secret = new_secret()
        async with self.rt.db.transaction() as conn:
            repo = WebhookRepository(conn)
            if await repo.subscription(subscription_id) is None:
                raise NotFound(f"no webhook subscription {subscription_id}")
            await repo.set_secret(subscription_id, secret, self.wall.now())
            found = await repo.subscription(subscription_id)
        assert found is not None
        log.info("webhooks.secret_rotated", subscription_id=subscription_id)
        return SubscriptionWithSecret(found, secret)

    async def remove(self, subscription_id: str) -> None:
        """Forget the subscription and its deliveries; open deliveries are not attempted again."""
        async with self.rt.db.transaction() as conn:
            repo = WebhookRepository(conn)
            if await repo.subscription(subscription_id) is None:
                raise NotFound(f"no webhook subscription {subscription_id}")
            await repo.remove_subscription(subscription_id)
        log.info("webhooks.unsubscribed", subscription_id=subscription_id)

    async def deliveries(self, subscription_id: str, *, state: DeliveryState | None = None, limit: int = 100,
                         before_id: int | None = None) -> list[Delivery]:
        async with self.rt.db.connect() as conn:
            repo = WebhookRepository(conn)
            if await repo.subscription(subscription_id) is None:
                raise NotFound(f"no webhook subscription {subscription_id}")
            return await repo.deliveries(subscription_id, state=state, limit=limit, before_id=before_id)

    # --- fan-out (in the consumer's transaction) -------------------------------------

    async def on_event(self, conn: AsyncConnection, event: Envelope[Any]) -> None:
        """One pending delivery per subscription that wants this event, due at once."""
        await self.on_events(conn, [event])

    async def wanted(self, event_type: str) -> bool:
        """Whether any subscription selects `event_type` now. When none does, the consumer acknowledges
        that type's events without reading them: `on_events` would queue nothing for them either."""
        async with self.rt.db.connect() as conn:
            return bool(await self._wanting(WebhookRepository(conn), event_type))

    async def on_events(self, conn: AsyncConnection, events: list[Envelope[Any]]) -> None:
        """`on_event` for events of one type that waited together: the subscriptions read once,
        every delivery stored in one insert (none at all when no receiver wants the type)."""
        repo = WebhookRepository(conn)
        wanting = await self._wanting(repo, events[0].type)
        if not wanting:
            return
        now = self.wall.now()
        rows: list[dict[str, object]] = []
        for event in events:
            payload = event.model_dump_json()
            rows.extend({
                "subscription_id": s.id, "event_id": str(event.id), "event_type": event.type,
                "case_id": event.case_id, "payload": payload, "state": DeliveryState.PENDING.value, "attempts": 0,
                "next_attempt_at": now, "created_at": now,
            } for s in wanting)
        await repo.add_deliveries(rows)
        log.info("webhooks.queued", deliveries=len(rows))

    @staticmethod
    async def _wanting(repo: WebhookRepository, event_type: str) -> list[Subscription]:
        confidential = spec_for_type(event_type).confidential
        return [s for s in await repo.subscriptions() if wants(s.event_types, event_type, confidential=confidential)]

    # --- attempts (the delivery loop) --------------------------------------------------

    async def due(self, limit: int, per_subscription: int) -> list[DueDelivery]:
        async with self.rt.db.connect() as conn:
            return await WebhookRepository(conn).due(self.wall.now(), limit, per_subscription)

    async def claim(self, due: DueDelivery, lease: float) -> Outgoing | None:
        """Take a due delivery for one attempt; if this process dies meanwhile, it is due again after `lease` s."""
        async with self.rt.db.transaction() as conn:
            return await WebhookRepository(conn).claim(due, self.wall.now() + timedelta(seconds=lease))

    def signed_request(self, outgoing: Outgoing) -> tuple[bytes, dict[str, str]]:
        body = outgoing.payload.encode()
        timestamp = int(self.wall.now().timestamp())
        return body, {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(outgoing.secret, body, timestamp),
            EVENT_ID_HEADER: outgoing.event_id,
            EVENT_TYPE_HEADER: outgoing.event_type,
        }

    async def record_attempt(self, outgoing: Outgoing, outcome: AttemptOutcome, started: datetime) -> DeliveryState:
        attempts = outgoing.attempts + 1
        now = self.wall.now()
        step = after_attempt(self.policy, attempts, outcome, now, self.jitter())
        values: dict[str, Any] = {
            "state": step.state.value, "attempts": attempts, "next_attempt_at": step.next_attempt_at,
            "last_attempt_at": started, "last_status": outcome.status, "last_response": outcome.body_excerpt,
            "last_error": outcome.error,
        }
        if step.state is DeliveryState.DELIVERED:
            values["delivered_at"] = now
        async with self.rt.db.transaction() as conn:
            await WebhookRepository(conn).record_attempt(outgoing.id, values)
        log.info("webhooks.attempted", delivery_id=outgoing.id, subscription_id=outgoing.subscription_id,
                 event_id=outgoing.event_id, status=outcome.status, error=outcome.error, state=step.state.value,
                 attempts=attempts)
        return step.state
