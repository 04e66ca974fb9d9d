"""Reading the 责任单位 cell of a task sheet.

Cells list several units separated by 、，, or ; in full- or half-width form, and
abbreviate later units after the first: “区科技局、投促局” means 区科技局 and 区投促局.
The first unit is the 牵头单位 (lead), the others 配合单位 (co-units).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

_SEPARATORS = re.compile(r"[、，,；;\s]+")
_DEPARTMENT_SUFFIX = re.compile(r"(局|办|委|中心|院|会|队|所|部)$")
_NOT_DEPARTMENT = ("街道", "办事处", "区", "市", "各", "相关", "镇")


def normalize_name(name: str) -> str:
    """Full-width to half-width where it matters, no inner spaces, no trailing punctuation."""
    name = unicodedata.normalize("NFKC", name).strip()
    return name.strip("。.：:（）() ")


def split_units(cell: str) -> list[str]:
    names = [normalize_name(part) for part in _SEPARATORS.split(cell or "")]
    names = [name for name in names if name]
    if not names:
        return []
    prefix = "区" if names[0].startswith("区") else ("市" if names[0].startswith("市") else "")
    units: list[str] = []
    for name in names:
        if prefix and _DEPARTMENT_SUFFIX.search(name) and not name.startswith(_NOT_DEPARTMENT):
            name = prefix + name
        if name not in units:
            units.append(name)
    return units


# ── The units directory ────────────────────────────────────────────────────────────
#
# Units form a tree (区 → 局/街道 → 处/科 → person). Every unit is known by its name and
# any number of aliases; names are compared by their *key*: normalized, without the
# district's prefix, so “发改局”, “区发改局” and “市中区发改局” are one unit, and
# “市中区发展和改革局” is one more alias of it. A group (“各街道办事处”) lists its member
# units: it expands to them, or stays a group when no members are known. The unit's
# `name` is the one task lists show (the short form the sheets use).


class UnitKind(StrEnum):
    DISTRICT = "district"  # 区
    DEPARTMENT = "department"  # 局/办/委/中心
    STREET = "street"  # 街道办事处
    OFFICE = "office"  # 处/科
    PERSON = "person"
    GROUP = "group"  # 各街道办事处, 相关街道办事处 …
    OTHER = "other"  # companies, 指挥部, units of the city


DISTRICT_SHORT_PREFIX = "区"


def unit_key(name: str, district_names: Iterable[str] = ()) -> str:
    """The name as the directory compares it: normalized, no spaces, no district prefix."""
    key = re.sub(r"\s+", "", normalize_name(name))
    for prefix in sorted({*district_names, DISTRICT_SHORT_PREFIX}, key=len, reverse=True):
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):]
    return key


@dataclass
class Unit:
    id: str
    name: str
    kind: UnitKind
    parent_id: str | None = None
    aliases: list[str] = field(default_factory=list)  # other names, not the unit's own
    members: list[str] = field(default_factory=list)  # a group's member unit ids


@dataclass
class UnitsReport:
    """How an import's unit names were read through the directory."""

    expanded: dict[str, list[str]] = field(default_factory=dict)  # group → its member units
    kept_as_groups: list[str] = field(default_factory=list)
    unknown: dict[str, list[int]] = field(default_factory=dict)  # name as written → rows (or positions) it is on
    renamed: dict[str, str] = field(default_factory=dict)  # name as written → the unit's name


class Directory:
    """All units and their names, for resolving what a sheet or a push calls them."""

    def __init__(self, units: Iterable[Unit], stored_keys: Mapping[str, str] | None = None) -> None:
        """`stored_keys`: each stored name's key (→ unit id) as it was computed when the name was added.

        A key drops a district's name from the front, so adding a district can change the key of a
        name stored before it; a new name meeting such an older key is still the same name.
        """
        self.units = {u.id: u for u in units}
        self.districts = [u.name for u in self.units.values() if u.kind is UnitKind.DISTRICT]
        self._by_key: dict[str, str] = dict(stored_keys or {})
        for unit in self.units.values():
            for name in (unit.name, *unit.aliases):
                self._by_key[self.key(name)] = unit.id

    @property
    def is_empty(self) -> bool:
        return not self.units

    def key(self, name: str) -> str:
        return unit_key(name, self.districts)

    def find(self, name: str) -> Unit | None:
        unit_id = self._by_key.get(self.key(name))
        return None if unit_id is None else self.units[unit_id]

    def resolve(self, names: list[str], report: UnitsReport, where: int) -> list[str]:
        """A task's units (lead first) as the directory names them, groups expanded.

        A group in the lead position stays the group (each member leading is a 分解, not a
        list of co-units); a co-unit group expands to its members when they are known.
        Unknown names are kept as written and reported with `where` (the row). With an
        empty directory names are kept as written and nothing is reported.
        """
        if self.is_empty:
            return list(names)
        resolved: list[str] = []
        for position, name in enumerate(names):
            unit = self.find(name)
            if unit is None:
                rows = report.unknown.setdefault(name, [])
                if where not in rows:
                    rows.append(where)
                resolved.append(name)
                continue
            if unit.name != name:
                report.renamed[name] = unit.name
            if unit.kind is UnitKind.GROUP and unit.members and position > 0:
                members = [self.units[m].name for m in unit.members]
                report.expanded[unit.name] = members
                resolved.extend(members)
                continue
            if unit.kind is UnitKind.GROUP and unit.name not in report.kept_as_groups:
                report.kept_as_groups.append(unit.name)
            resolved.append(unit.name)
        return list(dict.fromkeys(resolved))
