"""Yearly counters: concurrent claims in separate transactions get distinct, gapless numbers."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from sanwei_kit.counters import claim_block, claim_next, counter_table
from sanwei_kit.db import Database, new_metadata
from sanwei_kit.testing import database_with_tables

pytestmark = pytest.mark.unit

metadata = new_metadata()
counters = counter_table("counters", metadata)


@pytest.fixture
async def db(tmp_path):
    async with database_with_tables(tmp_path, "kit_counters", metadata) as database:
        yield database


async def _claim(db: Database, series: str, year: int, start_after: int = 0, hold: bool = True) -> int:
    async def issued() -> int:
        return start_after

    async with db.transaction() as conn:
        number = await claim_next(conn, counters, series=series, year=year, start_after=issued)
        if hold:
            await asyncio.sleep(0)  # let the other claims run while this transaction holds its number
    return number


async def test_concurrent_first_and_later_claims_never_share_a_number(db):
    numbers = await asyncio.gather(*(_claim(db, "线索", 2026) for _ in range(12)))
    assert sorted(numbers) == list(range(1, 13))
    assert await _claim(db, "线索", 2027) == 1  # every year starts again
    assert await _claim(db, "督", 2026) == 1  # and every series
    async with db.connect() as conn:
        rows = (await conn.execute(select(counters).order_by(counters.c.series, counters.c.year))).all()
    assert [tuple(r) for r in rows] == [("督", 2026, 1), ("线索", 2026, 12), ("线索", 2027, 1)]


async def test_the_first_claim_continues_after_numbers_issued_before_the_counter(db):
    assert await _claim(db, "线索", 2026, start_after=7) == 8
    assert await _claim(db, "线索", 2026, start_after=7) == 9  # the counter is the truth from then on


async def test_a_rolled_back_claim_gives_its_number_back(db):
    assert await _claim(db, "线索", 2026) == 1
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            assert await claim_next(conn, counters, series="线索", year=2026) == 2
            raise RuntimeError("the registration failed")
    assert await _claim(db, "线索", 2026) == 2


async def test_blocks_and_single_claims_share_one_gapless_series(db):
    async def block(count: int, start_after: int = 0) -> list[int]:
        async def issued() -> int:
            return start_after

        async with db.transaction() as conn:
            first = await claim_block(conn, counters, series="线索", year=2026, count=count, start_after=issued)
        return list(range(first, first + count))

    assert await block(3, start_after=4) == [5, 6, 7]  # the year's first claim, after numbers issued before
    assert await _claim(db, "线索", 2026) == 8
    assert await block(5) == [9, 10, 11, 12, 13]
    numbers = await asyncio.gather(block(4), _claim(db, "线索", 2026), block(2))
    assert sorted(n for claimed in numbers for n in (claimed if isinstance(claimed, list) else [claimed])) == \
        list(range(14, 21))
