"""What drives the webhooks service: every event of the catalogue, and the delivery loop.

Consuming an event only queues deliveries (WebhookService.on_event). The DeliveryLoop,
started with the runtime, sweeps for due deliveries and POSTs them as background tasks:
at most `concurrency` in flight, at most `per_subscription` to one receiver, each bounded
by the sender's timeout, so a receiver that hangs or fails uses its own slots and
nothing else.
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter

import structlog

from sanwei_contracts.catalog import received_by
from sanwei_kit.loops import SweepLoop
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import TimerHandler
from sanwei_webhooks.adapters.repository import DueDelivery
from sanwei_webhooks.adapters.sender import HttpSender
from sanwei_webhooks.service import WebhookService

log = structlog.get_logger(__name__)


def subscriptions(service: WebhookService) -> list[Subscription]:
    # Every event type but the confidential 纪委 ones: NATS would refuse those to the webhooks user anyway.
    # No inbox: a delivery is keyed by (subscription, event), and one already queued is skipped.
    # `wanted`: the events of a type no subscription selects are acknowledged unread (most types, most of the time).
    return [Subscription(spec.model, service.on_event, handle_many=service.on_events, inbox=False,
                         wanted=functools.partial(service.wanted, spec.type))
            for spec in received_by("webhooks")]


def timer_handlers(service: WebhookService) -> dict[str, TimerHandler]:
    return {}


class DeliveryLoop(SweepLoop):
    def __init__(
        self,
        service: WebhookService,
        sender: HttpSender,
        *,
        concurrency: int,
        per_subscription: int,
        poll_interval: float,
        batch_size: int,
        lease: float,
    ) -> None:
        super().__init__("webhook-delivery-loop", poll_interval=poll_interval, batch_size=batch_size)
        self._service = service
        self._sender = sender
        self._concurrency = concurrency
        self._per_subscription = per_subscription
        self._lease = lease
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._per_sub: Counter[str] = Counter()
        self.attempted_total = 0

    async def stop(self, grace: float = 10.0) -> None:
        await super().stop(grace)
        # Attempts in flight are abandoned; their lease runs out and they are attempted again.
        for task in list(self._in_flight.values()):
            task.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        await self._sender.close()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def sweep(self) -> int:
        """Start an attempt for each due delivery that has a free slot; returns how many started."""
        if len(self._in_flight) >= self._concurrency:
            return 0
        started = 0
        for due in await self._service.due(self._batch_size, self._per_subscription):
            if len(self._in_flight) >= self._concurrency:
                break
            if due.id in self._in_flight or self._per_sub[due.subscription_id] >= self._per_subscription:
                continue
            if await self._start(due):
                started += 1
        return started

    async def _start(self, due: DueDelivery) -> bool:
        outgoing = await self._service.claim(due, self._lease)
        if outgoing is None:
            return False
        self._per_sub[outgoing.subscription_id] += 1

        async def attempt() -> None:
            try:
                started_at = self._service.wall.now()
                body, headers = self._service.signed_request(outgoing)
                outcome = await self._sender.post(outgoing.url, body, headers)
                await self._service.record_attempt(outgoing, outcome, started_at)
                self.attempted_total += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # recorded nowhere: the lease runs out and it is attempted again
                log.exception("webhooks.attempt_failed", delivery_id=outgoing.id, error=str(exc))
            finally:
                self._in_flight.pop(outgoing.id, None)
                self._per_sub[outgoing.subscription_id] -= 1

        self._in_flight[outgoing.id] = asyncio.create_task(attempt(), name=f"webhook-delivery-{outgoing.id}")
        return True

    async def drain(self) -> None:
        """Wait for the attempts in flight (tests, and a sweep-then-wait step)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight.values()), return_exceptions=True)
