"""`sanwei demo` itself: the README's demo must keep working, on its own stack and attached to a running one."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from sanwei.demo import accelerated_stack, default_sheet, play_attached, run_demo
from sanwei.stack import SERVICES

pytestmark = pytest.mark.e2e

OUTCOMES = ("notice.v1.issued", "exposure.v1.republished", "clue.v1.registered", "outcome.v1.published")


def test_the_demo_plays_every_case_to_its_end() -> None:
    console = Console(width=200, record=True)
    assert run_demo(console, attach=False, sheet=None) == 0
    output = console.export_text()
    assert "imported 《2019年第二季度《政府工作报告》主要工作任务落实情况表》: 110 tasks" in output
    assert "20 rows inheriting merged 责任单位 cells, 0 unreadable rows" in output
    for word in OUTCOMES:
        assert word in output


def test_the_demo_attached_to_a_running_stack_signs_with_its_data_directorys_key(tmp_path: Path) -> None:
    """`sanwei up --speed 86400` in one terminal, `sanwei demo --attach` in another."""
    stack = accelerated_stack(tmp_path / "stack")
    stack.start()
    try:
        console = Console(width=200, record=True)
        urls = {name: stack.url(name) for name in SERVICES}
        assert play_attached(console, urls, stack.data_dir, default_sheet()) == 0
    finally:
        stack.stop()
    output = console.export_text()
    assert "imported 《演示 " in output  # its own list: the sheet may already be imported on that stack
    for word in OUTCOMES:
        assert word in output


def test_attaching_without_the_stacks_signing_key_says_where_it_looked(tmp_path: Path) -> None:
    console = Console(width=200, record=True)
    urls = {name: "http://127.0.0.1:9" for name in SERVICES}  # never called
    assert play_attached(console, urls, tmp_path, default_sheet()) == 2
    assert f"no development signing key in {tmp_path / 'auth'}" in console.export_text()
