"""fetch_waiting on a real nats-server: what waits, in order, at once, and without a task per message."""

from __future__ import annotations

import asyncio

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from sanwei_kit.pull import fetch_waiting

pytestmark = pytest.mark.integration

SUBJECT = "probe.events"
NEVER = 60.0  # a deadline no call here may wait for: each is awaited under a much shorter one


async def _consumer_with(nats_url: str, messages: int):  # type: ignore[no-untyped-def]
    client = await nats.connect(nats_url)
    js = client.jetstream()
    await js.add_stream(StreamConfig(name="PROBE", subjects=[SUBJECT]))
    for i in range(messages):
        await js.publish(SUBJECT, str(i).encode())
    pull = await js.pull_subscribe(SUBJECT, durable="probe", stream="PROBE",
                                   config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT))
    return client, pull


async def test_it_takes_what_waits_in_order_and_returns_once_the_server_has_sent_it(nats_server):
    client, pull = await _consumer_with(nats_server, 150)
    try:
        first = await asyncio.wait_for(fetch_waiting(pull, 100, NEVER), timeout=10)
        rest = await asyncio.wait_for(fetch_waiting(pull, 100, NEVER), timeout=10)  # 50 wait: no waiting for 100
        none = await asyncio.wait_for(fetch_waiting(pull, 100, NEVER), timeout=10)
        assert [int(m.data) for m in first + rest] == list(range(150))
        assert none == []
        for message in first + rest:
            await message.ack()
    finally:
        await client.close()


async def test_a_batch_makes_no_task_per_message(nats_server):
    """nats-py's fetch made two tasks (and a uuid4) per message; a batch of 100 here makes none."""
    client, pull = await _consumer_with(nats_server, 100)
    loop = asyncio.get_running_loop()
    created = 0
    default_factory = loop.get_task_factory()

    def counting(loop, coro, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal created
        created += 1
        return default_factory(loop, coro, **kwargs) if default_factory else asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(counting)
    try:
        taken = await fetch_waiting(pull, 100, NEVER)
    finally:
        loop.set_task_factory(default_factory)
        await client.close()
    assert len(taken) == 100
    assert created <= 2, f"{created} tasks for a batch of 100"


async def test_messages_left_queued_by_an_earlier_pull_come_first_and_a_stale_status_is_skipped(nats_server):
    client, pull = await _consumer_with(nats_server, 3)
    try:
        # An earlier pull's whole reply sits in the queue: three messages, then "no messages".
        await pull._nc.publish(pull._nms, b'{"batch": 5, "no_wait": true}', pull._deliver)
        await asyncio.sleep(0.5)
        two = await asyncio.wait_for(fetch_waiting(pull, 2, NEVER), timeout=10)  # from the queue alone
        rest = await asyncio.wait_for(fetch_waiting(pull, 10, NEVER), timeout=10)  # the third; the status is old
        assert [int(m.data) for m in two] == [0, 1]
        assert [int(m.data) for m in rest] == [2]
    finally:
        await client.close()
