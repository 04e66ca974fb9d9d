"""Request inputs every service bounds the same way: page offsets, row ids, NUL characters.

A database refuses some values a client can send: PostgreSQL's text cannot hold a NUL
character (\\u0000), its integer columns hold 32 or 64 bits and SQLite's at most 64. Left
to the driver such a value becomes a 500; checked here it is a 422 naming the field, and
both databases answer alike. The bounds are far beyond any real page or id, so no honest
request meets them.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import Path, Query, Request
from pydantic import Field
from starlette.datastructures import UploadFile

from sanwei_kit.errors import Invalid
from sanwei_kit.text import NAME_MAX_LENGTH

INT32_MAX = 2**31 - 1
"""The largest value of an `Integer` column on PostgreSQL (int4)."""

INT64_MAX = 2**63 - 1
"""The largest value of a `BigInteger` column, and of any SQLite integer."""

Offset = Annotated[int, Query(ge=0, le=INT32_MAX, description="Rows to skip (paging)")]
"""A list's `offset` query parameter."""

Seq = Annotated[int, Query(ge=0, le=INT64_MAX, description="Continue after this sequence number")]
"""An `after_seq`-style cursor over a 64-bit sequence."""

RowId = Annotated[int, Path(ge=1, le=INT64_MAX, description="The row's number")]
"""A path parameter naming a row by its 64-bit id (dead letters, deliveries)."""

Name = Annotated[str, Field(max_length=NAME_MAX_LENGTH)]
"""A unit's, person's or target's name in a list: no longer than the services' name columns."""

NUL = "\x00"
UNSTORABLE_REASON = "must not contain the NUL character (\\u0000) or an unpaired surrogate (\\ud800-\\udfff)"

# A JSON escape for NUL or a UTF-16 surrogate, after an even number of backslashes (an odd number
# would make the backslash before `u` itself escaped: the text `\u0000`, not the character).
# A surrogate pair is a character (an emoji); only one left unpaired cannot be stored as UTF-8.
_JSON_SUSPECT = re.compile(rb"(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def storable(text: str) -> bool:
    """Whether a database can hold `text`: no NUL (PostgreSQL refuses it) and valid UTF-8."""
    if NUL in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def refuse_unstorable(value: str, field: str) -> str:
    """`value` unchanged, or 422 naming `field` when a database could not store it."""
    if not storable(value):
        raise Invalid(f"{field} {UNSTORABLE_REASON}", field=field)
    return value


def _clean(text: str) -> str:
    """A field name fit to be echoed in an answer."""
    return "".join(c for c in text if storable(c))


def _unstorable_path(value: Any, path: str) -> str | None:
    """The dotted path of the first string or key in parsed JSON a database could not store, if any."""
    if isinstance(value, str):
        return None if storable(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}"
            if not storable(key):
                return child
            found = _unstorable_path(item, child)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable_path(item, f"{path}.{index}")
            if found:
                return found
    return None


async def refuse_unstorable_text(request: Request) -> None:
    """App-wide dependency: 422 when the path, the query or the body carries text no database stores.

    That is a NUL character (PostgreSQL's text cannot hold one; SQLite would, so both are refused
    alike) or an unpaired UTF-16 surrogate (a JSON `\\ud800` alone: not UTF-8, so not even the
    422 echoing it could be written). Runs after FastAPI has read the body (cached on the
    request), so reading it here costs no second read; uploaded files are the file's bytes.
    """
    if not storable(request.url.path):
        raise Invalid(f"path {UNSTORABLE_REASON}", field="path")
    for name, value in request.query_params.multi_items():
        refuse_unstorable(name + value, f"query.{_clean(name)}")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        for field, content in form.multi_items():
            if not isinstance(content, UploadFile):
                refuse_unstorable(field + content, f"body.{_clean(field)}")
        return
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
        return
    body = await request.body()
    if NUL.encode() not in body and not _JSON_SUSPECT.search(body):
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        # Not JSON the route could read; its own validation answers that.
        return
    found = _unstorable_path(parsed, "body")
    if found:
        field = _clean(found)
        raise Invalid(f"{field} {UNSTORABLE_REASON}", field=field)
