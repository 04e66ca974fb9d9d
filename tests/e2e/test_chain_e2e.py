"""The 三位一体 chain end to end on a real nats-server, every service a real process.

The clock runs a calendar day per second from Thursday 2026-09-24, so deadlines in
工作日 cross the Mid-Autumn and National Day holidays as they would in production.
"""

from __future__ import annotations

from typing import Any

import pytest

from sanwei.demo import Demo, DemoFailed

pytestmark = pytest.mark.e2e

CHAIN = [
    "registry.task.v1.assigned",
    "registry.task.v1.overdue",
    "supervision.notice.v1.issued",
    "supervision.notice.v1.unrectified",
    "media.exposure.v1.published",
    "media.exposure.v1.unrectified",
    "media.exposure.v1.republished",
    "media.referral.v1.requested",
    "discipline.clue.v1.registered",
    "discipline.clue.v1.assigned",
    "discipline.clue.v1.disposed",
    "discipline.decision.v1.made",
    "discipline.outcome.v1.published",
]


# The registry's 红黄灯 warnings and 催办 reminders run beside the chain; they are not steps of it.
BESIDE_THE_CHAIN = {"registry.task.v1.deadline_warned", "registry.task.v1.reminded"}


def _types(steps: list[dict[str, Any]]) -> list[str]:
    types = [s["type"].removeprefix("sanwei.") for s in steps]
    return [t for t in types if t not in BESIDE_THE_CHAIN]


def _by_type(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["type"].removeprefix("sanwei."): s for s in steps}


QUIET_UNTIL = "2026-11-06"  # well past every deadline of the cases below


@pytest.fixture(scope="module")
def tasks(demo: Demo) -> list[dict[str, Any]]:
    """Four cases, played the way people would: each acts (or not) when its moment comes."""
    body = {
        "title": "2019年《政府工作报告》主要工作任务（端到端测试）",
        "tasks": [
            {"seq": "1", "title": "重点打造儒商总部大厦特色楼宇。", "lead_unit": "区投促局", "co_units": ["大观园街道办事处"],
             "working_days": 1},
            {"seq": "2", "title": "重点打造国华时代广场特色楼宇。", "lead_unit": "区投促局", "co_units": ["舜耕街道办事处"],
             "working_days": 1},
            {"seq": "3", "title": "重点打造绿地科创大厦特色楼宇。", "lead_unit": "区科技局", "working_days": 8},
            {"seq": "7", "title": "加快山东新金融产业园二期规划建设。", "lead_unit": "区房屋征收服务中心", "working_days": 1},
        ],
    }
    demo.wait_for_clock_to_start()
    created = demo.call("POST", "registry", "/task-lists", json=body)["tasks"]
    whole_chain, after_notice, in_time, after_exposure = created
    demo.complete_in_time(in_time)
    demo.rectify_after_notice(after_notice)
    demo.rectify_after_exposure(after_exposure)
    demo.discipline(whole_chain)
    demo.wait_for(f"the simulated clock to pass {QUIET_UNTIL}",
                  lambda: demo.call("GET", "registry", "/clock")["now"] >= QUIET_UNTIL)
    return created


def timeline(demo: Demo, task: dict[str, Any], expected: list[str]) -> list[dict[str, Any]]:
    """The case's timeline once the audit service holds as many steps as `expected` (it consumes the
    last events a moment after the services that emit them have answered)."""
    def read() -> list[dict[str, Any]] | None:
        steps = demo.call("GET", "audit", f"/cases/{task['id']}/timeline")
        return steps if len(steps) >= len(expected) else None

    try:
        return demo.wait_for("the case's steps in the audit timeline", read, timeout=60)
    except DemoFailed:
        return demo.call("GET", "audit", f"/cases/{task['id']}/timeline")  # compared below, with its diff


def test_an_overdue_task_runs_the_whole_chain_to_a_published_outcome(demo: Demo, tasks) -> None:
    task = tasks[0]
    steps = timeline(demo, task, CHAIN)
    assert _types(steps) == CHAIN
    by_type = _by_type(steps)
    # Each automatic step names the event that caused it.
    for cause, effect in [
        ("registry.task.v1.overdue", "supervision.notice.v1.issued"),
        ("supervision.notice.v1.unrectified", "media.exposure.v1.published"),
        ("media.referral.v1.requested", "discipline.clue.v1.registered"),
    ]:
        assert by_type[effect]["causation_id"] == by_type[cause]["event_id"], effect
    times = [s["time"] for s in steps]
    assert times == sorted(times)
    # Exactly once: one notice, one exposure, one clue for this case.
    assert sum(1 for n in demo.call("GET", "supervision", "/notices") if n["task_id"] == task["id"]) == 1
    assert sum(1 for e in demo.call("GET", "media", "/exposures") if e["case_id"] == task["id"]) == 1
    assert sum(1 for c in demo.call("GET", "discipline", "/clues") if c["case_id"] == task["id"]) == 1
    assert demo.outcomes_on_feed(1)


def test_a_notice_rectified_in_time_stops_the_chain(demo: Demo, tasks) -> None:
    task = tasks[1]
    expected = [
        "registry.task.v1.assigned",
        "registry.task.v1.overdue",
        "supervision.notice.v1.issued",
        "supervision.notice.v1.rectification_submitted",
        "supervision.notice.v1.rectified",
    ]
    assert _types(timeline(demo, task, expected)) == expected
    notice = demo.notice_for(task)
    assert demo.call("GET", "supervision", f"/notices/{notice['id']}")["status"] == "rectified"
    assert demo.exposure_for(task) is None


def test_a_task_completed_in_time_fires_nothing(demo: Demo, tasks) -> None:
    task = tasks[2]
    expected = [
        "registry.task.v1.assigned",
        "progress.report.v1.submitted",
        "progress.completion.v1.claimed",
        "progress.completion.v1.accepted",
        "registry.task.v1.completed",
    ]
    assert _types(timeline(demo, task, expected)) == expected
    assert demo.call("GET", "registry", f"/tasks/{task['id']}")["status"] == "completed"
    assert demo.notice_for(task) is None


def test_an_exposure_rectified_in_time_stops_the_chain(demo: Demo, tasks) -> None:
    task = tasks[3]
    expected = [
        "registry.task.v1.assigned",
        "registry.task.v1.overdue",
        "supervision.notice.v1.issued",
        "supervision.notice.v1.unrectified",
        "media.exposure.v1.published",
        "media.exposure.v1.rectified",
    ]
    assert _types(timeline(demo, task, expected)) == expected
    assert demo.clue_for(task) is None


def test_the_audit_chain_verifies(demo: Demo, tasks) -> None:
    result = demo.call("GET", "audit", "/audit/verify")
    assert result["ok"] is True
    assert result["checked"] >= 25
