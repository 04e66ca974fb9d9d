"""纪委 metrics (counts only: a clue's content never reaches a label): gauges of this service's state on /metrics, counted at each scrape."""

from __future__ import annotations

from sanwei_discipline.adapters.tables import clues
from sanwei_discipline.domain.model import ClueState
from sanwei_kit.metrics import count_by
from sanwei_kit.runtime import Runtime


def register_metrics(runtime: Runtime) -> None:
    runtime.add_metric("sanwei_discipline_clues", "Accountability clues (问题线索) by state.", ["state"],
                       count_by(clues.c.state, known=[s.value for s in ClueState]))
