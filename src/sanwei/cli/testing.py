"""Test support: the `sanwei` command run in-process against services a test serves over HTTP
(`sanwei_kit.testing.served`)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Protocol

import structlog
from typer.testing import CliRunner, Result

from sanwei.cli import app, register_commands


class RunCli(Protocol):
    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Awaitable[Result]: ...


@contextmanager
def cli_runner(base_env: dict[str, str]) -> Iterator[RunCli]:
    """Yields `run(*args, env=None)`: `sanwei *args` with `base_env` updated by `env`, its result awaited.

    The command runs in a worker thread so that the services it calls keep serving on the test's loop.
    """
    # The services log while the CLI runs in this process: keep their lines out of the CLI's captured output.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.__stderr__))
    register_commands()
    runner = CliRunner()

    async def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return await asyncio.to_thread(runner.invoke, app, list(args), env={**base_env, **(env or {})})

    try:
        yield run
    finally:
        structlog.reset_defaults()
