"""任务清单 metrics: gauges of this service's state on /metrics, counted at each scrape."""

from __future__ import annotations

from sanwei_kit.metrics import count_by, count_where
from sanwei_kit.runtime import Runtime
from sanwei_registry.adapters.tables import tasks
from sanwei_registry.domain.model import TaskStatus


def register_metrics(runtime: Runtime) -> None:
    runtime.add_metric("sanwei_registry_tasks", "Tasks by status (open, paused, overdue, completed).", ["status"],
                       count_by(tasks.c.status, known=[s.value for s in TaskStatus]))
    runtime.add_metric("sanwei_registry_overdue_tasks", "Tasks past their deadline and not completed (逾期).", [],
                       count_where(tasks, tasks.c.status == TaskStatus.OVERDUE.value))
