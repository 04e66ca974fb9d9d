"""The operator verbs of the `sanwei` command against the running stack."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sanwei.cli import app, register_commands
from sanwei.demo import Demo
from sanwei.stack import SERVICES, Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cli(stack: Stack):  # type: ignore[no-untyped-def]
    register_commands()
    runner = CliRunner()
    env = {f"SANWEI_{name.upper()}_URL": stack.url(name) for name in SERVICES}
    env["SANWEI_DATA_DIR"] = str(stack.data_dir)  # the stack's dev signing key: the CLI mints its operator token

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), env=env)

    return run


def test_case_show_prints_the_timeline_of_a_case(cli, demo: Demo) -> None:
    demo.wait_for_clock_to_start()
    body = {"title": "命令行测试", "tasks": [{"title": "升级经四路“金街”。", "lead_unit": "区金融办", "working_days": 1}]}
    task = demo.call("POST", "registry", "/task-lists", json=body)["tasks"][0]
    demo.wait_for("the task's timeline", lambda: demo.call("GET", "audit", f"/cases/{task['id']}/timeline"))
    result = cli("case", "show", task["id"], "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["type"] == "sanwei.registry.task.v1.assigned"
    listed = cli("case", "list", "--json")
    assert task["id"] in {c["case_id"] for c in json.loads(listed.output)}


def test_unknown_case_is_a_clear_error_and_a_non_zero_exit(cli) -> None:
    result = cli("case", "show", "no-such-case")
    assert result.exit_code == 1
    assert "404" in result.output


def test_audit_verify_and_dead_letters(cli) -> None:
    verified = cli("audit", "verify", "--json")
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)["ok"] is True
    letters = cli("dead-letters", "list", "--json")
    assert letters.exit_code == 0, letters.output
    assert json.loads(letters.output) == []
    missing = cli("dead-letters", "replay", "registry", "999")
    assert missing.exit_code == 1


def test_an_unreachable_service_says_so(cli, monkeypatch) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "verify"], env={"SANWEI_AUDIT_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 3
    assert "cannot reach audit" in result.output
