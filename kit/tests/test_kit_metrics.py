"""ServiceMetrics: gauges counted from the database at scrape time, one registry per service."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Column, Integer, String, Table, text

from sanwei_kit.db import Database, new_metadata
from sanwei_kit.metrics import ServiceMetrics, count_by
from sanwei_kit.testing import test_database_url

pytestmark = pytest.mark.unit


def _values(metrics: ServiceMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(metrics.render().decode()) for s in f.samples}


async def test_counts_by_state_with_known_states_at_zero_and_survives_a_broken_query(tmp_path):
    metadata = new_metadata()
    things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("state", String(20)))
    db = Database(test_database_url(tmp_path, "metrics"))
    try:
        async with db.transaction() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(things.insert(), [{"state": "open"}, {"state": "open"}, {"state": "closed"}])
        metrics = ServiceMetrics("probe")

        async def broken(conn):  # type: ignore[no-untyped-def]
            await conn.execute(text("SELECT * FROM no_such_table"))

        metrics.add_gauge("probe_broken", "A query that fails.", [], broken)
        metrics.add_gauge("probe_things", "Things by state.", ["state"],
                          count_by(things.c.state, known=["open", "closed", "archived"]))
        await metrics.refresh(db)
    finally:
        await db.dispose()
    values = _values(metrics)
    assert values[("probe_things", (("state", "open"),))] == 2
    assert values[("probe_things", (("state", "closed"),))] == 1
    assert values[("probe_things", (("state", "archived"),))] == 0
    assert not any(name == "probe_broken" for name, _ in values)
    # Another service's registry is its own: no clash, no shared values.
    assert "probe_things" not in ServiceMetrics("other").render().decode()


def test_a_gauge_name_is_registered_once():
    metrics = ServiceMetrics("probe")

    async def zero(conn):  # type: ignore[no-untyped-def]
        return 0

    metrics.add_gauge("probe_x", "x", [], zero)
    with pytest.raises(ValueError):
        metrics.add_gauge("probe_x", "x", [], zero)
