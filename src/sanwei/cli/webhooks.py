"""Operator verbs for webhook subscriptions (事件推送): add, list, deliveries, rotate-secret, remove."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sanwei.cli.client import call, print_json

# Wide enough for a subscription id and URL when the output is a file or a pipe, not a terminal.
console = Console(width=None if Console().is_terminal else 160)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

webhook_app = typer.Typer(
    help="Webhook subscriptions: other systems receive events as signed HTTP POSTs (see docs/integration.md).",
    no_args_is_help=True,
)


def _secret_notice(subscription: dict) -> None:
    console.print(f"signing secret (shown only now, store it): [bold]{subscription['secret']}[/bold]")
    console.print("receivers verify the Sanwei-Signature header with it; `sanwei webhook rotate-secret` replaces it.")


@webhook_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Where deliveries are POSTed (http or https).")],
    event_types: Annotated[list[str], typer.Option(
        "--type", "-t", help="Event type or pattern, e.g. sanwei.supervision.* (repeat for more).")],
    description: Annotated[str | None, typer.Option(help="Who the receiver is, e.g. 区政府OA.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a receiver for the given event types; prints its signing secret once."""
    created = call("POST", "webhooks", "/subscriptions",
                   json={"url": url, "event_types": event_types, "description": description})
    if as_json:
        print_json(created)
        return
    console.print(f"subscription [bold]{created['id']}[/bold] → {created['url']} for {', '.join(created['event_types'])}")
    _secret_notice(created)


@webhook_app.command("list")
def list_subscriptions(as_json: JsonFlag = False) -> None:
    """Every subscription with its deliveries counted by state."""
    found = call("GET", "webhooks", "/subscriptions")
    if as_json:
        print_json(found)
        return
    table = Table("url", "event types", "deliveries", "description")
    table.add_column("id", no_wrap=True)
    for s in found:
        counts = ", ".join(f"{state} {n}" for state, n in sorted(s["deliveries"].items())) or "none yet"
        table.add_row(s["url"], "\n".join(s["event_types"]), counts, s["description"] or "", s["id"])
    console.print(table if found else "no webhook subscriptions")


@webhook_app.command("deliveries")
def deliveries(
    subscription_id: str,
    state: Annotated[str | None, typer.Option(help="pending, delivered, failing or given_up.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """A subscription's deliveries, newest first: state, attempts, last answer, next attempt."""
    params: dict[str, object] = {"limit": limit}
    if state:
        params["state"] = state
    found = call("GET", "webhooks", f"/subscriptions/{subscription_id}/deliveries", params=params)
    if as_json:
        print_json(found)
        return
    table = Table("id", "event", "state", "attempts", "last answer", "next attempt", title=f"deliveries of {subscription_id}")
    for d in found:
        answer = (f"{d['last_status']} {d['last_response'] or ''}".strip() if d["last_status"] is not None
                  else d["last_error"] or "")
        colour = {"delivered": "green", "failing": "yellow", "given_up": "red"}.get(d["state"], "white")
        table.add_row(str(d["id"]), d["event_type"].removeprefix("sanwei."), f"[{colour}]{d['state']}[/{colour}]",
                      str(d["attempts"]), answer[:80], d["next_attempt_at"] or "")
    console.print(table if found else "no deliveries")


@webhook_app.command("rotate-secret")
def rotate_secret(subscription_id: str, as_json: JsonFlag = False) -> None:
    """Replace a subscription's signing secret; every later attempt is signed with the new one."""
    rotated = call("POST", "webhooks", f"/subscriptions/{subscription_id}/rotate-secret")
    if as_json:
        print_json(rotated)
        return
    _secret_notice(rotated)


@webhook_app.command("remove")
def remove(subscription_id: str, as_json: JsonFlag = False) -> None:
    """Stop delivering to a subscription and forget its deliveries."""
    call("DELETE", "webhooks", f"/subscriptions/{subscription_id}")
    if as_json:
        print_json({"removed": subscription_id})
    else:
        console.print(f"subscription {subscription_id} removed")


def register(app: typer.Typer) -> None:
    app.add_typer(webhook_app, name="webhook")
