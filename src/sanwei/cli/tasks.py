"""What a 督查室 does daily with a task list (清单式管理), beyond import and export.

`sanwei task …` talks to the registry (tasks, deadlines in 工作日, 挂起/恢复, 延期, 层层分解),
`sanwei cadence …` and `sanwei report …` to the progress service (调度频次, 进展情况, 逾期未报).
Every verb takes `--json`. Exit codes: 0 done; 1 the service refused (the reason is printed);
2 the command line was wrong; 3 the service cannot be reached; 4 the service failed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console, Group, RenderableType
from rich.table import Table

from sanwei.cli.client import call, print_json
from sanwei.cli.sheets import CONTENT_TYPES

# Wide enough for the task table when the output is a file or a pipe, not a terminal.
console = Console(width=None if Console().is_terminal else 160)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
CHINA = ZoneInfo("Asia/Shanghai")
LIGHTS = {"green": "[green]green[/green]", "yellow": "[yellow]yellow[/yellow]", "red": "[red]red[/red]"}

task_app = typer.Typer(help="Tasks of the task lists (清单): deadlines in 工作日, 挂起/恢复, 延期, 层层分解.",
                       no_args_is_help=True)
extension_app = typer.Typer(help="延期: extension requests of a task and the issuing unit's decisions.",
                            no_args_is_help=True)
cadence_app = typer.Typer(help="调度频次: how often a task list's units report (周/旬/月/季).", no_args_is_help=True)
report_app = typer.Typer(help="进展情况: the units' progress reports, one by one or a sheet at a time.",
                         no_args_is_help=True)
task_app.add_typer(extension_app, name="extension")


DAY_FORMATS = ["%Y-%m-%d"]  # typer reads such an option as a datetime at midnight


def _answer(found: Any, as_json: bool, human: Callable[[Any], RenderableType]) -> None:
    """A service's answer: JSON for scripts (`--json`), else what `human` makes of it."""
    if as_json:
        print_json(found)
    else:
        console.print(human(found))


def _iso(day: datetime | None) -> str | None:
    return day.date().isoformat() if day else None


def _local(instant: str | None, minutes: bool = True) -> str:
    """An instant the services give in UTC, as China time."""
    if not instant:
        return ""
    return datetime.fromisoformat(instant).astimezone(CHINA).strftime("%Y-%m-%d %H:%M" if minutes else "%Y-%m-%d")


def _short(text: str | None, width: int = 40) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _status(task: dict[str, Any]) -> str:
    status = task["status"]
    if status == "paused":
        return f"[cyan]paused[/cyan] ({task.get('paused_days_left')} 工作日 left)"
    if status == "overdue":
        return "[red]overdue[/red]"
    return status


def _tasks_table(tasks: list[dict[str, Any]], title: str) -> Table:
    table = Table("序号", "主要任务", "牵头单位", "配合单位", "完成时限", "status", "light", "id", title=title)
    for t in tasks:
        table.add_row(t.get("seq") or "", _short(t["title"]), t["lead_unit"], _short("、".join(t["co_units"]), 24),
                      t["deadline"] or "—", _status(t), LIGHTS.get(t.get("light") or "", "—"), t["id"])
    return table


def _show_task(task: dict[str, Any]) -> None:
    table = Table(show_header=False, title=f"task {task['id']}")
    for label, value in (
        ("序号", task.get("seq")), ("主要任务", task["title"]), ("牵头单位", task["lead_unit"]),
        ("配合单位", "、".join(task["co_units"])), ("完成时限", task["deadline"]), ("status", _status(task)),
        ("light", LIGHTS.get(task.get("light") or "")), ("挂起原因", task.get("pause_reason")),
        ("split from", task.get("parent_id")), ("task list", task["task_list_id"]),
    ):
        if value:
            table.add_row(label, str(value))
    console.print(table)


# --- tasks ------------------------------------------------------------------------------

@task_app.command("lists")
def list_task_lists(as_json: JsonFlag = False) -> None:
    """Every task list (清单) with its id and number of tasks."""
    _answer(call("GET", "registry", "/task-lists"), as_json, _task_lists_table)


def _task_lists_table(found: list[dict[str, Any]]) -> RenderableType:
    table = Table("task list", "tasks", "source", "created", "id")
    for tl in found:
        table.add_row(tl["title"], str(tl["task_count"]), tl["source"] or "", _local(tl["created_at"], minutes=False), tl["id"])
    return table if found else "no task lists yet: `sanwei import FILE`"


@task_app.command("list")
def list_tasks(
    task_list_id: Annotated[str | None, typer.Argument(help="Only this task list (see `sanwei task lists`).")] = None,
    unit: Annotated[str | None, typer.Option(help="Only tasks this unit leads (牵头单位).")] = None,
    status: Annotated[str | None, typer.Option(help="open, paused, overdue or completed.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The tasks of a list (or of every list) with deadline, status, 红黄灯 light and units."""
    params: dict[str, Any] = {"limit": 5000}
    for key, value in (("task_list_id", task_list_id), ("unit", unit), ("status", status)):
        if value:
            params[key] = value
    _answer(call("GET", "registry", "/tasks", params=params), as_json,
            lambda found: _tasks_table(found, f"{len(found)} tasks") if found else "no tasks match")


@task_app.command("show")
def show_task(task_id: str, as_json: JsonFlag = False) -> None:
    """One task, with its sub-tasks (层层分解) and 延期 requests."""
    task = call("GET", "registry", f"/tasks/{task_id}")
    sub_tasks = call("GET", "registry", f"/tasks/{task_id}/sub-tasks")
    extensions = call("GET", "registry", f"/tasks/{task_id}/extensions")
    if as_json:
        print_json({**task, "sub_tasks": sub_tasks, "extensions": extensions})
        return
    _show_task(task)
    if sub_tasks:
        console.print(_tasks_table(sub_tasks, "sub-tasks (子任务)"))
    if extensions:
        console.print(_extensions_table(extensions))


@task_app.command("deadline")
def set_deadline(
    task_id: str,
    on: Annotated[datetime | None, typer.Option("--on", formats=DAY_FORMATS,
                                           help="The last working day (完成时限).")] = None,
    working_days: Annotated[int | None, typer.Option(min=1, help="Or: N 工作日 (holidays and 调休 counted).")] = None,
    start: Annotated[datetime | None, typer.Option("--from", formats=DAY_FORMATS,
                                              help="Count the working days from this day (default: today).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Set a task's deadline: a date, or N working days (工作日) from an event's day."""
    if (on is None) == (working_days is None):
        raise typer.BadParameter("give either --on DATE or --working-days N")
    if start is not None and working_days is None:
        raise typer.BadParameter("--from counts working days: give --working-days N with it")
    body: dict[str, Any] = {"deadline": _iso(on), "working_days": working_days, "start": _iso(start)}
    _answer(call("PUT", "registry", f"/tasks/{task_id}/deadline", json={k: v for k, v in body.items() if v}), as_json,
            lambda task: f"task {task['id']} is due on [bold]{task['deadline']}[/bold] (overdue from {task['due_at']})")


@task_app.command("explain")
def explain_deadline(task_id: str, as_json: JsonFlag = False) -> None:
    """How a task's deadline was computed: the days counted, holidays and 调休 skipped, pauses, extensions."""
    _answer(call("GET", "registry", f"/tasks/{task_id}/deadline/explain"), as_json, _explanation)


def _explanation(found: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = []
    if found["set_as"] == "working_days":
        parts.append(f"{found['working_days']} 工作日 from {found['start']} → [bold]{found['deadline']}[/bold]")
        parts.append(f"counted: {', '.join(found['counted'])}")
        parts.extend(f"  skipped {skipped['day']}: {skipped['reason']}" for skipped in found["skipped"])
        if found["makeup_days"]:
            parts.append(f"调休 make-up working days counted: {', '.join(found['makeup_days'])}")
        if found["provisional_years"]:
            parts.append(f"[yellow]calendar of {found['provisional_years']} not yet published: provisional[/yellow]")
    else:
        parts.append(f"set as a date: [bold]{found['deadline']}[/bold]")
    if found.get("calendar_note"):
        parts.append(f"[yellow]{found['calendar_note']}[/yellow]")
    if found["paused"]:
        parts.append(f"[cyan]paused[/cyan]: {found['paused_days_left']} 工作日 left, counted again on resume")
    if found["history"]:
        history = Table("at (CST)", "change", "deadline", "detail", "by", title="history")
        for h in found["history"]:
            history.add_row(_local(h["at"]), h["kind"], h["deadline"] or "—", h["detail"] or "", h["actor"] or "")
        parts.append(history)
    if found["extensions"]:
        parts.append(_extensions_table(found["extensions"]))
    return Group(*parts)


@task_app.command("pause")
def pause_task(
    task_id: str,
    reason: Annotated[str, typer.Option(help="挂起原因.")],
    as_json: JsonFlag = False,
) -> None:
    """挂起: pause a task with a reason; its deadline clock stops and no report is owed meanwhile.

    The token's holder is recorded as who paused it (also for `resume`).
    """
    _answer(call("POST", "registry", f"/tasks/{task_id}/pause", json={"reason": reason}), as_json,
            lambda task: f"task {task['id']} paused: {task['paused_days_left']} 工作日 left, counted again on resume")


@task_app.command("resume")
def resume_task(task_id: str, as_json: JsonFlag = False) -> None:
    """恢复: resume a paused task; the working days left count again from tomorrow."""
    _answer(call("POST", "registry", f"/tasks/{task_id}/resume"), as_json,
            lambda task: f"task {task['id']} resumed: now due on [bold]{task['deadline']}[/bold]")


@task_app.command("split")
def split_task(
    task_id: str,
    unit: Annotated[list[str], typer.Option("--unit", "-u", help="A lower unit taking a sub-task (repeat).")],
    title: Annotated[str | None, typer.Option(help="The sub-tasks' 主要任务 (default: the parent's).")] = None,
    on: Annotated[datetime | None, typer.Option("--on", formats=DAY_FORMATS,
                                           help="Their deadline (default: the parent's).")] = None,
    working_days: Annotated[int | None, typer.Option(min=1, help="Or: N 工作日 from today.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """层层分解: split a task into one sub-task per lower unit; none may end after the parent."""
    if on is not None and working_days is not None:
        raise typer.BadParameter("give either --on DATE or --working-days N, not both")
    if title is None:
        title = call("GET", "registry", f"/tasks/{task_id}")["title"]
    subs = [{"title": title, "lead_unit": u, "deadline": _iso(on), "working_days": working_days} for u in unit]
    _answer(call("POST", "registry", f"/tasks/{task_id}/sub-tasks", json={"tasks": subs}), as_json,
            lambda created: _tasks_table(created, f"task {task_id} split into {len(created)} sub-tasks"))


# --- 延期 -------------------------------------------------------------------------------

def _extensions_table(extensions: list[dict[str, Any]]) -> Table:
    table = Table("requested", "by", "reason", "from", "to", "status", "decided by", "id", title="延期")
    for e in extensions:
        decision = e["decided_by"] or ""
        if e["decision_reason"]:
            decision += f": {e['decision_reason']}"
        table.add_row(_local(e["requested_at"], minutes=False), e["requested_by"], _short(e["reason"], 30), e["previous_deadline"],
                      e["requested_deadline"], e["status"], decision, e["id"])
    return table


@extension_app.command("list")
def list_extensions(task_id: str, as_json: JsonFlag = False) -> None:
    """A task's extension requests and what became of them."""
    _answer(call("GET", "registry", f"/tasks/{task_id}/extensions"), as_json,
            lambda found: _extensions_table(found) if found else f"task {task_id} has no extension requests")


@extension_app.command("request")
def request_extension(
    task_id: str,
    until: Annotated[datetime, typer.Option(formats=DAY_FORMATS, help="The later last day asked for.")],
    reason: Annotated[str, typer.Option(help="延期理由.")],
    requested_by: Annotated[str, typer.Option(help="The responsible unit asking (责任单位).")],
    as_json: JsonFlag = False,
) -> None:
    """申请延期: a responsible unit asks for a later deadline, before the deadline passes."""
    _answer(_request(task_id, until, reason, requested_by), as_json,
            lambda found: f"extension {found['id']} requested: {found['previous_deadline']} → "
                          f"{found['requested_deadline']}")


def _request(task_id: str, until: datetime, reason: str, requested_by: str) -> dict[str, Any]:
    return call("POST", "registry", f"/tasks/{task_id}/extensions",
                json={"deadline": _iso(until), "reason": reason, "requested_by": requested_by})


# Who decides a 延期 request: the unit that assigned the task.
IssuingUnit = Annotated[str, typer.Option(help="The issuing unit (交办单位).")]


def _decide(task_id: str, extension_id: str, verdict: str, by: str, reason: str | None) -> dict[str, Any]:
    return call("POST", "registry", f"/tasks/{task_id}/extensions/{extension_id}/{verdict}",
                json={"decided_by": by, "reason": reason})


@extension_app.command("approve")
def approve_extension(
    task_id: str, extension_id: str,
    by: IssuingUnit,
    reason: Annotated[str | None, typer.Option(help="A note on the decision.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """批准延期: the deadline moves to the requested day and its timers are re-armed once."""
    _answer(_decide(task_id, extension_id, "approve", by, reason), as_json,
            lambda found: f"extension approved: task {task_id} is now due on "
                          f"[bold]{found['requested_deadline']}[/bold]")


@extension_app.command("refuse")
def refuse_extension(
    task_id: str, extension_id: str,
    by: IssuingUnit,
    reason: Annotated[str, typer.Option(help="Why not (required).")],
    as_json: JsonFlag = False,
) -> None:
    """不予延期: the deadline stays."""
    _answer(_decide(task_id, extension_id, "refuse", by, reason), as_json,
            lambda found: f"extension refused: task {task_id} stays due on {found['previous_deadline']}")


@extension_app.command("grant")
def grant_extension(
    task_id: str,
    until: Annotated[datetime, typer.Option(formats=DAY_FORMATS, help="The new last day.")],
    reason: Annotated[str, typer.Option(help="延期理由, as the unit gave it.")],
    requested_by: Annotated[str, typer.Option(help="The responsible unit that asked (e.g. on paper).")],
    by: Annotated[str, typer.Option(help="The issuing unit granting it (交办单位).")],
    as_json: JsonFlag = False,
) -> None:
    """Record a unit's 延期 request and approve it in one step (a request that came on paper)."""
    requested = _request(task_id, until, reason, requested_by)
    _answer(_decide(task_id, requested["id"], "approve", by, None), as_json,
            lambda found: f"延期 granted: task {task_id} moves from {found['previous_deadline']} to "
                          f"[bold]{found['requested_deadline']}[/bold]")


# --- 调度频次 -----------------------------------------------------------------------------

def _cadence_line(c: dict[str, Any]) -> str:
    return (f"{c['cadence_name']} ({c['cadence']}) of list {c['task_list_id']}: reports due "
            f"{c['due_working_days']} 工作日 after each period; now awaiting {c['watched_period']}, "
            f"due {c['watched_due_on']} (set by {c['set_by']})")


@cadence_app.command("set")
def set_cadence(
    task_list_id: str,
    cadence: Annotated[str, typer.Argument(help="week/ten_days/month/quarter, or 周/旬/月/季.")],
    by: Annotated[str, typer.Option(help="Who sets it (督查室).")],
    due_working_days: Annotated[int | None, typer.Option(
        min=0, help="Reports are due N 工作日 after a period's last day (default: the service's).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Set how often a task list's units report; a unit without a report by the due day has missed it."""
    body = {"cadence": cadence, "due_working_days": due_working_days, "set_by": by}
    _answer(call("PUT", "progress", f"/task-lists/{task_list_id}/cadence", json=body), as_json, _cadence_line)


@cadence_app.command("show")
def show_cadence(task_list_id: str, as_json: JsonFlag = False) -> None:
    """A task list's cadence and the period whose reports are awaited now."""
    _answer(call("GET", "progress", f"/task-lists/{task_list_id}/cadence"), as_json, _cadence_line)


# --- 进展情况 -----------------------------------------------------------------------------

@report_app.command("submit")
def submit_report(
    task_id: str,
    unit: Annotated[str, typer.Option(help="报送单位: the task's 牵头单位 or a 配合单位.")],
    period: Annotated[str, typer.Option(help="调度周期: 2026Q3, 2026-09, 2026-09-D2, 2026-W40 …")],
    text: Annotated[str, typer.Option(help="进展情况.")],
    unlisted: Annotated[bool, typer.Option(help="The unit is not among the task's 责任单位 but reports anyway.")]
    = False,
    as_json: JsonFlag = False,
) -> None:
    """Report progress on a task for a period (最多报一次: the same text again changes nothing)."""
    found = call("POST", "progress", "/reports",
                 json={"task_id": task_id, "unit": unit, "period": period, "text": text, "unlisted": unlisted})
    _answer(found, as_json,
            lambda r: f"{r['unit']} reported on task {r['task_id']} for {r['period']} (report {r['id']})")


@report_app.command("upload")
def upload_reports(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="An .xlsx or .csv with 序号 (or 任务ID) and 进展情况 columns.")],
    unit: Annotated[str, typer.Option(help="报送单位: one unit's reports per sheet.")],
    period: Annotated[str, typer.Option(help="调度周期 of every row.")],
    task_list_id: Annotated[str | None, typer.Option("--list", help="The task list, when rows give 序号.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be recorded; record nothing.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """一表报送: one unit's progress on several tasks from one sheet; rows it cannot take are listed."""
    content_type = CONTENT_TYPES.get(file.suffix.lower())
    if content_type is None:
        console.print(f"[red]{file.name}: send an .xlsx or .csv file[/red]")
        raise typer.Exit(1)
    form = {"unit": unit, "period": period, "dry_run": "true" if dry_run else "false"}
    if task_list_id:
        form["task_list_id"] = task_list_id
    found = call("POST", "progress", "/reports/upload", files={"file": (file.name, file.read_bytes(), content_type)},
                 data=form)
    if as_json:
        print_json(found)
    else:
        verb = "would record" if dry_run else "recorded"
        console.print(f"{found['unit']}, {found['period']}: {verb} {found['created']} reports, "
                      f"{found['unchanged']} already reported, {found['errors']} rows not taken")
        problems = [r for r in found["rows"] if r["status"] == "error"]
        if problems:
            table = Table("row", "序号", "reason", title="[red]rows not taken[/red]")
            for r in problems:
                table.add_row(str(r["row"]), r["seq"] or "", r["reason"] or "")
            console.print(table)
    if found["errors"]:
        raise typer.Exit(1)


@report_app.command("list")
def list_reports(
    task_id: Annotated[str | None, typer.Option("--task", help="Only this task.")] = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit.")] = None,
    period: Annotated[str | None, typer.Option(help="Only this period.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Progress reports (进展情况), filtered."""
    params = {k: v for k, v in (("task_id", task_id), ("unit", unit), ("period", period)) if v}
    _answer(call("GET", "progress", "/reports", params={**params, "limit": 5000}), as_json, _reports_table)


def _reports_table(found: list[dict[str, Any]]) -> RenderableType:
    table = Table("submitted (CST)", "period", "unit", "进展情况", "task")
    for r in found:
        table.add_row(_local(r["submitted_at"]), r["period"], r["unit"], _short(r["text"], 50), r["task_id"])
    return table if found else "no reports match"


@report_app.command("missed")
def missed_reports(unit: str, as_json: JsonFlag = False) -> None:
    """逾期未报: the reports a unit missed, counted for supervision."""
    _answer(call("GET", "progress", f"/units/{unit}/missed-reports"), as_json, _missed_reports)


def _missed_reports(found: dict[str, Any]) -> RenderableType:
    summary = f"{found['unit']} missed {found['count']} reports, {found['still_missing']} not sent even late"
    if not found["missed"]:
        return summary
    table = Table("period", "due", "序号", "主要任务", "补报")
    for m in found["missed"]:
        table.add_row(m["period"], m["due_on"], m["seq"] or "", _short(m["title"]),
                      _local(m["reported_late_at"], minutes=False))
    return Group(summary, table)


def register(app: typer.Typer) -> None:
    app.add_typer(task_app, name="task")
    app.add_typer(cadence_app, name="cadence")
    app.add_typer(report_app, name="report")
