"""examples/consumer.py consumes one event from a real nats-server, validated by the contracts."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import nats
import pytest
from nats.js.api import StreamConfig

from sanwei_contracts import STREAMS
from sanwei_contracts.examples import example_envelope

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "consumer.py"


def _load_example():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("sanwei_example_consumer", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_example_consumer_reads_and_validates_a_notice(nats_server: str, capsys) -> None:
    example = _load_example()
    event = example_envelope(example.EVENT_TYPE)
    client = await nats.connect(nats_server)
    try:
        js = client.jetstream()
        for stream in STREAMS:  # what the sanwei services create at start
            await js.add_stream(StreamConfig(name=stream.name, subjects=stream.subjects))
        await js.publish("sanwei.supervision.notice.v1.rectified", b"{}")  # another type: filtered out
        await js.publish(event.type, event.model_dump_json().encode(), headers={"Nats-Msg-Id": str(event.id)})

        [handled] = await asyncio.wait_for(example.consume(nats_server, limit=1), timeout=30)
        assert handled == event and handled.data.number == event.data.number
        assert event.data.number in capsys.readouterr().out

        # Acknowledged on the durable consumer: nothing is left for it, and a restart would not see it again.
        info = await js.consumer_info("SANWEI_SUPERVISION", "oa-notices")
        assert info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.consumer_seq == 1
    finally:
        await client.close()
