"""进度 metrics: gauges of this service's state on /metrics, counted at each scrape."""

from __future__ import annotations

from sanwei_kit.metrics import count_where
from sanwei_kit.runtime import Runtime
from sanwei_progress.adapters.tables import missed_reports


def register_metrics(runtime: Runtime) -> None:
    runtime.add_metric("sanwei_progress_missed_reports", "逾期未报: reports a unit missed and has not sent late (补报).",
                       [], count_where(missed_reports, missed_reports.c.reported_late_at.is_(None)))
