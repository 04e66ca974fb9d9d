"""Report verbs: the quarterly 《主要工作任务落实情况表》 of a task list, from the progress service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sanwei.cli.client import call, print_json

console = Console()


def export(
    task_list_id: Annotated[str, typer.Argument(help="The task list (清单) id, as `POST /task-lists` answered.")],
    period: Annotated[str, typer.Option(help="调度周期: 2019Q2 (季), 2019-04 (月), 2019H1, 2019, 2019-W14.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write the xlsx (default: <list>-<period>.xlsx).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was written as JSON for scripts.")] = False,
) -> None:
    """Export the 落实情况表 of a task list for a period as xlsx, built from the units' progress reports."""
    table = call("GET", "progress", f"/task-lists/{task_list_id}/report-sheet",
                 params={"period": period, "format": "json"})
    content = call("GET", "progress", f"/task-lists/{task_list_id}/report-sheet",
                   params={"period": period, "format": "xlsx"})
    target = output or Path(f"{task_list_id}-{table['period']}.xlsx")
    target.write_bytes(content)
    without = [row["seq"] or row["title"] for row in table["rows"] if not row["progress"]]
    summary = {"file": str(target), "title": table["title"], "period": table["period"], "rows": len(table["rows"]),
               "reports": table["reports"], "rows_without_reports": without}
    if as_json:
        print_json(summary)
        return
    console.print(f"[green]{table['title']}[/green] → {target}")
    console.print(f"{len(table['rows'])} tasks, {table['reports']} unit reports for {table['period']}; "
                  f"{len(without)} tasks without any report" + (f" (序号 {', '.join(without[:20])}"
                                                               f"{' …' if len(without) > 20 else ''})"
                                                               if without else ""))


def register(app: typer.Typer) -> None:
    app.command("export")(export)
