"""Time-ordered ids: the layout of RFC 9562's UUIDv7, the order they are made in, no repeats."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from sanwei_contracts import ids
from sanwei_contracts.envelope import new_envelope
from sanwei_contracts.examples import example_data


def test_an_id_is_a_uuid_version_7_with_the_rfc_variant() -> None:
    value = ids.new_id()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_the_id_starts_with_its_milliseconds_then_the_sub_millisecond_fraction(monkeypatch) -> None:
    made_at_ns = 1_782_777_600_123_750_000  # …123 ms and 750 µs
    monkeypatch.setattr(ids.time, "time_ns", lambda: made_at_ns)
    value = ids.new_id()
    assert ids.id_time_ms(value) == made_at_ns // 1_000_000
    assert (value.int >> 64) & 0xFFF == 4096 * 3 // 4  # 750 µs of a millisecond, in 12 bits


def test_ids_made_one_after_another_sort_in_the_order_they_were_made() -> None:
    made = [ids.new_id() for _ in range(20_000)]
    assert made == sorted(made)
    assert [str(v) for v in made] == sorted(str(v) for v in made)  # as stored: text columns
    assert len(set(made)) == len(made)


def test_ids_of_one_instant_differ_by_their_random_bits(monkeypatch) -> None:
    monkeypatch.setattr(ids.time, "time_ns", lambda: 1_782_777_600_000_000_000)
    made = {ids.new_id() for _ in range(1_000)}
    assert len(made) == 1_000


def test_reading_the_time_of_another_version_is_refused() -> None:
    with pytest.raises(ValueError, match="not a UUIDv7"):
        ids.id_time_ms(uuid.uuid4())


def test_a_new_envelope_gets_a_time_ordered_id() -> None:
    data = example_data("sanwei.registry.task.v1.overdue")
    now = datetime.now(UTC)
    first = new_envelope(data, subject="task/1", case_id="1", time=now)
    second = new_envelope(data, subject="task/1", case_id="1", time=now)
    assert first.id.version == 7
    assert first.id < second.id

