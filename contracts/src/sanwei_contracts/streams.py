"""JetStream streams: one per producing service, holding every event it emits."""

from __future__ import annotations

from dataclasses import dataclass

PRODUCERS = ("registry", "progress", "supervision", "media", "discipline")


@dataclass(frozen=True)
class StreamSpec:
    name: str
    producer: str

    @property
    def subjects(self) -> list[str]:
        return [f"sanwei.{self.producer}.>"]


STREAMS: tuple[StreamSpec, ...] = tuple(StreamSpec(f"SANWEI_{p.upper()}", p) for p in PRODUCERS)


def stream_for_subject(subject: str) -> StreamSpec:
    producer = subject.split(".")[1]
    for stream in STREAMS:
        if stream.producer == producer:
            return stream
    raise LookupError(f"no stream holds subject {subject!r}")
