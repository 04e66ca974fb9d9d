"""Which events a subscription receives.

A subscription names event types, each either exact (`sanwei.supervision.notice.v1.issued`)
or a pattern where `*` stands for any run of characters (`sanwei.supervision.*` is every
event of the 指挥部, `*.v1.published` every publication). Confidential 纪委 events
(clue registered/assigned/disposed, decision made) are delivered only to a subscription
that names them exactly: a pattern never matches them, so nobody receives them by accident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from sanwei_kit.errors import Invalid


@dataclass(frozen=True)
class CatalogueType:
    type: str
    confidential: bool


def is_pattern(selector: str) -> bool:
    return any(ch in selector for ch in "*?[")


def selects(selector: str, event_type: str, *, confidential: bool) -> bool:
    if not is_pattern(selector):
        return selector == event_type
    return not confidential and fnmatchcase(event_type, selector)


def wants(selectors: Iterable[str], event_type: str, *, confidential: bool) -> bool:
    return any(selects(s, event_type, confidential=confidential) for s in selectors)


def check_selectors(selectors: list[str], catalogue: list[CatalogueType]) -> list[str]:
    """The selectors, stripped and deduplicated in order; Invalid if one selects no event of the catalogue."""
    cleaned: list[str] = []
    for raw in selectors:
        selector = raw.strip()
        if not selector:
            raise Invalid("an event type is empty", field="event_types")
        if selector in cleaned:
            continue
        if not any(selects(selector, t.type, confidential=t.confidential) for t in catalogue):
            hint = " (a confidential 纪委 event must be named exactly)" if is_pattern(selector) else ""
            raise Invalid(f"{selector!r} selects no event type of the catalogue{hint}", field="event_types")
        cleaned.append(selector)
    if not cleaned:
        raise Invalid("name at least one event type or pattern", field="event_types")
    return cleaned


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    event_types: list[str]
    description: str | None
    created_at: datetime
    secret_rotated_at: datetime | None
