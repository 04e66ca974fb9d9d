"""Backward compatibility: the current contracts against the committed snapshot of the last release."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from sanwei_contracts.compat import (
    SNAPSHOT_DIR,
    UPDATE_COMMAND,
    compare,
    current_schemas,
    main,
    read_snapshot,
    write_snapshot,
)
from sanwei_contracts.envelope import Envelope

pytestmark = pytest.mark.contract


def test_the_current_contracts_are_compatible_with_the_released_snapshot() -> None:
    """The CI check: a v1 event only grows. If this fails, read the breaks; do not just re-snapshot."""
    released = read_snapshot()
    assert released, f"no snapshot in {SNAPSHOT_DIR}: {UPDATE_COMMAND}"
    breaks = compare(released, current_schemas())
    assert breaks == [], "\n".join(str(b) for b in breaks)


class Level(StrEnum):
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"


class NoticeV1(BaseModel):
    """督办通知书 as released."""

    notice_id: str
    unit: str
    working_days: int
    deadline: date
    level: Level
    note: str | None = None


def _schemas(model: type[BaseModel], event_type: str = "sanwei.test.notice.v1.issued") -> dict[str, dict]:
    return {event_type: Envelope[model].model_json_schema()}  # type: ignore[valid-type]


def _reasons(old: type[BaseModel], new: type[BaseModel]) -> list[str]:
    return [f"{b.path}: {b.reason}" for b in compare(_schemas(old), _schemas(new))]


def test_the_same_contract_passes() -> None:
    assert _reasons(NoticeV1, NoticeV1) == []


def test_a_removed_field_fails() -> None:
    class NoticeWithoutUnit(BaseModel):
        notice_id: str
        working_days: int
        deadline: date
        level: Level
        note: str | None = None

    assert _reasons(NoticeV1, NoticeWithoutUnit) == ["$.data.unit: field removed (or renamed)"]


def test_a_renamed_field_fails_as_removed_plus_added() -> None:
    class NoticeRenamed(BaseModel):
        notice_id: str
        responsible_unit: str
        working_days: int
        deadline: date
        level: Level
        note: str | None = None

    reasons = _reasons(NoticeV1, NoticeRenamed)
    assert "$.data.unit: field removed (or renamed)" in reasons
    assert any(r.startswith("$.data.responsible_unit: new required field") for r in reasons)


def test_an_added_optional_field_passes() -> None:
    class NoticeWithCopyTo(NoticeV1):
        copy_to: list[str] = Field(default_factory=list)
        issued_by: str | None = None

    assert _reasons(NoticeV1, NoticeWithCopyTo) == []


def test_a_newly_required_field_fails() -> None:
    class NoticeWithRequiredSigner(NoticeV1):
        signed_by: str

    assert _reasons(NoticeV1, NoticeWithRequiredSigner) == [
        "$.data.signed_by: new required field (a new field must be optional with a default)"]


def test_an_optional_field_made_required_fails() -> None:
    class NoticeNoteRequired(BaseModel):
        notice_id: str
        unit: str
        working_days: int
        deadline: date
        level: Level
        note: str

    reasons = _reasons(NoticeV1, NoticeNoteRequired)
    assert "$.data.note: optional field became required" in reasons
    assert any(r.startswith("$.data.note: type narrowed: null") for r in reasons)


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, "$.data.working_days: type narrowed: integer is no longer accepted (now string)"),
        (date, "$.data.working_days: type narrowed: integer is no longer accepted (now string (date))"),
    ],
)
def test_a_changed_type_fails(annotation: type, expected: str) -> None:
    changed = type("NoticeChanged", (BaseModel,), {
        "__annotations__": {"notice_id": str, "unit": str, "working_days": annotation, "deadline": date,
                            "level": Level, "note": str | None},
        "note": None,
    })
    assert _reasons(NoticeV1, changed) == [expected]


def test_widened_types_pass_and_narrowing_them_back_fails() -> None:
    class NoticeDeadlineAsText(BaseModel):  # date → any string, int → float or null: wider, passes
        notice_id: str
        unit: str
        working_days: float | None = None
        deadline: str
        level: Level
        note: str | None = None

    assert _reasons(NoticeV1, NoticeDeadlineAsText) == []
    # …and back again is narrower: fails
    assert any("type narrowed" in r for r in _reasons(NoticeDeadlineAsText, NoticeV1))


def test_enum_values_removed_fail_and_added_pass() -> None:
    class TwoLevels(StrEnum):
        BLUE = "blue"
        RED = "red"

    class FourLevels(StrEnum):
        BLUE = "blue"
        YELLOW = "yellow"
        RED = "red"
        BLACK = "black"

    class NoticeTwo(NoticeV1):
        level: TwoLevels  # type: ignore[assignment]

    class NoticeFour(NoticeV1):
        level: FourLevels  # type: ignore[assignment]

    assert _reasons(NoticeV1, NoticeTwo) == ["$.data.level: enum values removed: ['yellow']"]
    assert _reasons(NoticeV1, NoticeFour) == []


def test_a_tightened_bound_fails() -> None:
    class Loose(BaseModel):
        problem: str = Field(max_length=500)

    class Tight(BaseModel):
        problem: str = Field(max_length=200)

    assert _reasons(Loose, Tight) == ["$.data.problem: maxLength tightened: 500 → 200"]
    assert _reasons(Tight, Loose) == []


def test_a_removed_event_type_fails_and_a_new_one_passes() -> None:
    released = {**_schemas(NoticeV1), **_schemas(NoticeV1, "sanwei.test.notice.v1.rectified")}
    current = {**_schemas(NoticeV1), **_schemas(NoticeV1, "sanwei.test.notice.v2.issued")}
    [removed] = compare(released, current)
    assert (removed.event_type, removed.reason.split(":")[0]) == ("sanwei.test.notice.v1.rectified", "removed")
    assert compare(_schemas(NoticeV1), current) == []


def test_the_command_fails_on_a_break_and_passes_after_update(tmp_path: Path, capsys) -> None:
    snapshot = tmp_path / "snapshot"
    assert main(["--snapshot", str(snapshot)]) == 1  # no snapshot yet
    assert main(["--update", "--snapshot", str(snapshot)]) == 0
    assert main(["--snapshot", str(snapshot)]) == 0
    released = read_snapshot(snapshot)
    some_type = next(iter(released))
    # A released schema that had one more field than the models now have: the models "removed" it.
    schema = released[some_type]
    schema["properties"]["legacy_field"] = {"type": "string"}
    write_snapshot(released, snapshot)
    capsys.readouterr()
    assert main(["--snapshot", str(snapshot)]) == 1
    out = capsys.readouterr().out
    assert f"{some_type}: $.legacy_field: field removed" in out


def test_the_snapshot_files_are_plain_json_schemas() -> None:
    for path in SNAPSHOT_DIR.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["title"] == path.stem and schema["$schema"].endswith("2020-12/schema")
