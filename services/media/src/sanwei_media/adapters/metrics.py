"""曝光台 metrics: gauges of this service's state on /metrics, counted at each scrape."""

from __future__ import annotations

from sanwei_kit.metrics import count_by
from sanwei_kit.runtime import Runtime
from sanwei_media.adapters.tables import citizen_clues, exposures
from sanwei_media.domain.clues import ClueStatus
from sanwei_media.domain.model import ExposureStatus


def register_metrics(runtime: Runtime) -> None:
    runtime.add_metric("sanwei_media_exposures", "Exposures on the 曝光台 by status.", ["status"],
                       count_by(exposures.c.status, known=[s.value for s in ExposureStatus]))
    runtime.add_metric("sanwei_media_citizen_clues", "Citizen clues (随手拍 / 12345) by status.", ["status"],
                       count_by(citizen_clues.c.status, known=[s.value for s in ClueStatus]))
