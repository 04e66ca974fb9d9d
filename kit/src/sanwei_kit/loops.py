"""Background sweeps: the outbox relay, the timer loop, webhook and callback deliveries.

Each is the same loop: run a sweep, and if it did not fill a batch, wait (a poll interval,
or until woken) before the next one. A failing sweep is logged by its exception's type
only — messages may carry confidential content — and the loop goes on.
"""

from __future__ import annotations

import asyncio

import structlog

log = structlog.get_logger(__name__)


class SweepLoop:
    """Subclasses define `sweep()`, returning how much it did; a full batch sweeps again at once."""

    def __init__(self, name: str, *, poll_interval: float, batch_size: int) -> None:
        self.loop_name = name
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def sweep(self) -> int:  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def wake(self) -> None:
        """Sweep now instead of at the end of the poll interval."""
        self._wakeup.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.loop_name)

    async def stop(self, grace: float = 10.0) -> None:
        """Let the sweep in progress finish (up to `grace` seconds, then cancel it) and end the loop.

        Ending by a flag and a wake-up rather than by cancelling alone: a cancel that lands while a
        sweep's own awaits are being cancelled or woken can be absorbed on Python 3.11, and the loop
        would then sit out a whole poll interval before stopping.
        """
        if self._task is None:
            return
        self._stopping = True
        self._wakeup.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                done = await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("sweep_failed", loop=self.loop_name, error_type=type(exc).__name__)
                done = 0
            if done >= self._batch_size:
                continue
            self._wakeup.clear()
            if self._stopping:  # asked to stop before the clear: its wake-up is gone, so look here
                break
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)
            except TimeoutError:
                pass
