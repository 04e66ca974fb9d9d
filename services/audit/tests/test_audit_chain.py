"""The hash chain, pure: appending, verifying, and finding exactly the row that was altered."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sanwei_audit.domain.chain import GENESIS, ChainHead, StoredLink, canonical_json, chain_hash, verify

pytestmark = pytest.mark.unit

T0 = datetime(2026, 10, 10, tzinfo=UTC)


def _envelope(n: int) -> dict:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "type": "sanwei.supervision.notice.v1.issued",
        "case_id": "case-1",
        "time": (T0 + timedelta(minutes=n)).isoformat(),
        "data": {"number": f"督〔2026〕{n}号", "unit": "区发改局"},
    }


def _chain(count: int) -> tuple[list[StoredLink], ChainHead]:
    head = ChainHead()
    rows = []
    for n in range(1, count + 1):
        envelope = _envelope(n)
        link = head.append(envelope)
        rows.append(StoredLink(seq=link.seq, prev_hash=link.prev_hash, hash=link.hash, envelope_text=link.canonical,
                               event_id=envelope["id"], type=envelope["type"], case_id=envelope["case_id"],
                               time=datetime.fromisoformat(envelope["time"])))
        head = head.advance(link)
    return rows, head


def test_canonical_json_is_sorted_compact_and_keeps_chinese() -> None:
    text = canonical_json({"b": 1, "a": {"unit": "区发改局", "z": [1, 2]}})
    assert text == '{"a":{"unit":"区发改局","z":[1,2]},"b":1}'


def test_hash_is_sha256_of_prev_hash_and_canonical_envelope() -> None:
    envelope = _envelope(1)
    link = ChainHead().append(envelope)
    expected = hashlib.sha256((GENESIS + json.dumps(envelope, sort_keys=True, separators=(",", ":"),
                                                    ensure_ascii=False)).encode()).hexdigest()
    assert link.seq == 1
    assert link.prev_hash == GENESIS
    assert link.hash == expected == chain_hash(GENESIS, link.canonical)


def test_each_link_points_to_the_previous_hash() -> None:
    rows, head = _chain(3)
    assert [r.prev_hash for r in rows] == [GENESIS, rows[0].hash, rows[1].hash]
    assert (head.seq, head.hash) == (3, rows[2].hash)


def test_an_intact_chain_verifies() -> None:
    rows, head = _chain(5)
    result = verify(rows, head)
    assert result.ok
    assert result.checked == 5
    assert result.first_broken_seq is None and result.reason is None
    assert result.head_hash == rows[-1].hash


def test_an_empty_chain_verifies() -> None:
    result = verify([], ChainHead())
    assert result.ok and result.checked == 0 and result.head_hash == GENESIS


def test_an_altered_envelope_is_reported_at_its_own_row() -> None:
    rows, head = _chain(5)
    rows[2] = replace(rows[2], envelope_text=rows[2].envelope_text.replace("区发改局", "区财政局"))
    result = verify(rows, head)
    assert not result.ok
    assert result.first_broken_seq == 3
    assert result.checked == 3
    assert "does not match its hash" in (result.reason or "")


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link() -> None:
    rows, head = _chain(5)
    forged = rows[1].envelope_text.replace("区发改局", "区财政局")
    rows[1] = replace(rows[1], envelope_text=forged, hash=chain_hash(rows[1].prev_hash, forged))
    result = verify(rows, head)
    assert result.first_broken_seq == 3
    assert "links to" in (result.reason or "")


def test_the_last_row_rewritten_with_a_fresh_hash_is_seen_against_the_head() -> None:
    rows, head = _chain(3)
    forged = rows[2].envelope_text.replace("区发改局", "区财政局")
    rows[2] = replace(rows[2], envelope_text=forged, hash=chain_hash(rows[2].prev_hash, forged))
    result = verify(rows, head)
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert "rewritten" in (result.reason or "")


def test_a_deleted_row_is_reported_where_the_gap_is() -> None:
    rows, head = _chain(5)
    del rows[1]
    result = verify(rows, head)
    assert result.first_broken_seq == 3
    assert "missing" in (result.reason or "")


def test_rows_cut_off_the_end_are_seen_against_the_head() -> None:
    rows, head = _chain(5)
    result = verify(rows[:3], head)
    assert not result.ok
    assert result.first_broken_seq == 4
    assert "removed" in (result.reason or "")


def test_a_column_that_differs_from_the_hashed_envelope_is_reported() -> None:
    rows, head = _chain(4)
    rows[1] = replace(rows[1], case_id="another-case")
    result = verify(rows, head)
    assert result.first_broken_seq == 2
    assert "case_id" in (result.reason or "")


def test_a_time_column_that_differs_from_the_hashed_envelope_is_reported() -> None:
    rows, head = _chain(4)
    rows[3] = replace(rows[3], time=rows[3].time + timedelta(days=1))
    result = verify(rows, head)
    assert result.first_broken_seq == 4
    assert "time" in (result.reason or "")


def test_a_stored_envelope_that_is_no_json_is_reported() -> None:
    rows, head = _chain(2)
    rows[0] = replace(rows[0], envelope_text="{broken")
    assert verify(rows, head).first_broken_seq == 1


def test_a_missing_head_is_reported() -> None:
    rows, _ = _chain(2)
    result = verify(rows, None)
    assert not result.ok
    assert "head is missing" in (result.reason or "")
