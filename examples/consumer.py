"""Consume sanwei events straight from NATS JetStream, validated by the published contracts.

    pip install nats-py ./contracts        # sanwei-contracts needs only pydantic
    python examples/consumer.py nats://admin:<password>@127.0.0.1:4222   # the NATS URL `sanwei up` prints

A durable pull consumer (it resumes where it stopped, across restarts) on the
指挥部's 督办通知书 events; each message is validated with the contract model and
acknowledged only after it was handled, so nothing is lost if this process dies.
Remember handled event ids (`envelope.id`): after a crash a message may come again.
The local stack's NATS requires a user (docs/nats-permissions.md): use the admin URL it prints,
or in production a user of your own allowed this consumer's subjects and an inbox prefix.
"""

from __future__ import annotations

import asyncio
import sys

import nats

from sanwei_contracts import Envelope, spec_for_type, stream_for_subject

EVENT_TYPE = "sanwei.supervision.notice.v1.issued"


async def consume(nats_url: str, *, durable: str = "oa-notices", limit: int | None = None) -> list[Envelope]:
    spec = spec_for_type(EVENT_TYPE)  # the subject, the stream and the data model of the event type
    client = await nats.connect(nats_url)
    handled: list[Envelope] = []
    try:
        js = client.jetstream()
        sub = await js.pull_subscribe(spec.subject, durable=durable, stream=stream_for_subject(spec.subject).name)
        while limit is None or len(handled) < limit:
            try:
                messages = await sub.fetch(1, timeout=5)
            except nats.errors.TimeoutError:
                continue
            for message in messages:
                event = Envelope[spec.model].model_validate_json(message.data)  # type: ignore[name-defined]
                print(f"{event.time:%Y-%m-%d %H:%M} {event.data.number} → {event.data.unit}: "
                      f"整改时限 {event.data.deadline} (case {event.case_id})")
                handled.append(event)
                await message.ack_sync()  # confirmed by the server: a restart will not see it again
    finally:
        await client.close()
    return handled


if __name__ == "__main__":
    asyncio.run(consume(sys.argv[1] if len(sys.argv) > 1 else "nats://127.0.0.1:4222"))
