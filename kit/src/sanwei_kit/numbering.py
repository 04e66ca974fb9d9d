"""Document numbers that restart every year: 督〔2026〕15号, 线索〔2026〕3号.

Official documents are numbered per year with a prefix naming their series, the year
in 六角括号 〔〕 and the sequence number. The year is the year of the day the document
is issued in China, not in UTC: a notice issued at 00:30 on New Year's Day in Jinan
belongs to the new year. Pure value logic; how a service hands out the next sequence
number is its adapters' business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sanwei_kit.calendar import local_date

_NUMBER = re.compile(r"^(?P<prefix>.+)〔(?P<year>\d{4})〕(?P<seq>\d+)号$")


def numbering_year(instant: datetime) -> int:
    """The year a document issued at `instant` is numbered in: the year in China."""
    return local_date(instant).year


@dataclass(frozen=True)
class YearlyNumber:
    """督〔2026〕15号: the 15th document of the 督 series issued in 2026. Numbers start at 1."""

    year: int
    seq: int
    prefix: str

    def __post_init__(self) -> None:
        if self.seq < 1:
            raise ValueError(f"numbers start at 1, not {self.seq}")

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.seq}号"

    @classmethod
    def parse(cls, text: str) -> YearlyNumber:
        match = _NUMBER.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a yearly number like 督〔2026〕15号")
        return cls(int(match["year"]), int(match["seq"]), match["prefix"])

    @classmethod
    def next(cls, year: int, last_seq: int, prefix: str) -> YearlyNumber:
        """The number after the year's last one (`last_seq` 0 when none was issued that year)."""
        if last_seq < 0:
            raise ValueError("last_seq must be zero or more")
        return cls(year, last_seq + 1, prefix)
