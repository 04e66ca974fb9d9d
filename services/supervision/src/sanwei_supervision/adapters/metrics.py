"""督办 metrics: gauges of this service's state on /metrics, counted at each scrape."""

from __future__ import annotations

from sanwei_contracts.events.common import NoticeLevel
from sanwei_kit.metrics import count_by
from sanwei_kit.runtime import Runtime
from sanwei_supervision.adapters.tables import notices
from sanwei_supervision.domain.model import NoticeStatus


def register_metrics(runtime: Runtime) -> None:
    runtime.add_metric("sanwei_supervision_open_notices",
                       "Open 督办通知书 by level (blue 蓝 / yellow 黄 / red 红): issued, not yet rectified or escalated.",
                       ["level"], count_by(notices.c.level, where=notices.c.status == NoticeStatus.OPEN.value,
                                           known=[level.value for level in NoticeLevel]))
    runtime.add_metric("sanwei_supervision_notices", "督办通知书 by status.", ["status"],
                       count_by(notices.c.status, known=[s.value for s in NoticeStatus]))
