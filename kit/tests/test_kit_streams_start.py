"""A service started while JetStream is not ready yet waits for it instead of failing its start."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from nats.errors import NoRespondersError
from nats.js.errors import ServiceUnavailableError

from sanwei_contracts import STREAMS
from sanwei_kit import messaging
from sanwei_kit.messaging import ensure_streams

pytestmark = pytest.mark.unit


class StartingJetStream:
    """Answers like a server still recovering its streams for the first `not_ready` calls."""

    def __init__(self, not_ready: int) -> None:
        self.not_ready = not_ready
        self.created: list[str] = []

    async def add_stream(self, config):  # type: ignore[no-untyped-def]
        if self.not_ready:
            self.not_ready -= 1
            raise (NoRespondersError() if self.not_ready % 2 else ServiceUnavailableError())
        self.created.append(config.name)


def broker_on(js: StartingJetStream) -> SimpleNamespace:
    return SimpleNamespace(config=SimpleNamespace(connection_state=SimpleNamespace(stream=js)))


async def test_streams_are_ensured_once_jetstream_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messaging.asyncio, "sleep", _no_wait)
    js = StartingJetStream(not_ready=3)
    await ensure_streams(broker_on(js), duplicate_window=60)  # type: ignore[arg-type]
    assert js.created == [stream.name for stream in STREAMS]


async def test_a_jetstream_that_never_answers_still_fails_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messaging.asyncio, "sleep", _no_wait)
    with pytest.raises((NoRespondersError, ServiceUnavailableError)):
        await ensure_streams(broker_on(StartingJetStream(not_ready=10_000)), duplicate_window=60)  # type: ignore[arg-type]


async def _no_wait(_seconds: float) -> None:
    return None
