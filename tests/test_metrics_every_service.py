"""Every service answers /metrics without a token, with the kit's gauges and its own."""

from __future__ import annotations

import importlib
import json
import re
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskOverdue
from sanwei_kit.calendar import CHINA_TZ, due_instant
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness

pytestmark = pytest.mark.handler

KIT_GAUGES = {"sanwei_outbox_backlog", "sanwei_timers_pending", "sanwei_timer_lag_seconds",
              "sanwei_dead_letters_waiting", "sanwei_outbox_oldest_unpublished_seconds"}

# Each service's own gauges, with a label value that is always present (known states count 0).
DOMAIN_GAUGES = {
    "registry": [("sanwei_registry_overdue_tasks", {}), ("sanwei_registry_tasks", {"status": "open"})],
    "progress": [("sanwei_progress_missed_reports", {})],
    "supervision": [("sanwei_supervision_open_notices", {"level": "red"}),
                    ("sanwei_supervision_notices", {"status": "open"})],
    "media": [("sanwei_media_exposures", {"status": "open"}), ("sanwei_media_citizen_clues", {"status": "received"})],
    "discipline": [("sanwei_discipline_clues", {"state": "registered"})],
    "audit": [],
    "webhooks": [("sanwei_webhooks_deliveries", {"state": "given_up"})],
}


def _app(service: str, tmp_path):
    app_module = importlib.import_module(f"sanwei_{service}.app")
    tables = importlib.import_module(f"sanwei_{service}.adapters.tables")
    settings = importlib.import_module(f"sanwei_{service}.settings")
    settings_cls = getattr(settings, f"{service.capitalize()}Settings")
    clock = FakeClock(datetime(2026, 9, 30, 9, 0, tzinfo=CHINA_TZ))
    return build_test_app(app_module.create_app, settings_cls, tables.metadata, tables.kit, tmp_path, clock)


@pytest.mark.parametrize("service", sorted(DOMAIN_GAUGES))
async def test_metrics_of_every_service(service, tmp_path):
    async with service_harness(_app(service, tmp_path)) as h:
        metrics = await h.metrics()
    names = {name for name, _labels in metrics}
    assert names >= KIT_GAUGES
    for name, labels in DOMAIN_GAUGES[service]:
        assert metrics.get((name, frozenset(labels.items()))) == 0, name


async def test_open_notices_by_level_follow_an_overdue_task(tmp_path):
    async with service_harness(_app("supervision", tmp_path)) as h:
        task_id = str(uuid.uuid4())
        deadline = date(2026, 9, 29)
        await h.publish(new_envelope(
            TaskOverdue(task_id=task_id, title="重点打造儒商总部大厦特色楼宇。", lead_unit="区投促局", co_units=[],
                        deadline=deadline, due_at=due_instant(deadline)),
            subject=f"task/{task_id}", case_id=task_id, time=h.runtime.clock.now(), actor="system"))
        metrics = await h.metrics()
    # An overdue task's notice is issued at the yellow level (黄色督办).
    assert metrics[("sanwei_supervision_open_notices", frozenset({("level", "yellow")}))] == 1
    assert metrics[("sanwei_supervision_open_notices", frozenset({("level", "blue")}))] == 0
    # FastStream's middleware counted the message the handler took (TestNatsBroker runs middlewares too).
    received = [value for (name, labels), value in metrics.items()
                if name == "faststream_received_messages_total"
                and ("handler", "sanwei.registry.task.v1.overdue") in labels]
    assert received == [1]


async def test_every_metric_the_dashboard_plots_is_exported(tmp_path):
    """deploy/grafana/sanwei-dashboard.json plots nothing that no service exports (a renamed metric breaks it)."""
    dashboard = json.loads((Path(__file__).parents[1] / "deploy" / "grafana" / "sanwei-dashboard.json").read_text())
    plotted = {name for panel in dashboard["panels"] for target in panel.get("targets", [])
               for name in re.findall(r"\b(?:sanwei|faststream)_[a-z_]+\b", target["expr"])}
    exported: set[str] = set()
    for service in DOMAIN_GAUGES:
        async with service_harness(_app(service, tmp_path / service)) as h:
            if service == "supervision":  # a handled message makes FastStream's metrics appear
                task_id = str(uuid.uuid4())
                await h.publish(new_envelope(
                    TaskOverdue(task_id=task_id, title="推进老旧小区改造。", lead_unit="区住建局", co_units=[],
                                deadline=date(2026, 9, 29), due_at=due_instant(date(2026, 9, 29))),
                    subject=f"task/{task_id}", case_id=task_id, time=h.runtime.clock.now(), actor="system"))
            exported |= {name for name, _labels in await h.metrics()}
    assert plotted <= exported, sorted(plotted - exported)
