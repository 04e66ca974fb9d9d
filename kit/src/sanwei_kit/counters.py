"""Yearly counters claimed in the caller's transaction: the next 线索〔2026〕N号 with no race.

A counter is one row per (series, year) holding the last number given out. The next
number is claimed with one `UPDATE … SET last_seq = last_seq + 1 … RETURNING last_seq`.
On PostgreSQL the updated row stays locked until the transaction ends: a second replica's
claim waits, then increments the committed value (READ COMMITTED re-reads a row it waited
for), so two transactions never get the same number, and a rolled-back one gives its
number back. SQLite has a single writer, which serializes claims the same way.

The year's first claim inserts the row, starting after `start_after()` (the numbers issued
before the counter existed, e.g. the year's largest stored sequence). Two first claims at
once: one insert wins the primary key; the other, refused, claims with the UPDATE.
Numbering a document by "largest stored + 1" instead lets two replicas read the same
largest and collide on a unique index, to be recovered only by retrying.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import Column, Integer, MetaData, String, Table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection


def counter_table(name: str, metadata: MetaData) -> Table:
    """A service's table of yearly counters (one per series and year)."""
    return Table(
        name,
        metadata,
        Column("series", String(50), primary_key=True),
        Column("year", Integer, primary_key=True, autoincrement=False),
        Column("last_seq", Integer, nullable=False),
    )


async def claim_next(conn: AsyncConnection, table: Table, *, series: str, year: int,
                     start_after: Callable[[], Awaitable[int]] | None = None) -> int:
    """The next number of `series` in `year` (1, 2, …), reserved until this transaction ends."""
    return await claim_block(conn, table, series=series, year=year, count=1, start_after=start_after)


async def claim_block(conn: AsyncConnection, table: Table, *, series: str, year: int, count: int,
                      start_after: Callable[[], Awaitable[int]] | None = None) -> int:
    """The first of the next `count` consecutive numbers of `series` in `year`, all reserved until this
    transaction ends (one statement however many: a burst of registrations numbered in one go)."""
    if count < 1:
        raise ValueError("a block holds at least one number")
    c = table.c
    bump = (update(table).where(c.series == series, c.year == year)
            .values(last_seq=c.last_seq + count).returning(c.last_seq))
    claimed = (await conn.execute(bump)).scalar_one_or_none()
    if claimed is not None:
        return int(claimed) - count + 1
    first = (await start_after() if start_after else 0) + 1
    try:
        async with conn.begin_nested():
            await conn.execute(table.insert().values(series=series, year=year, last_seq=first + count - 1))
    except IntegrityError:  # a concurrent first claim inserted the row: claim after it
        return int((await conn.execute(bump)).scalar_one()) - count + 1
    return first


async def lock_series(conn: AsyncConnection, table: Table, *, series: str, year: int,
                      start_after: Callable[[], Awaitable[int]] | None = None) -> None:
    """Hold the (series, year) counter row until this transaction ends, without taking a number.

    For a check-then-create that must not run twice at once (e.g. "join the open clue of this
    matter, or register a new one"): the second transaction waits here until the first has
    committed, then sees what it created. A number is claimed only if one is needed, so the
    series has no gaps.
    """
    c = table.c
    touch = update(table).where(c.series == series, c.year == year).values(last_seq=c.last_seq)
    if (await conn.execute(touch)).rowcount:
        return
    try:
        async with conn.begin_nested():
            await conn.execute(table.insert().values(series=series, year=year,
                                                     last_seq=await start_after() if start_after else 0))
    except IntegrityError:  # a concurrent first use inserted the row: wait for it
        await conn.execute(touch)
