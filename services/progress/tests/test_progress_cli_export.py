"""`sanwei export`: the CLI writes the xlsx the progress service builds and says what it wrote."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from sanwei.cli import app, register_commands
from sanwei.cli import reports as reports_cli

pytestmark = pytest.mark.unit

TABLE = {"title": "2019年第二季度重点任务落实情况表", "period": "2019Q2", "reports": 1, "merged_units": [],
         "rows": [{"task_id": "t1", "seq": "1", "title": "甲", "progress": [{"unit": "区投促局", "text": "一",
                                                                             "listed": True}],
                   "progress_text": "区投促局:一", "units": ["区投促局"]},
                  {"task_id": "t2", "seq": "2", "title": "乙", "progress": [], "progress_text": "",
                   "units": ["区投促局"]}]}


def test_export_writes_the_xlsx_and_prints_a_summary(tmp_path, monkeypatch):
    calls: list[tuple[str, str, dict[str, Any]]] = []

    def fake_call(method: str, service: str, path: str, **kwargs: Any) -> Any:
        calls.append((service, path, kwargs["params"]))
        return TABLE if kwargs["params"]["format"] == "json" else b"PK-xlsx"

    monkeypatch.setattr(reports_cli, "call", fake_call)
    register_commands()
    target = tmp_path / "q2.xlsx"
    result = CliRunner().invoke(app, ["export", "list-1", "--period", "2019q2", "-o", str(target), "--json"])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == b"PK-xlsx"
    assert {(s, p) for s, p, _ in calls} == {("progress", "/task-lists/list-1/report-sheet")}
    assert all(params["period"] == "2019q2" for _, _, params in calls)
    summary = json.loads(result.output)
    assert summary == {"file": str(target), "title": TABLE["title"], "period": "2019Q2", "rows": 2, "reports": 1,
                       "rows_without_reports": ["2"]}
