"""Timers survive a SIGKILL: a deadline that passes while its service is down fires once,
late, after the restart. Checked for the registry (task overdue) and supervision
(notice unrectified), each killed with SIGKILL while its deadline passes.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest
from rich.console import Console

from sanwei.demo import Demo, accelerated_stack
from sanwei.stack import SERVICES

pytestmark = pytest.mark.e2e


def _clock_now(demo: Demo, service: str) -> str:
    return demo.call("GET", service, "/clock")["now"]


def _count(steps: list[dict[str, Any]], event_type: str) -> int:
    return sum(1 for s in steps if s["type"] == event_type)


def test_deadlines_that_pass_while_a_service_is_killed_fire_exactly_once(tmp_path) -> None:
    stack = accelerated_stack(tmp_path / "restart")
    try:
        stack.start()
        demo = Demo(Console(width=200, record=True), {name: stack.url(name) for name in SERVICES}, stack.token)
        demo.wait_for_clock_to_start()
        body = {"title": "重启测试", "tasks": [{"title": "升级经四路“金街”。", "lead_unit": "区金融办", "working_days": 1}]}
        task = demo.call("POST", "registry", "/task-lists", json=body)["tasks"][0]

        stack.kill("registry", signal.SIGKILL)
        demo.wait_for("the task's deadline to pass while registry is down",
                      lambda: _clock_now(demo, "supervision") > task["due_at"])
        time.sleep(1.0)
        stack.start_service("registry")
        stack.wait_ready("registry")
        notice = demo.wait_for("the notice after the late overdue", lambda: demo.notice_for(task))

        stack.kill("supervision", signal.SIGKILL)
        demo.wait_for("the notice's deadline to pass while supervision is down",
                      lambda: _clock_now(demo, "registry") > notice["due_at"])
        time.sleep(1.0)
        stack.start_service("supervision")
        stack.wait_ready("supervision")
        demo.wait_for("the exposure after the late unrectified notice", lambda: demo.exposure_for(task))
        time.sleep(2.0)  # room for any duplicate to show up

        steps = demo.call("GET", "audit", f"/cases/{task['id']}/timeline")
        assert _count(steps, "sanwei.registry.task.v1.overdue") == 1
        assert _count(steps, "sanwei.supervision.notice.v1.issued") == 1
        assert _count(steps, "sanwei.supervision.notice.v1.unrectified") == 1
        assert _count(steps, "sanwei.media.exposure.v1.published") == 1
        assert sum(1 for n in demo.call("GET", "supervision", "/notices") if n["task_id"] == task["id"]) == 1
        overdue = next(s for s in steps if s["type"] == "sanwei.registry.task.v1.overdue")
        assert overdue["time"] > task["due_at"]  # late, but it fired
    finally:
        stack.stop()
