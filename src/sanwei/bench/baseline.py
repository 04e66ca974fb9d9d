"""The raw baseline: nats-py JetStream alone on the same nats-server, a stream with the
same settings as sanwei's (file storage, same duplicate window, same replicas), messages
of a real envelope's size with a Nats-Msg-Id each, published with `publish_async` and
consumed with a durable pull consumer (explicit ack, acked in batches)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import nats
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig


@dataclass(frozen=True)
class BaselineResult:
    messages: int
    size: int
    publish_seconds: float
    consume_seconds: float

    @property
    def publish_per_second(self) -> float:
        return self.messages / self.publish_seconds

    @property
    def consume_per_second(self) -> float:
        return self.messages / self.consume_seconds

    @property
    def end_to_end_per_second(self) -> float:
        """Messages through the server and out again, published then consumed (one after the other)."""
        return self.messages / (self.publish_seconds + self.consume_seconds)


async def run(nats_url: str, messages: int, size: int, *, duplicate_window: float = 3600.0,
              pending: int = 4000, fetch_batch: int = 256) -> BaselineResult:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream(publish_async_max_pending=pending)
        stream = f"BENCH_BASELINE_{uuid.uuid4().hex[:8].upper()}"
        subject = f"bench.{stream.lower()}.event"
        await js.add_stream(StreamConfig(name=stream, subjects=[subject], storage=StorageType.FILE,
                                         duplicate_window=duplicate_window, num_replicas=1))
        payload = b"x" * size
        started = time.perf_counter()
        futures = []
        for _ in range(messages):
            futures.append(await js.publish_async(subject, payload, stream=stream,
                                                  headers={"Nats-Msg-Id": str(uuid.uuid4())}))
        acks = await asyncio.gather(*futures)
        publish_seconds = time.perf_counter() - started
        if len(acks) != messages or any(a.duplicate for a in acks):
            raise RuntimeError("baseline publish lost or deduplicated messages")

        consume_seconds = await consume_all(nc, subject, stream, "bench", messages, fetch_batch=fetch_batch)
        await js.delete_stream(stream)
        return BaselineResult(messages=messages, size=size, publish_seconds=publish_seconds,
                              consume_seconds=consume_seconds)
    finally:
        await nc.close()


async def median_of(nats_url: str, messages: int, size: int, *, times: int = 3) -> tuple[BaselineResult, list[float]]:
    """`run` `times` times: the run with the median end-to-end rate, and every run's rate.

    One run lasts seconds; on a shared machine a single one can be a fifth off either way,
    and the headline ratio divides by it.
    """
    results = [await run(nats_url, messages, size) for _ in range(times)]
    ranked = sorted(results, key=lambda r: r.end_to_end_per_second)
    return ranked[len(ranked) // 2], [r.end_to_end_per_second for r in results]


async def consume_all(nc: nats.NATS, subject: str, stream: str, durable: str, messages: int, *,
                      fetch_batch: int = 256, timeout: float = 10.0) -> float:
    """Seconds for a new durable pull consumer (explicit ack, acked as fetched) to take `messages`."""
    js = nc.jetstream()
    sub = await js.pull_subscribe(subject, durable=durable, stream=stream,
                                  config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT))
    received = 0
    started = time.perf_counter()
    while received < messages:
        batch = await sub.fetch(min(fetch_batch, messages - received), timeout=timeout)
        for msg in batch:
            await msg.ack()
        received += len(batch)
    await nc.flush()
    return time.perf_counter() - started
