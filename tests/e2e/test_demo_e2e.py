"""`sanwei demo` itself: the README's demo must keep working."""

from __future__ import annotations

import pytest
from rich.console import Console

from sanwei.demo import run_demo

pytestmark = pytest.mark.e2e


def test_the_demo_plays_every_case_to_its_end() -> None:
    console = Console(width=200, record=True)
    assert run_demo(console, attach=False, sheet=None) == 0
    output = console.export_text()
    assert "imported 《2019年第二季度《政府工作报告》主要工作任务落实情况表》: 110 tasks" in output
    assert "20 rows inheriting merged 责任单位 cells, 0 unreadable rows" in output
    for word in ("notice.v1.issued", "exposure.v1.republished", "clue.v1.registered", "outcome.v1.published"):
        assert word in output
