"""`python -m sanwei.bench.unit_views` runs (a benchmark: nothing here is timed against a limit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanwei.bench.unit_views import measure

pytestmark = pytest.mark.integration


async def test_the_unit_views_benchmark_measures_both_endpoints_on_the_unit_index(tmp_path: Path) -> None:
    rows = await measure(200, 1, tmp_path)
    assert [(r["service"], r["unit index"]) for r in rows] == [("registry", True), ("progress", True)]
    assert all(r["p50 ms"] > 0 and r["/healthz p50 ms"] > 0 for r in rows)
