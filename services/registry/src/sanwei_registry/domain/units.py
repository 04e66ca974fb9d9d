"""Reading the 责任单位 cell of a task sheet.

Cells list several units separated by 、，, or ; in full- or half-width form, and
abbreviate later units after the first: “区科技局、投促局” means 区科技局 and 区投促局.
The first unit is the 牵头单位 (lead), the others 配合单位 (co-units).
"""

from __future__ import annotations

import re
import unicodedata

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
