"""Task sheets: `sanwei import FILE` sends an xlsx or csv task list to the registry.

Importing the same sheet again changes nothing: the registry knows the list by its title
and each task by its 序号 (or its row), and reports what it created, changed or left as it
was. Exit codes: 0 every row was read and applied; 1 the sheet had unreadable rows or a
change was refused (the report is still printed), or the registry refused the file; 3 the
registry cannot be reached; 4 the registry failed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from sanwei.cli.client import call, print_json

# Wide enough for the task table when the output is a file or a pipe, not a terminal.
console = Console(width=None if Console().is_terminal else 160)

CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}


class _CountingReader:
    """A file whose reads advance a progress bar, so the bar follows the upload."""

    def __init__(self, handle: IO[bytes], on_read: Any) -> None:
        self._handle = handle
        self._on_read = on_read

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self._on_read(len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()


def _short(text: str | None, width: int = 40) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _upload(file: Path, form: dict[str, str], quiet: bool) -> dict[str, Any]:
    size = file.stat().st_size
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    # The bar goes to stderr, so `--json` output on stdout stays clean for scripts.
    with Progress(*columns, console=Console(stderr=True), transient=True, disable=quiet) as progress:
        upload = progress.add_task(f"uploading {file.name}", total=size)

        def advanced(n: int) -> None:
            progress.advance(upload, n)
            if progress.tasks[upload].completed >= size:
                progress.update(upload, description="registry reading the sheet")

        with file.open("rb") as handle:
            reader = _CountingReader(handle, advanced)
            content_type = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
            return call("POST", "registry", "/task-lists/import", files={"file": (file.name, reader, content_type)},
                        data=form)


def _print_report(report: dict[str, Any]) -> None:
    outcome = report.get("outcome")
    heading = "dry run: nothing was created" if report["dry_run"] else "imported"
    summary = Table(title=f"{heading} — 《{report.get('title') or '?'}》", show_header=False)
    summary.add_row("header row", str(report["header_row"]))
    summary.add_row("tasks read", str(report["tasks_read"]))
    summary.add_row("rows inheriting merged 责任单位", str(report["rows_inheriting_units"]))
    summary.add_row("unreadable rows", str(len(report["unreadable_rows"])))
    if report.get("task_list"):
        summary.add_row("task list", report["task_list"]["id"])
    if outcome:
        summary.add_row("list", "created" if outcome["list_created"] else "already known")
        for key in ("created", "updated", "unchanged", "refused"):
            summary.add_row(f"tasks {key}", str(outcome[key]))
        if outcome["not_in_push"]:
            summary.add_row("stored tasks not in this sheet (kept)", str(len(outcome["not_in_push"])))
    console.print(summary)

    tasks = Table("序号", "主要任务", "牵头单位", "配合单位", "result", title="tasks")
    if outcome:
        by_id = {t["id"]: t for t in report["task_list"]["tasks"]}
        for line in outcome["tasks"]:
            if line["outcome"] == "unchanged":
                continue
            task = by_id.get(line["task_id"] or "", {})
            result = line["outcome"]
            if line["changes"]:
                result += ": " + ", ".join(c["field"] for c in line["changes"])
            if line["reason"]:
                result += ": " + line["reason"]
            tasks.add_row(task.get("seq") or line["external_id"], _short(task.get("title")), task.get("lead_unit", ""),
                          "、".join(task.get("co_units", [])), result)
    else:
        for task in report["preview"]:
            tasks.add_row(task.get("seq") or "", _short(task["title"]), task["lead_unit"], "、".join(task["co_units"]),
                          "would be imported")
    if tasks.row_count:
        console.print(tasks)
    if report.get("inherited_rows"):
        console.print("rows inheriting the 责任单位 above: " + ", ".join(map(str, report["inherited_rows"])))
    units = report.get("units") or {}
    for group, members in units.get("expanded", {}).items():
        console.print(f"group {group} expanded to {len(members)} units: {'、'.join(members)}")
    if units.get("kept_as_groups"):
        console.print("kept as groups (no members known, or leading a task): " + "、".join(units["kept_as_groups"]))
    if units.get("unknown"):
        unknown = Table("unit name", "rows", title="[yellow]unknown unit names: map them with "
                                                   "`sanwei units map NAME UNIT`[/yellow]")
        for name in units["unknown"]:
            unknown.add_row(name["name"], ", ".join(map(str, name["rows"])))
        console.print(unknown)
    if report["unreadable_rows"]:
        problems = Table("row", "reason", title="[red]unreadable rows[/red]")
        for problem in report["unreadable_rows"]:
            problems.add_row(str(problem["row"]), problem["reason"])
        console.print(problems)


def import_sheet(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="The task sheet, .xlsx or .csv (e.g. a 主要工作任务落实情况表).")],
    title: Annotated[str | None, typer.Option(help="Title of the task list (default: the sheet's title row).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and report only; create nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the registry's report as JSON.")] = False,
) -> None:
    """Import a task list (清单) from a sheet; importing the same sheet again changes nothing."""
    if file.suffix.lower() not in CONTENT_TYPES:
        console.print(f"[red]{file.name}: send an .xlsx or .csv file[/red]")
        raise typer.Exit(1)
    form = {"dry_run": "true" if dry_run else "false"}
    if title:
        form["title"] = title
    report = _upload(file, form, quiet=as_json)
    if as_json:
        print_json(report)
    else:
        _print_report(report)
    refused = (report.get("outcome") or {}).get("refused", 0)
    if report["unreadable_rows"] or refused:
        raise typer.Exit(1)


units_app = typer.Typer(help="The units directory (单位名录): units, aliases, groups, unknown names.",
                        no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@units_app.command("load")
def load_units(
    file: Annotated[Path | None, typer.Argument(exists=True, dir_okay=False, readable=True,
                                                help="A directory file (JSON); default: the 市中区 seed.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Load units, aliases and groups from a JSON file; loading it twice changes nothing."""
    if file is None:
        from importlib import resources

        text = (resources.files("sanwei_registry") / "data" / "shizhong-units.json").read_text("utf-8")
    else:
        text = file.read_text("utf-8")
    try:
        body = json.loads(text)
    except ValueError as exc:
        console.print(f"[red]{file}: not JSON: {exc}[/red]")
        raise typer.Exit(1) from exc
    loaded = call("POST", "registry", "/units/directory", json=body)
    if as_json:
        print_json(loaded)
        return
    console.print(f"units created: {len(loaded['created'])}, already known: {len(loaded['already_known'])}, "
                  f"aliases added: {len(loaded['aliases_added'])}")


@units_app.command("list")
def list_units(as_json: JsonFlag = False) -> None:
    """Every unit with its kind, aliases and a group's members."""
    found = call("GET", "registry", "/units")
    if as_json:
        print_json(found)
        return
    table = Table("unit", "kind", "aliases", "members", "id")
    for unit in found:
        table.add_row(unit["name"], unit["kind"], "、".join(unit["aliases"]), _short("、".join(unit["members"]), 30),
                      unit["id"])
    console.print(table)


@units_app.command("unknown")
def unknown_units(as_json: JsonFlag = False) -> None:
    """Unit names met on import that nobody has mapped yet."""
    found = call("GET", "registry", "/units/unknown-names")
    if as_json:
        print_json(found)
        return
    table = Table("unit name", "times seen", "first seen")
    for name in found:
        table.add_row(name["name"], str(name["times_seen"]), name["first_seen_at"])
    console.print(table)


@units_app.command("map")
def map_unit(name: str, unit: Annotated[str, typer.Argument(help="The unit it means: its id or its name.")],
             as_json: JsonFlag = False) -> None:
    """Map an unknown name to a unit (it becomes an alias); re-import the sheet to apply it."""
    units = call("GET", "registry", "/units")
    target = next((u for u in units if unit in (u["id"], u["name"], *u["aliases"])), None)
    if target is None:
        console.print(f"[red]no unit {unit!r} in the directory[/red]")
        raise typer.Exit(1)
    mapped = call("POST", "registry", "/units/unknown-names/map", json={"name": name, "unit_id": target["id"]})
    if as_json:
        print_json(mapped)
        return
    console.print(f"“{name}” now means {mapped['name']} (aliases: {'、'.join(mapped['aliases'])})")


def register(app: typer.Typer) -> None:
    app.command("import")(import_sheet)
    app.add_typer(units_app, name="units")
