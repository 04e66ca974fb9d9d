"""Which events a subscription receives.

A subscription names event types, each either exact (`sanwei.supervision.notice.v1.issued`)
or a pattern where `*` stands for any run of characters (`sanwei.supervision.*` is every
event of the 指挥部, `*.v1.published` every publication); a NATS-style trailing `>`
(`sanwei.>`, `sanwei.media.>`) means the same as `*`. Confidential 纪委 events (clue
registered/assigned/disposed/escalated, decision made) are never delivered: the webhooks
service does not subscribe to them (its NATS user may not read them either), a subscription
naming only such types is refused with the reason, and no selector — exact or pattern —
ever selects one, so even an event that reached the service would queue no delivery.
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
    return any(ch in selector for ch in "*?[>")


def selects(selector: str, event_type: str, *, confidential: bool) -> bool:
    if confidential:
        return False  # never delivered to an outside system, however it is named
    if not is_pattern(selector):
        return selector == event_type
    if selector.endswith(">"):
        selector = selector[:-1] + "*"
    return fnmatchcase(event_type, selector)


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
            if any(selects(selector, t.type, confidential=False) for t in catalogue):
                raise Invalid(f"{selector!r} selects only confidential 纪委 events (clues, decisions): they are "
                              "never delivered to outside systems; the published outcome "
                              "(sanwei.discipline.outcome.v1.published) is", field="event_types")
            hint = " (confidential 纪委 events are never delivered)" if selector.startswith("sanwei.discipline") else ""
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
