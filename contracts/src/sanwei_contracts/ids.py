"""Time-ordered ids (UUID version 7, RFC 9562) for events and for the records services create.

Every id a service makes is a primary or unique key somewhere: the audit log's `event_id`,
each consumer's inbox, the outbox, the notices, exposures and clues. A random id (uuid4)
lands on a random page of that index, so a burst of appends rewrites pages all over it;
an id that starts with the time lands next to the last one. 180,000 appends in the audit
log's shape on SQLite: 10.7 / 14.0 CPU-s with uuid4 ids, 8.7 / 9.6 with time-ordered ones.

Layout (RFC 9562 §5.7, with §6.2 method 3 for order within a millisecond): 48 bits of Unix
milliseconds, the version, 12 bits of the sub-millisecond fraction (steps of ~244 ns), the
variant, 62 random bits. No state is kept, so nothing is shared between calls or threads;
the fraction keeps ids of one process in creation order to well below a microsecond.

Why not a library: `uuid6.uuid7` keeps a process-wide last timestamp and moves it one
millisecond ahead for each id made within the same millisecond, so a burst of 20,000 ids
runs 20 s ahead of the clock; `uuid.uuid7` arrives with Python 3.14 (we support 3.11).
"""

from __future__ import annotations

import secrets
import time
import uuid

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62


def new_id() -> uuid.UUID:
    """A new UUIDv7: ordered by the wall-clock time it was made, unique by its 62 random bits."""
    nanoseconds = time.time_ns()
    milliseconds, sub_millisecond = divmod(nanoseconds, 1_000_000)
    fraction = sub_millisecond * 4096 // 1_000_000  # 12 bits
    value = (milliseconds & 0xFFFF_FFFF_FFFF) << 80 | _VERSION_7 | fraction << 64 | _VARIANT_RFC \
        | secrets.randbits(62)
    return uuid.UUID(int=value)


def id_time_ms(value: uuid.UUID) -> int:
    """The Unix milliseconds a UUIDv7 was made at (for tests and for reading an id in an incident)."""
    if value.version != 7:
        raise ValueError(f"{value} is not a UUIDv7 (version {value.version})")
    return value.int >> 80
