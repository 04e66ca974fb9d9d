"""The hash chain over every recorded event.

Row n stores `prev_hash` (the hash of row n-1, or GENESIS for the first row) and
`hash = sha256(prev_hash + canonical JSON of the whole envelope)`. Changing any stored
envelope breaks its own hash; deleting or inserting a row breaks the link of the row
after it; cutting rows off the end is seen against the chain head, whose hash can be
published or copied elsewhere to anchor the chain.

Who acted (`actor`, `actor_role`, `actor_unit`) is part of the envelope, so it is hashed
with it: rows recorded since envelopes carry the role and unit have them under the hash,
and older rows, whose envelopes have neither, verify as they were recorded (the hashed
text is the stored text, never re-serialised). The actor columns beside the envelope
must agree with it (absent in an old envelope = NULL column).

    seq 1: prev=GENESIS  hash=H1=sha256(GENESIS + E1)
    seq 2: prev=H1       hash=H2=sha256(H1 + E2)
    …
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_json(envelope: dict[str, Any]) -> str:
    """The one text form of an envelope that is hashed: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def same_content(recorded: str, envelope: dict[str, Any]) -> bool:
    """Is `envelope` the event recorded as `recorded`? Attributes added to the envelope since it was
    recorded (actor_role, actor_unit …) count as the same when they are empty."""
    if recorded == canonical_json(envelope):
        return True
    try:
        stored = json.loads(recorded)
    except ValueError:
        return False
    if not isinstance(stored, dict):
        return False
    newer = {k: v for k, v in envelope.items() if k in stored or v is not None}
    return canonical_json(stored) == canonical_json(newer)


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    """What appending one event adds to the chain."""

    seq: int
    prev_hash: str
    hash: str
    canonical: str


@dataclass(frozen=True)
class ChainHead:
    """The last link of the chain: seq 0 and GENESIS while it is empty."""

    seq: int = 0
    hash: str = GENESIS

    def append(self, envelope: dict[str, Any]) -> Link:
        canonical = canonical_json(envelope)
        return Link(seq=self.seq + 1, prev_hash=self.hash, hash=chain_hash(self.hash, canonical), canonical=canonical)

    def advance(self, link: Link) -> ChainHead:
        return ChainHead(seq=link.seq, hash=link.hash)


@dataclass(frozen=True)
class StoredLink:
    """One stored row as the verifier sees it: the hashed text and the columns beside it."""

    seq: int
    prev_hash: str
    hash: str
    envelope_text: str
    event_id: str
    type: str
    case_id: str
    time: datetime
    actor: str | None = None
    actor_role: str | None = None
    actor_unit: str | None = None


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS


class ChainVerifier:
    """Recomputes the chain row by row (fed in seq order, in batches) and stops at the first break."""

    def __init__(self) -> None:
        self._expected = ChainHead()
        self.checked = 0
        self.first_broken_seq: int | None = None
        self.reason: str | None = None

    @property
    def broken(self) -> bool:
        return self.first_broken_seq is not None

    def feed(self, rows: Iterable[StoredLink]) -> bool:
        """Check rows in order; False once the chain is broken (feed no more)."""
        for row in rows:
            if self.broken:
                return False
            self.checked += 1
            reason = self._check(row)
            if reason is not None:
                self.first_broken_seq = row.seq
                self.reason = reason
                return False
            self._expected = ChainHead(seq=row.seq, hash=row.hash)
        return not self.broken

    def _check(self, row: StoredLink) -> str | None:
        expected = self._expected
        if row.seq != expected.seq + 1:
            return f"seq {row.seq} follows seq {expected.seq}: rows {expected.seq + 1}..{row.seq - 1} are missing"
        if row.prev_hash != expected.hash:
            return f"seq {row.seq} links to {row.prev_hash[:12]}…, but seq {expected.seq} has hash {expected.hash[:12]}…"
        try:
            envelope = json.loads(row.envelope_text)
        except ValueError as exc:
            return f"seq {row.seq}: the stored envelope is not JSON ({exc})"
        if not isinstance(envelope, dict):
            return f"seq {row.seq}: the stored envelope is not a JSON object"
        if chain_hash(row.prev_hash, canonical_json(envelope)) != row.hash:
            return f"seq {row.seq}: the stored envelope does not match its hash (altered after it was recorded)"
        for column, value in (("event_id", row.event_id), ("type", row.type), ("case_id", row.case_id),
                              ("actor", row.actor), ("actor_role", row.actor_role), ("actor_unit", row.actor_unit)):
            key = "id" if column == "event_id" else column
            if envelope.get(key) != value:
                return f"seq {row.seq}: column {column}={value!r} differs from the hashed envelope's {envelope.get(key)!r}"
        try:
            hashed_time = datetime.fromisoformat(str(envelope.get("time")))
        except ValueError:
            return f"seq {row.seq}: the hashed envelope's time is not a date-time"
        if hashed_time.tzinfo is None:
            hashed_time = hashed_time.replace(tzinfo=UTC)
        if hashed_time != row.time:
            return f"seq {row.seq}: column time={row.time.isoformat()} differs from the hashed envelope's {hashed_time.isoformat()}"
        return None

    def finish(self, head: ChainHead | None) -> Verification:
        """The result, checking that the stored chain head is the last row (nothing cut off the end)."""
        last = self._expected
        if not self.broken and head is not None and (head.seq, head.hash) != (last.seq, last.hash):
            if head.seq > last.seq:
                self.first_broken_seq = last.seq + 1
                self.reason = f"the chain head is at seq {head.seq} but the rows end at seq {last.seq}: rows were removed"
            elif head.seq < last.seq:
                self.first_broken_seq = head.seq + 1
                self.reason = f"rows after seq {head.seq} were added behind the chain head's back"
            else:
                self.first_broken_seq = last.seq
                self.reason = f"seq {last.seq} and its hash were rewritten: the chain head records {head.hash[:12]}…"
        if head is None:
            if not self.broken and last.seq > 0:
                self.first_broken_seq = last.seq
                self.reason = f"the chain head is missing although rows up to seq {last.seq} exist"
            head = last
        return Verification(
            ok=not self.broken,
            checked=self.checked,
            first_broken_seq=self.first_broken_seq,
            reason=self.reason,
            head_seq=head.seq,
            head_hash=head.hash,
        )


def verify(rows: Iterable[StoredLink], head: ChainHead | None) -> Verification:
    """Verify a whole chain held in memory (the service feeds ChainVerifier in batches instead)."""
    verifier = ChainVerifier()
    verifier.feed(rows)
    return verifier.finish(head)
