"""Rules for the names and free text people type, shared by the services' domains.

Unit names and report texts arrive from forms, spreadsheets and events typed with
full-width letters, stray spaces or Windows line ends. The services compare them (who
may answer a notice, whether a report was already sent) and must agree on when two
spellings are the same; so the rules live here once. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.errors import Invalid

NAME_MAX_LENGTH = 200
"""The longest unit, person or target name the services store (their name columns' width)."""


def normalize_unit(name: str) -> str:
    """One spelling per unit name: half-width forms, no spaces (“区 投促局 ” is 区投促局)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))


def normalize_text(text: str) -> str:
    """Text as compared for “the same report”: trailing spaces and line-end styles do not count."""
    lines = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def required(value: str, name: str) -> str:
    """`value` without surrounding spaces; refused (naming the field) when nothing is left."""
    value = (value or "").strip()
    if not value:
        raise Invalid(f"{name} must not be empty", field=name)
    return value


def stamped_line(at: datetime, text: str, by: str | None = None) -> str:
    """One line of a case's record as people read it: China time, the text, and who, if known.

    2026-10-08 09:00 整改进行时：已清理（济南日报）
    """
    stamp = at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    return f"{stamp} {text}" + (f"（{by}）" if by else "")
