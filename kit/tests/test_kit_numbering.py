"""Yearly document numbers (督〔2026〕15号, 线索〔2026〕3号) and the year they are numbered in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sanwei_kit.numbering import YearlyNumber, numbering_year

pytestmark = pytest.mark.unit


def test_numbers_count_up_within_a_year_and_restart_with_the_next():
    assert str(YearlyNumber.next(2026, 0, "督")) == "督〔2026〕1号"
    assert str(YearlyNumber.next(2026, 14, "督")) == "督〔2026〕15号"
    assert str(YearlyNumber.next(2027, 0, prefix="创城督")) == "创城督〔2027〕1号"
    with pytest.raises(ValueError):
        YearlyNumber.next(2026, -1, "督")


def test_numbers_start_at_one():
    assert str(YearlyNumber(2026, 3, "线索")) == "线索〔2026〕3号"
    with pytest.raises(ValueError):
        YearlyNumber(2026, 0, "线索")


def test_a_number_reads_back_as_it_was_written():
    number = YearlyNumber(2026, 15, "督")
    assert YearlyNumber.parse(str(number)) == number
    assert YearlyNumber.parse("线索〔2026〕3号") == YearlyNumber(2026, 3, "线索")
    with pytest.raises(ValueError):
        YearlyNumber.parse("督[2026]15号")


def test_the_year_of_a_number_is_the_year_in_china():
    # 2026-12-31 16:30 UTC is already 2027-01-01 00:30 in Jinan.
    assert numbering_year(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == 2027
    assert numbering_year(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == 2026
    assert numbering_year(datetime(2026, 12, 31, 15, 30, tzinfo=UTC)) == 2026
