"""What a public text must not say: the names of the people in a case.

Published outcomes (通报曝光) name the unit and the sanction, never the person: the
usual form is “该局负责同志” or a surname with 某 (张某). A summary that contains a
person's full name, or the given name of a three-character name, is refused.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[、,，;；/]")
_NOISE = re.compile(r"[\s·•.\u00b7]")


def _compact(text: str) -> str:
    return _NOISE.sub("", text).casefold()


def names_disclosed(text: str, person: str | None) -> list[str]:
    """The names (or given names) of `person` that `text` would disclose; empty if none."""
    if not person:
        return []
    haystack = _compact(text)
    disclosed: list[str] = []
    for raw in _SEPARATORS.split(person):
        name = _compact(raw)
        if len(name) < 2:
            continue
        if name in haystack:
            disclosed.append(raw.strip())
        elif len(name) >= 3 and name[1:] in haystack:
            disclosed.append(name[1:])
    return disclosed


# 11-digit mainland mobiles (also 138-1234-5678, +86 …) and 18-character resident ID numbers whose
# GB 11643 check character is right: a published outcome must contain neither.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_valid(candidate: str) -> bool:
    total = sum(int(d) * w for d, w in zip(candidate[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == candidate[17].upper()


def personal_numbers(text: str) -> list[str]:
    """What kinds of personal numbers `text` holds ("mobile phone number", "ID number"); empty if none.

    The kinds, not the numbers: the answer goes into error messages.
    """
    kinds: list[str] = []
    if any(_id_valid(m.group(0)) for m in _ID_NUMBER.finditer(text)):
        kinds.append("ID number")
    if _MOBILE.search(_ID_NUMBER.sub("", text)):
        kinds.append("mobile phone number")
    return kinds
