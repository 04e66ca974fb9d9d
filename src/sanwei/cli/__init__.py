"""The `sanwei` command for operators: the local stack, the demo, and the operator verbs.

Each group of verbs lives in its own module of this package and registers itself on
`app` in `register_commands`; every verb that prints data takes `--json` for scripts.
"""

from __future__ import annotations

import contextlib
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sanwei.stack import SERVICES, Stack

app = typer.Typer(help="sanwei: 三位一体 督导检查 → 媒体监督 → 纪委问责, as event-driven services.",
                  no_args_is_help=True)
# Wide enough for a timeline row when the output is a file or a pipe, not a terminal.
console = Console(width=None if Console().is_terminal else 160)


@app.command()
def up(
    data_dir: Annotated[Path, typer.Option(help="Where NATS and the SQLite files live.")] = Path(".sanwei"),
    speed: Annotated[float, typer.Option(help="Simulated seconds per real second (86400: a day a second).")] = 1.0,
    start: Annotated[
        datetime | None, typer.Option(help="Simulated start instant for an accelerated clock (ISO 8601).")
    ] = None,
    log_format: Annotated[str, typer.Option(help="console or json")] = "console",
) -> None:
    """Start nats-server and every service on this machine until Ctrl-C."""
    import os

    os.environ.setdefault("SANWEI_LOG_FORMAT", log_format)
    stack = Stack(data_dir.resolve(), clock_speed=speed, clock_origin_sim=start, log_to_files=False)
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start()
        table = Table(title="sanwei is up")
        table.add_column("service")
        table.add_column("HTTP API (OpenAPI at /docs)")
        table.add_row("nats (as admin; each service has its own user)", stack.nats_url)
        for name in SERVICES:
            table.add_row(name, stack.url(name))
        console.print(table)
        console.print(f"data in {data_dir}; Ctrl-C stops everything.")
        while not stopping:
            for name, process in list(stack.processes.items()):
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}")
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        # Stop first: the terminal or a pipe we print to may already be gone after Ctrl-C.
        stack.stop()
        with contextlib.suppress(OSError):
            console.print("stopped.")


@app.command()
def demo(
    attach: Annotated[
        bool, typer.Option(help="Use the stack already running on the default ports (it must run an accelerated "
                                "clock, e.g. `sanwei up --speed 86400`).")
    ] = False,
    sheet: Annotated[Path | None, typer.Option(help="Task sheet to import (default: the 2019 Q2 市中区 sheet).")] = None,
    data_dir: Annotated[Path, typer.Option(
        help="With --attach: the running stack's data directory (its signing key signs the demo's tokens).")
    ] = Path(".sanwei"),
) -> None:
    """Run the whole chain on an accelerated clock and print each case's timeline."""
    from sanwei.demo import run_demo

    raise typer.Exit(run_demo(console, attach=attach, sheet=sheet, data_dir=data_dir))


def register_commands() -> None:
    """Attach the verb groups defined in the sibling modules."""
    from sanwei.cli import calendar, claims, operations, reports, sheets, tasks, tokens, webhooks

    calendar.register(app)
    claims.register(app)
    operations.register(app)
    sheets.register(app)
    reports.register(app)
    tasks.register(app)
    webhooks.register(app)
    tokens.register(app)


def main() -> None:
    register_commands()
    app()
