"""校正工作日历: the operator's corrections of the working-day calendar, against the registry.

The State Council publishes a year's holiday arrangement late, so operators load the days that
differ from the official data. Corrections are versioned (who, when, why); the latest one of a
year replaces the earlier ones, and each chooses whether running N 工作日 deadlines are counted
again (recompute) or stay (keep).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.table import Table

from sanwei.cli.client import call
from sanwei.cli.tasks import DAY_FORMATS, JsonFlag, _answer, _local
from sanwei_kit.calendar import WorkingCalendar

calendar_app = typer.Typer(help="校正工作日历: working-day calendar corrections (versioned, who and when).",
                           no_args_is_help=True)


class Policy(StrEnum):
    RECOMPUTE = "recompute"
    KEEP = "keep"


def _working(flag: bool) -> str:
    return "上班 working day" if flag else "放假 day off"


@calendar_app.command("history")
def history(
    year: Annotated[int | None, typer.Option(help="Only this year's corrections.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every correction, oldest first: version, days, reason, who and when, the policy and the deadlines moved."""
    found = [c for c in call("GET", "registry", "/calendar/corrections") if year is None or c["year"] == year]
    _answer(found, as_json, _history_table)


def _history_table(found: list[dict[str, Any]]) -> RenderableType:
    table = Table("v", "year", "days", "reason", "by", "at (CST)", "policy", "deadlines moved")
    for c in found:
        days = "\n".join(f"{day} {_working(working)}" for day, working in sorted(c["days"].items()))
        moved = "\n".join(f"{m['task_id']}: {m['old_deadline']} → {m['new_deadline']}" for m in c["moved"])
        table.add_row(str(c["version"]), str(c["year"]), days, c["reason"], c["corrected_by"],
                      _local(c["corrected_at"]), c["policy"], moved or "—")
    return table if found else "no calendar corrections: the official data (chinese-calendar) is used"


@calendar_app.command("show")
def show(year: int, as_json: JsonFlag = False) -> None:
    """A year's holidays on weekdays and working weekends (调休), with the correction in force marked.

    The official arrangement comes from this machine's chinese-calendar package, the corrections
    from the registry; a calendar file the registry itself loads at start is not shown.
    """
    corrections = [c for c in call("GET", "registry", "/calendar/corrections") if c["year"] == year]
    latest = corrections[-1] if corrections else None
    corrected = {date.fromisoformat(d): w for d, w in (latest["days"] if latest else {}).items()}
    calendar = WorkingCalendar(corrected)
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        working = calendar.is_working_day(day)
        if working != (day.weekday() < 5) or day in corrected:
            days.append({"day": day.isoformat(), "working": working, "reason": calendar.day_reason(day),
                         "corrected": day in corrected})
        day += timedelta(days=1)
    found = {"year": year, "official_data": calendar.has_official_data(year), "correction": latest, "days": days}
    _answer(found, as_json, _year)


def _year(found: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = []
    if not found["official_data"]:
        parts.append(f"[yellow]{found['year']} is not published yet: weekdays are counted as working days "
                     f"(provisional) until a correction is loaded[/yellow]")
    correction = found["correction"]
    if correction:
        parts.append(f"correction v{correction['version']} in force, by {correction['corrected_by']} "
                     f"at {_local(correction['corrected_at'])}: {correction['reason']}")
    table = Table("day", "weekday", "", "why", title=f"{found['year']}: days off on weekdays, working weekends")
    for d in found["days"]:
        day = date.fromisoformat(d["day"])
        table.add_row(d["day"], "一二三四五六日"[day.weekday()], _working(d["working"]),
                      ("[cyan]corrected[/cyan] " if d["corrected"] else "") + d["reason"])
    parts.append(table if found["days"] else "only weekends off")
    return Group(*parts)


@calendar_app.command("correct")
def correct(
    year: int,
    reason: Annotated[str, typer.Option(help="Why: e.g. 国务院办公厅关于2027年部分节假日安排的通知.")],
    policy: Annotated[Policy, typer.Option(help="recompute: running N 工作日 deadlines are counted again; "
                                                "keep: they stay as fixed.")],
    work: Annotated[list[datetime] | None, typer.Option(
        "--work", formats=DAY_FORMATS, help="A working day (上班, e.g. a 调休 Saturday); repeatable.")] = None,
    off: Annotated[list[datetime] | None, typer.Option(
        "--off", formats=DAY_FORMATS, help="A day off (放假); repeatable.")] = None,
    file: Annotated[Path | None, typer.Option(
        "--file", help='JSON of the days, {"2027-02-06": true, "2027-02-11": false} (true 上班, false 放假); '
                       "--work/--off add to it.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Correct a year's working days; the days given replace the year's earlier correction."""
    days: dict[str, bool] = {}
    if file is not None:
        try:
            loaded = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"{file}: {exc}", param_hint="--file") from exc
        if not isinstance(loaded, dict) or not all(isinstance(w, bool) for w in loaded.values()):
            raise typer.BadParameter(f"{file}: give an object of day → true/false", param_hint="--file")
        days.update(loaded)
    days.update({d.date().isoformat(): True for d in work or []})
    days.update({d.date().isoformat(): False for d in off or []})
    if not days:
        raise typer.BadParameter("give the days: --work DAY, --off DAY or --file FILE")
    body = {"year": year, "days": days, "reason": reason, "policy": policy.value}
    _answer(call("POST", "registry", "/calendar/corrections", json=body), as_json, _corrected)


def _corrected(c: dict[str, Any]) -> RenderableType:
    summary = (f"calendar of {c['year']} corrected (v{c['version']}, {len(c['days'])} days, policy {c['policy']}): "
               f"{len(c['moved'])} running deadlines moved")
    return Group(summary, _history_table([c])) if c["moved"] else summary


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
