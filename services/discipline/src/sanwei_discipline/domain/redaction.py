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
