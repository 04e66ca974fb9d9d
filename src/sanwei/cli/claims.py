"""完成销号 and a unit's own view of its tasks, against the progress service.

`sanwei claim …`: the 牵头单位 claims a task is completed (申请完成销号) with its 完成情况说明 and
佐证材料; the issuing unit (督查室) accepts (核验通过) or sends it back (核验退回) with a reason.
`sanwei units tasks UNIT`: 我的任务 — mine, due soon, overdue, reports owed this week.
Exit codes as for `sanwei task`: 1 refused, 2 usage, 3 unreachable, 4 server error.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.table import Table

from sanwei.cli.client import call
from sanwei.cli.sheets import units_app
from sanwei.cli.tasks import LIGHTS, JsonFlag, _answer, _local, _short

claim_app = typer.Typer(help="完成销号: completion claims of tasks and the issuing unit's verification (核验).",
                        no_args_is_help=True)
CLAIM_STATES = {"pending": "[yellow]pending[/yellow]", "accepted": "[green]accepted[/green]",
                "rejected": "[red]rejected[/red]"}


class View(StrEnum):
    """The views of `GET /units/{unit}/tasks`, spelled as command-line words."""

    MINE = "mine"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"
    OWED_THIS_WEEK = "owed-this-week"


@claim_app.command("submit")
def submit_claim(
    task_id: str,
    unit: Annotated[str, typer.Option(help="The 牵头单位 claiming.")],
    text: Annotated[str, typer.Option(help="完成情况说明.")],
    evidence: Annotated[list[str] | None, typer.Option(
        "--evidence", help="佐证材料, repeatable: a reference the office can look up (文号, a file name in the "
                           "document system, a URL); files are not uploaded.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """申请完成销号: claim a task is completed; its deadline keeps running while the claim waits."""
    body = {"task_id": task_id, "unit": unit, "text": text, "attachments": evidence or []}
    _answer(call("POST", "progress", "/completion-claims", json=body), as_json,
            lambda c: f"claim {c['id']} of {c['unit']} on task {c['task_id']} is waiting for verification (核验)")


@claim_app.command("show")
def show_claim(claim_id: str, as_json: JsonFlag = False) -> None:
    """One completion claim, with its 佐证材料 and the decision."""
    _answer(call("GET", "progress", f"/completion-claims/{claim_id}"), as_json, _claim)


def _claim(c: dict[str, Any]) -> RenderableType:
    table = Table(show_header=False, title=f"claim {c['id']}")
    for label, value in (
        ("task", c["task_id"]), ("牵头单位", c["unit"]), ("完成情况说明", c["text"]),
        ("佐证材料", "\n".join(c["attachments"])), ("status", CLAIM_STATES.get(c["status"], c["status"])),
        ("claimed (CST)", _local(c["claimed_at"])), ("decided by", c["decided_by"]),
        ("decided (CST)", _local(c["decided_at"])), ("退回理由", c["rejection_reason"]),
    ):
        if value:
            table.add_row(label, str(value))
    return table


@claim_app.command("list")
def list_claims(
    task_id: Annotated[str | None, typer.Option("--task", help="Every claim of this task.")] = None,
    unit: Annotated[str | None, typer.Option(help="The latest claim on each open task this unit works on.")] = None,
    status: Annotated[str | None, typer.Option(help="pending, accepted or rejected.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Completion claims of a task (all of them) or of a unit (the latest per open task)."""
    if (task_id is None) == (unit is None):
        raise typer.BadParameter("give --task TASK or --unit UNIT")
    if task_id is not None:
        claims = call("GET", "progress", f"/tasks/{task_id}/progress")["claims"]
        if unit is not None:
            claims = [c for c in claims if c["unit"] == unit]
    else:
        # The progress service lists claims per task; a unit's come with its open tasks.
        found = call("GET", "progress", f"/units/{unit}/tasks", params={"view": "mine"})
        claims = [t["latest_claim"] for t in found["tasks"] if t["latest_claim"]]
    if status is not None:
        claims = [c for c in claims if c["status"] == status]
    _answer(claims, as_json, _claims_table)


def _claims_table(claims: list[dict[str, Any]]) -> RenderableType:
    table = Table("claimed (CST)", "unit", "完成情况说明", "status", "decided by", "task", "claim")
    for c in claims:
        table.add_row(_local(c["claimed_at"]), c["unit"], _short(c["text"]), CLAIM_STATES.get(c["status"], c["status"]),
                      c["decided_by"] or "", c["task_id"], c["id"])
    return table if claims else "no claims match"


@claim_app.command("accept")
def accept_claim(
    claim_id: str,
    by: Annotated[str, typer.Option(help="核验单位: the issuing unit (交办单位), e.g. 区政府督查室.")],
    as_json: JsonFlag = False,
) -> None:
    """核验通过: accept a claim; the registry then completes (销号) the task."""
    _answer(call("POST", "progress", f"/completion-claims/{claim_id}/accept", json={"accepted_by": by}), as_json,
            lambda c: f"claim {c['id']} accepted by {c['decided_by']}: task {c['task_id']} is 销号")


@claim_app.command("reject")
def reject_claim(
    claim_id: str,
    by: Annotated[str, typer.Option(help="核验单位: the issuing unit (交办单位).")],
    reason: Annotated[str, typer.Option(help="退回理由.")],
    as_json: JsonFlag = False,
) -> None:
    """核验退回: send a claim back with a reason; the task stays open and its deadline keeps running."""
    _answer(call("POST", "progress", f"/completion-claims/{claim_id}/reject",
                 json={"rejected_by": by, "reason": reason}), as_json,
            lambda c: f"claim {c['id']} sent back by {c['decided_by']}: {c['rejection_reason']}")


@units_app.command("tasks")
def unit_tasks(
    unit: str,
    view: Annotated[View, typer.Option(help="mine: open tasks it leads or helps with; due-soon; overdue; "
                                            "owed-this-week: progress reports due this week.")] = View.MINE,
    as_json: JsonFlag = False,
) -> None:
    """我的任务: a unit's tasks — mine, due soon, overdue, or the reports it owes this week."""
    found = call("GET", "progress", f"/units/{unit}/tasks", params={"view": view.value.replace("-", "_")})
    _answer(found, as_json, _unit_tasks)


def _unit_tasks(found: dict[str, Any]) -> RenderableType:
    counts = found["counts"]
    summary = (f"{found['unit']}: {counts['mine']} open tasks, {counts['due_soon']} due by {found['due_soon_until']}, "
               f"{counts['overdue']} overdue, {counts['owed_this_week']} reports owed this week")
    if not found["tasks"]:
        return Group(summary, f"no tasks in view {found['view']}")
    table = Table("序号", "主要任务", "role", "完成时限", "light", "完成销号", "owed", "id",
                  title=f"{found['view']}: {len(found['tasks'])} tasks")
    for t in found["tasks"]:
        claim = t["latest_claim"]
        owed = ", ".join(f"{o['period']} by {o['due_on']}" + (" [red]missed[/red]" if o["missed"] else "")
                         for o in t["owed"])
        table.add_row(t["seq"] or "", _short(t["title"]), "牵头" if t["role"] == "lead" else "配合",
                      t["deadline"] or "—", LIGHTS.get(t["light"], t["light"]),
                      CLAIM_STATES.get(claim["status"], claim["status"]) if claim else "", owed, t["id"])
    return Group(summary, table)


def register(app: typer.Typer) -> None:
    # `units tasks` joins the units directory's group (sanwei.cli.sheets) by its decorator above.
    app.add_typer(claim_app, name="claim")
