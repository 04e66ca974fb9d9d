"""双随机 draws: random inspectors from a pool, random targets from a list, verifiable by anyone.

“随机抽取被检查对象，随机选派执法检查人员，及时公开检查结果” — a draw is published with
its seed, its lists and its result, so anyone can re-run it. The algorithm
(`sanwei-draw-v1`) needs nothing but SHA-256:

1. each list is trimmed, de-duplicated and sorted by Unicode code point;
2. targets drawn in the same scope within the exclusion period are removed (the record
   lists them as `excluded`; the rest are `eligible`);
3. every item gets the key SHA-256(UTF-8 of ``seed + "\\n" + purpose + "\\n" + item``)
   as lowercase hex, purpose being ``inspectors`` or ``targets``;
4. the n items with the smallest keys are drawn, listed in key order.

The result depends only on the seed and the sets, never on the order the lists were
typed in, a Python version, or a random-number generator.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sanwei_kit.errors import Invalid
from sanwei_kit.text import normalize_text, normalize_unit

ALGORITHM = "sanwei-draw-v1"


def canonical(items: list[str], *, units: bool) -> list[str]:
    """Trimmed, de-duplicated, sorted by code point."""
    clean = (normalize_unit(i) if units else normalize_text(i) for i in items)
    return sorted({item for item in clean if item})


def draw_key(seed: str, purpose: str, item: str) -> str:
    return hashlib.sha256(f"{seed}\n{purpose}\n{item}".encode()).hexdigest()


def pick(seed: str, purpose: str, items: list[str], count: int) -> list[str]:
    """The `count` items with the smallest SHA-256 keys, in key order."""
    return sorted(items, key=lambda item: (draw_key(seed, purpose, item), item))[:count]


def new_seed() -> str:
    """A fresh unpredictable seed when the 指挥部 does not announce one beforehand."""
    return secrets.token_hex(16)


@dataclass
class Draw:
    id: str
    scope: str  # e.g. 安全生产双随机抽查: exclusion applies within a scope
    title: str
    algorithm: str
    seed: str
    inspector_pool: list[str]
    targets: list[str]
    excluded: list[str]
    inspectors_count: int
    targets_count: int
    drawn_inspectors: list[str]
    drawn_targets: list[str]
    drawn_at: datetime
    drawn_by: str | None = None

    @property
    def eligible(self) -> list[str]:
        excluded = set(self.excluded)
        return [t for t in self.targets if t not in excluded]

    @classmethod
    def run(cls, *, draw_id: str, scope: str, title: str, seed: str, inspector_pool: list[str],
            targets: list[str], recently_drawn: set[str], inspectors_count: int, targets_count: int,
            now: datetime, drawn_by: str | None = None) -> Draw:
        scope = normalize_text(scope)
        if not scope:
            raise Invalid("a draw belongs to a scope (e.g. 安全生产双随机抽查)", field="scope")
        seed = seed.strip()
        if not seed:
            raise Invalid("the seed is published with the draw; it cannot be empty", field="seed")
        pool = canonical(inspector_pool, units=False)
        listed = canonical(targets, units=True)
        excluded = [t for t in listed if t in recently_drawn]
        if inspectors_count < 1 or inspectors_count > len(pool):
            raise Invalid(f"draw between 1 and {len(pool)} inspectors from the pool", field="inspectors_count")
        eligible = len(listed) - len(excluded)
        if targets_count < 1 or targets_count > eligible:
            raise Invalid(f"{eligible} targets are eligible ({len(excluded)} drawn recently); "
                          f"draw between 1 and {eligible}", field="targets_count")
        draw = cls(id=draw_id, scope=scope, title=normalize_text(title) or scope, algorithm=ALGORITHM, seed=seed,
                   inspector_pool=pool, targets=listed, excluded=excluded, inspectors_count=inspectors_count,
                   targets_count=targets_count, drawn_inspectors=[], drawn_targets=[], drawn_at=now,
                   drawn_by=drawn_by)
        draw.drawn_inspectors, draw.drawn_targets = rerun(draw.seed, pool, draw.eligible, inspectors_count,
                                                          targets_count)
        return draw


def rerun(seed: str, inspector_pool: list[str], eligible: list[str], inspectors_count: int,
          targets_count: int) -> tuple[list[str], list[str]]:
    """Re-run a published draw: (inspectors, targets)."""
    return (pick(seed, "inspectors", canonical(inspector_pool, units=False), inspectors_count),
            pick(seed, "targets", canonical(eligible, units=True), targets_count))
