"""Subscriptions and deliveries, read and written within the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_webhooks.adapters.tables import deliveries, subscriptions
from sanwei_webhooks.domain.delivery import DeliveryState
from sanwei_webhooks.domain.subscriptions import Subscription


@dataclass(frozen=True)
class Delivery:
    id: int
    subscription_id: str
    event_id: str
    event_type: str
    case_id: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status: int | None
    last_response: str | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class DueDelivery:
    id: int
    subscription_id: str
    next_attempt_at: datetime


@dataclass(frozen=True)
class Outgoing:
    """What one attempt sends: the stored envelope, to the subscription's URL, signed with its secret."""

    id: int
    subscription_id: str
    url: str
    secret: str
    event_id: str
    event_type: str
    payload: str
    attempts: int


def _subscription(row: Any) -> Subscription:
    return Subscription(id=row.id, url=row.url, event_types=list(row.event_types), description=row.description,
                        created_at=row.created_at, secret_rotated_at=row.secret_rotated_at)


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id, subscription_id=row.subscription_id, event_id=row.event_id, event_type=row.event_type,
        case_id=row.case_id, state=DeliveryState(row.state), attempts=row.attempts,
        next_attempt_at=row.next_attempt_at, last_attempt_at=row.last_attempt_at, last_status=row.last_status,
        last_response=row.last_response, last_error=row.last_error, created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


class WebhookRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_subscription(self, subscription: Subscription, secret: str) -> None:
        await self._conn.execute(
            insert(subscriptions).values(
                id=subscription.id, url=subscription.url, event_types=subscription.event_types,
                description=subscription.description, secret=secret, created_at=subscription.created_at,
                secret_rotated_at=subscription.secret_rotated_at,
            )
        )

    async def subscription(self, subscription_id: str) -> Subscription | None:
        row = (await self._conn.execute(select(subscriptions).where(subscriptions.c.id == subscription_id))).first()
        return _subscription(row) if row else None

    async def subscriptions(self) -> list[Subscription]:
        query = select(subscriptions).order_by(subscriptions.c.created_at, subscriptions.c.id)
        return [_subscription(r) for r in (await self._conn.execute(query)).all()]

    async def set_secret(self, subscription_id: str, secret: str, at: datetime) -> None:
        await self._conn.execute(
            update(subscriptions).where(subscriptions.c.id == subscription_id).values(secret=secret,
                                                                                      secret_rotated_at=at)
        )

    async def remove_subscription(self, subscription_id: str) -> None:
        await self._conn.execute(delete(deliveries).where(deliveries.c.subscription_id == subscription_id))
        await self._conn.execute(delete(subscriptions).where(subscriptions.c.id == subscription_id))

    async def add_deliveries(self, rows: list[dict[str, Any]]) -> None:
        """Queue deliveries; one already queued (the same event for the same subscription: a redelivered
        event) is skipped, so the consumer needs no inbox of the events it fanned out."""
        if not rows:
            return
        stored = {(found[0], found[1]) for found in await self._conn.execute(
            select(deliveries.c.subscription_id, deliveries.c.event_id).where(
                deliveries.c.subscription_id.in_({row["subscription_id"] for row in rows}),
                deliveries.c.event_id.in_({row["event_id"] for row in rows}),
            )
        )}
        new = [row for row in rows if (row["subscription_id"], row["event_id"]) not in stored]
        if new:
            await self._conn.execute(insert(deliveries), new)

    async def deliveries(self, subscription_id: str, *, state: DeliveryState | None, limit: int,
                         before_id: int | None) -> list[Delivery]:
        query = (select(deliveries).where(deliveries.c.subscription_id == subscription_id)
                 .order_by(deliveries.c.id.desc()).limit(limit))
        if state is not None:
            query = query.where(deliveries.c.state == state.value)
        if before_id is not None:
            query = query.where(deliveries.c.id < before_id)
        return [_delivery(r) for r in (await self._conn.execute(query)).all()]

    async def delivery(self, delivery_id: int) -> Delivery | None:
        row = (await self._conn.execute(select(deliveries).where(deliveries.c.id == delivery_id))).first()
        return _delivery(row) if row else None

    async def counts(self, subscription_id: str) -> dict[str, int]:
        query = (select(deliveries.c.state, func.count()).where(deliveries.c.subscription_id == subscription_id)
                 .group_by(deliveries.c.state))
        return {state: n for state, n in (await self._conn.execute(query)).all()}

    async def due(self, now: datetime, limit: int, per_subscription: int) -> list[DueDelivery]:
        """Due deliveries, oldest first, at most `per_subscription` of each subscription.

        So a subscription with a long backlog (a receiver that is down) cannot fill the batch
        and keep the other subscriptions' deliveries waiting.
        """
        rank = (
            func.row_number()
            .over(partition_by=deliveries.c.subscription_id,
                  order_by=(deliveries.c.next_attempt_at, deliveries.c.id))
            .label("rank")
        )
        ranked = (
            select(deliveries.c.id, deliveries.c.subscription_id, deliveries.c.next_attempt_at, rank)
            .where(deliveries.c.next_attempt_at.is_not(None), deliveries.c.next_attempt_at <= now)
            .subquery()
        )
        query = (
            select(ranked.c.id, ranked.c.subscription_id, ranked.c.next_attempt_at)
            .where(ranked.c.rank <= per_subscription)
            .order_by(ranked.c.next_attempt_at, ranked.c.id)
            .limit(limit)
        )
        return [DueDelivery(r.id, r.subscription_id, r.next_attempt_at) for r in (await self._conn.execute(query)).all()]

    async def claim(self, due: DueDelivery, lease_until: datetime) -> Outgoing | None:
        """Move the due row's next attempt to `lease_until`, if nobody else did; None if another sweep won."""
        claimed = await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == due.id, deliveries.c.next_attempt_at == due.next_attempt_at)
            .values(next_attempt_at=lease_until)
        )
        if claimed.rowcount != 1:
            return None
        row = (
            await self._conn.execute(
                select(deliveries.c.id, deliveries.c.subscription_id, deliveries.c.event_id,
                       deliveries.c.event_type, deliveries.c.payload, deliveries.c.attempts,
                       subscriptions.c.url, subscriptions.c.secret)
                .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
                .where(deliveries.c.id == due.id)
            )
        ).first()
        if row is None:
            return None
        return Outgoing(id=row.id, subscription_id=row.subscription_id, url=row.url, secret=row.secret,
                        event_id=row.event_id, event_type=row.event_type, payload=row.payload,
                        attempts=row.attempts)

    async def record_attempt(self, delivery_id: int, values: dict[str, Any]) -> None:
        await self._conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))
