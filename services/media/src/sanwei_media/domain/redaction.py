"""Personal data that never reaches the public 曝光台: citizens' names, phone numbers, ID numbers.

The public feed shows what was exposed and what was published, written by editors who
may paste a citizen's message as it came. Before anything is shown publicly it passes
through `redact`:

- 11-digit mainland mobile numbers (1[3-9]xxxxxxxxx, also written 138-1234-5678 or with
  spaces, optionally +86) keep their first three and last four digits: 138****5678;
- 18-character resident ID numbers (GB 11643: 17 digits and a check character, digit or
  X) whose check character is right are masked but for the first six (region) and the
  last four characters; a string of 18 digits whose checksum is wrong is not an ID number
  and stays (e.g. an order number);
- names given as fields (the citizen who sent the clue, the caller of a 12345 ticket)
  become surname + 某 (张三丰 → 张某), wherever they occur.
Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[-\s]?)?(1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_valid(candidate: str) -> bool:
    """True if `candidate` is an 18-character resident ID number with the right check character."""
    if len(candidate) != 18 or not candidate[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(candidate[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == candidate[17].upper()


def mask_name(name: str) -> str:
    """张三丰 → 张某; a two-character compound surname is not guessed (欧阳娜娜 → 欧某)."""
    return f"{name.strip()[:1]}某"


def _mask_mobile(match: re.Match[str]) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def _mask_id(match: re.Match[str]) -> str:
    value = match.group(1)
    if not id_number_valid(value):
        return value
    return f"{value[:6]}********{value[14:]}"


def redact(text: str, names: Iterable[str] = ()) -> str:
    """`text` with phone numbers, ID numbers and the given personal names masked."""
    if not text:
        return text
    out = _ID_NUMBER.sub(_mask_id, text)  # IDs first: their digits must not be read as a phone number
    out = _MOBILE.sub(_mask_mobile, out)
    # Longest names first, so 张三丰 is masked as a whole before 张三 could be.
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        out = out.replace(name, mask_name(name))
    return out
