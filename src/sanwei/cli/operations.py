"""Operator verbs over the running stack: cases and their timelines, dead letters, the audit chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from sanwei.cli.client import call, print_json
from sanwei.stack import SERVICES

CHINA = ZoneInfo("Asia/Shanghai")
console = Console()
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

case_app = typer.Typer(help="Cases across all tracks, as the audit service records them (全链条追溯).",
                       no_args_is_help=True)
dead_app = typer.Typer(help="Dead letters: events a service could not handle, with the reason.",
                       no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def _local(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


@case_app.command("list")
def list_cases(as_json: JsonFlag = False) -> None:
    """Every case with its first and last event."""
    cases = call("GET", "audit", "/cases")
    if as_json:
        print_json(cases)
        return
    table = Table("case", "events", "first (CST)", "last (CST)", "last event")
    for case in cases:
        table.add_row(case["case_id"], str(case["events"]), _local(case["first_time"]), _local(case["last_time"]),
                      case["last_type"].removeprefix("sanwei."))
    console.print(table)


@case_app.command("show")
def show_case(case_id: str, as_json: JsonFlag = False) -> None:
    """One case's timeline: every step across 督导检查, 媒体监督 and 纪委问责, in order."""
    steps = call("GET", "audit", f"/cases/{case_id}/timeline")
    if as_json:
        print_json(steps)
        return
    table = Table("time (CST)", "track", "event", "what happened", "who (role · unit)", title=f"case {case_id}")
    for step in steps:
        table.add_row(_local(step["time"]), step["track"], step["type"].removeprefix("sanwei."), step["summary"],
                      step.get("who") or step.get("actor") or "")
    console.print(table)


def _services(service: str | None) -> list[str]:
    if service is None:
        return list(SERVICES)
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    return [service]


@dead_app.command("list")
def list_dead_letters(
    service: Annotated[str | None, typer.Option(help="Only this service.")] = None,
    include_replayed: Annotated[bool, typer.Option(help="Also those already replayed.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Dead letters of every service (or one), with their reasons."""
    found = []
    for name in _services(service):
        for letter in call("GET", name, "/dead-letters", params={"include_replayed": include_replayed}):
            found.append({"service": name, **letter})
    if as_json:
        print_json(found)
        return
    table = Table("service", "id", "consumer", "subject", "deliveries", "failed at", "reason")
    for letter in found:
        table.add_row(letter["service"], str(letter["id"]), letter["consumer"], letter["subject"],
                      str(letter["deliveries"]), letter["failed_at"], letter["reason"].splitlines()[0])
    console.print(table if found else "no dead letters")


@dead_app.command("replay")
def replay_dead_letter(
    service: Annotated[str, typer.Argument(help="The service holding the dead letter.")],
    dead_letter_id: int,
    as_json: JsonFlag = False,
) -> None:
    """Hand one dead letter to its consumer again (after the cause was fixed)."""
    _services(service)
    result = call("POST", service, f"/dead-letters/{dead_letter_id}/replay")
    if as_json:
        print_json(result)
    else:
        console.print(f"replayed dead letter {dead_letter_id} of {service} at {result['replayed_at']}")


@audit_app.command("verify")
def verify_audit(as_json: JsonFlag = False) -> None:
    """Recompute the audit hash chain; exits 1 and names the first broken row if it was altered."""
    result = call("GET", "audit", "/audit/verify")
    if as_json:
        print_json(result)
    elif result["ok"]:
        console.print(f"[green]audit chain intact[/green]: {result['checked']} events, head {result['head_hash']}")
    else:
        console.print(f"[red]audit chain broken at seq {result['first_broken_seq']}[/red]: {result['reason']}")
    if not result["ok"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
    app.add_typer(dead_app, name="dead-letters")
    app.add_typer(audit_app, name="audit")
