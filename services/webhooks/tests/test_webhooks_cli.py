"""`sanwei webhook …` against the webhooks service served by uvicorn on a free port."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sanwei.cli import app as cli_app
from sanwei.cli import register_commands
from sanwei.cli.testing import cli_runner
from sanwei.stack import free_port
from sanwei_contracts.examples import example_envelope
from sanwei_kit.auth import Role
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import Harness, build_test_app, served, service_harness, test_token
from sanwei_webhooks.adapters.tables import kit, metadata
from sanwei_webhooks.app import create_app
from sanwei_webhooks.settings import WebhooksSettings

pytestmark = pytest.mark.handler

NOTICE_ISSUED = "sanwei.supervision.notice.v1.issued"


@asynccontextmanager
async def _served(tmp_path: Path) -> AsyncIterator[tuple[Harness, Callable[..., Awaitable[Result]]]]:
    app = build_test_app(create_app, WebhooksSettings, metadata, kit, tmp_path,
                         FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC)),
                         delivery_max_attempts=2, delivery_base_delay=0.01, delivery_max_delay=0.02)
    async with service_harness(app) as harness, served(app) as url:
        with cli_runner({"SANWEI_WEBHOOKS_URL": url, "SANWEI_TOKEN": test_token(Role.ADMIN)}) as run_cli:

            async def run(*args: str) -> Result:
                return await run_cli("webhook", *args)

            yield harness, run


def _flat(text: str) -> str:
    """Output without the line breaks rich adds to fit the terminal."""
    return " ".join(text.split())


async def _deliver(harness: Harness, rounds: int) -> None:
    loop = harness.client._transport.app.state.delivery_loop  # type: ignore[attr-defined]
    for _ in range(rounds):
        await loop.sweep()
        await loop.drain()
        await asyncio.sleep(0.05)


async def test_add_list_deliveries_rotate_and_remove(tmp_path, receiver) -> None:
    async with _served(tmp_path) as (harness, run):
        added = await run("add", receiver.url, "--type", NOTICE_ISSUED, "-t", "sanwei.media.*",
                          "--description", "区政府OA", "--json")
        assert added.exit_code == 0, added.output
        sub = json.loads(added.output)
        assert sub["event_types"] == [NOTICE_ISSUED, "sanwei.media.*"] and sub["secret"].startswith("whsec_")

        human = await run("add", "http://127.0.0.1:9/down", "--type", NOTICE_ISSUED)
        assert human.exit_code == 0 and "shown only now" in _flat(human.output) and "whsec_" in human.output
        down_id = human.output.split()[1]

        await harness.publish(example_envelope(NOTICE_ISSUED).model_copy(update={"id": uuid.uuid4()}))
        await _deliver(harness, rounds=3)

        listed = await run("list", "--json")
        counts = {s["id"]: s["deliveries"] for s in json.loads(listed.output)}
        assert counts == {sub["id"]: {"delivered": 1}, down_id: {"given_up": 1}}
        table = await run("list")
        assert "区政府OA" in table.output and sub["id"] in table.output

        delivered = await run("deliveries", sub["id"], "--json")
        [delivery] = json.loads(delivered.output)
        assert delivery["state"] == "delivered" and delivery["last_status"] == 200
        given_up = await run("deliveries", down_id)
        assert given_up.exit_code == 0 and "given_up" in given_up.output and "ConnectError" in _flat(given_up.output)
        assert json.loads((await run("deliveries", down_id, "--state", "delivered", "--json")).output) == []

        rotated = await run("rotate-secret", sub["id"], "--json")
        assert json.loads(rotated.output)["secret"] not in (sub["secret"], None)

        removed = await run("remove", sub["id"])
        assert removed.exit_code == 0 and "removed" in removed.output
        assert [s["id"] for s in json.loads((await run("list", "--json")).output)] == [down_id]


async def test_errors_are_clear_and_exit_non_zero(tmp_path) -> None:
    async with _served(tmp_path) as (_harness, run):
        unknown_type = await run("add", "http://example.org/hook", "--type", "sanwei.supervision.notice.v1.issue")
        assert unknown_type.exit_code == 1 and "selects no event type" in _flat(unknown_type.output)
        missing = await run("remove", "no-such-id")
        assert missing.exit_code == 1 and "no webhook subscription no-such-id" in _flat(missing.output)
        no_type = await run("add", "http://example.org/hook")
        assert no_type.exit_code == 2  # typer: --type is required


def test_an_unreachable_service_exits_3(monkeypatch) -> None:
    register_commands()
    result = CliRunner().invoke(cli_app, ["webhook", "list"], env={"SANWEI_WEBHOOKS_URL": f"http://127.0.0.1:{free_port()}"})
    assert result.exit_code == 3 and "cannot reach webhooks" in _flat(result.output)
