"""Delivers the queued status callbacks to the 12345 hotline system, with retries.

Callbacks are rows written in the transaction of the change they report (like the
outbox). This dispatcher POSTs each as JSON to its URL outside any transaction, then
records the attempt: delivered on a 2xx answer; otherwise retried after a doubling
delay, and given up after `max_attempts` (the row stays, with the last error, for the
operator: `GET /clues/{id}` shows it). Callbacks of one ticket are delivered in the
order they were written: a later one waits while an earlier one is still pending.
Delivery is at least once (a crash between the POST and its record repeats the POST);
the `X-Sanwei-Callback-Id` header lets the receiver drop a repeat.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import structlog

from sanwei_kit.clock import Clock
from sanwei_kit.db import Database
from sanwei_kit.loops import SweepLoop
from sanwei_media.adapters.clues import Callback, ClueRepository
from sanwei_media.domain.clues import next_attempt_delay

log = structlog.get_logger(__name__)


class CallbackDispatcher(SweepLoop):
    def __init__(self, db: Database, clock: Clock, *, timeout: float, retry_delay: float, max_retry_delay: float,
                 max_attempts: int, poll_interval: float, batch_size: int = 50) -> None:
        super().__init__("hotline-callbacks", poll_interval=poll_interval, batch_size=batch_size)
        self._db = db
        self._clock = clock
        self._timeout = timeout
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._max_attempts = max_attempts
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self._timeout)
        super().start()

    async def stop(self, grace: float = 10.0) -> None:
        await super().stop(grace)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def sweep(self) -> int:
        return await self.deliver_due(self._client)

    async def deliver_due(self, client: httpx.AsyncClient | None = None) -> int:
        """Attempt every callback due now (the first pending one of each ticket); returns how many were delivered."""
        if client is None:
            async with httpx.AsyncClient(timeout=self._timeout) as own:
                return await self.deliver_due(own)
        now = self._clock.now()
        async with self._db.connect() as conn:
            pending = await ClueRepository(conn).pending_callbacks(self._batch_size)
        first_per_clue: dict[str, Callback] = {}
        for callback in pending:
            first_per_clue.setdefault(callback.clue_id, callback)
        delivered = 0
        for callback in first_per_clue.values():
            if callback.next_attempt_at <= now and await self._attempt(client, callback):
                delivered += 1
        return delivered

    async def _attempt(self, client: httpx.AsyncClient, callback: Callback) -> bool:
        error: str | None = None
        try:
            response = await client.post(callback.url, json=callback.payload,
                                         headers={"X-Sanwei-Callback-Id": callback.id})
            if not response.is_success:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        now = self._clock.now()
        attempts = callback.attempts + 1
        gave_up = error is not None and attempts >= self._max_attempts
        delay = next_attempt_delay(attempts, self._retry_delay, self._max_retry_delay)
        async with self._db.transaction() as conn:
            await ClueRepository(conn).record_attempt(
                callback, delivered_at=now if error is None else None, error=error,
                next_attempt_at=now + timedelta(seconds=delay), gave_up_at=now if gave_up else None,
            )
        if error is None:
            log.info("hotline_callbacks.delivered", callback_id=callback.id, status=callback.status.value)
        else:
            log.warning("hotline_callbacks.failed", callback_id=callback.id, status=callback.status.value,
                        attempts=attempts, gave_up=gave_up, error=error)
        return error is None
