"""双随机 draws: reproducible from the published seed and lists, with an exclusion period."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest

from sanwei_contracts.examples import example_data
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.errors import Invalid
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.domain.draws import Draw, rerun
from sanwei_supervision.settings import SupervisionSettings

NOW = datetime(2026, 10, 9, 10, 0, tzinfo=CHINA_TZ)
POOL = [f"执法证370100{i:02d}" for i in range(1, 13)]
TARGETS = [f"{district}某企业{i}" for district in ("历城区", "章丘区", "长清区", "济阳区") for i in range(1, 6)]


def _independent_pick(seed: str, purpose: str, items: list[str], n: int) -> list[str]:
    """The algorithm as docs/supervision.md states it, written again from the text."""
    keyed = sorted((hashlib.sha256(f"{seed}\n{purpose}\n{item}".encode()).hexdigest(), item) for item in set(items))
    return [item for _, item in keyed[:n]]


@pytest.mark.unit
def test_a_draw_is_a_function_of_the_seed_and_the_sets_only():
    draw = Draw.run(draw_id="d1", scope="安全生产双随机抽查", title="", seed="58213", inspector_pool=POOL,
                    targets=TARGETS, recently_drawn={"历城区某企业1"}, inspectors_count=2, targets_count=4, now=NOW)
    assert draw.drawn_inspectors == _independent_pick("58213", "inspectors", POOL, 2)
    assert draw.drawn_targets == _independent_pick("58213", "targets", [t for t in TARGETS if t != "历城区某企业1"], 4)
    assert draw.excluded == ["历城区某企业1"] and "历城区某企业1" not in draw.eligible
    shuffled = Draw.run(draw_id="d2", scope="安全生产双随机抽查", title="", seed="58213",
                        inspector_pool=list(reversed(POOL)) + [" 执法证37010001 "], targets=TARGETS[::-1],
                        recently_drawn={"历城区某企业1"}, inspectors_count=2, targets_count=4, now=NOW)
    assert (shuffled.drawn_inspectors, shuffled.drawn_targets) == (draw.drawn_inspectors, draw.drawn_targets)
    other = rerun("58214", POOL, draw.eligible, 2, 4)
    assert other != (draw.drawn_inspectors, draw.drawn_targets)  # another seed, another draw
    with pytest.raises(Invalid):
        Draw.run(draw_id="d3", scope="安全生产双随机抽查", title="", seed="1", inspector_pool=POOL, targets=TARGETS[:2],
                 recently_drawn={TARGETS[0]}, inspectors_count=1, targets_count=2, now=NOW)


@pytest.mark.unit
def test_the_published_contract_example_re_runs_to_its_result():
    record = example_data("sanwei.supervision.draw.v1.published")
    eligible = [t for t in record.targets if t not in record.excluded]
    assert rerun(record.seed, record.inspector_pool, eligible, record.inspectors_count, record.targets_count) == (
        record.drawn_inspectors, record.drawn_targets)


@pytest.mark.handler
async def test_a_published_draw_re_runs_from_its_record_and_excludes_recent_targets(tmp_path):
    clock = FakeClock(NOW)
    app = build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock, draw_exclusion_days=30)
    async with service_harness(app) as h:
        body = {"scope": "安全生产双随机抽查", "title": "2026年10月安全生产双随机抽查", "inspector_pool": POOL,
                "targets": TARGETS, "inspectors_count": 2, "targets_count": 5, "drawn_by": "市应急管理局"}
        made = await h.client.post("/draws", json=body)
        assert made.status_code == 201, made.text
        record = (await h.client.get(f"/draws/{made.json()['id']}")).json()
        assert len(record["seed"]) == 32 and record["algorithm"] == "sanwei-draw-v1"
        assert record["targets"] == sorted(TARGETS) and len(record["drawn_targets"]) == 5
        verified = (await h.client.post("/draws/verify", json=record)).json()
        assert verified["matches"] is True
        assert verified["drawn_targets"] == _independent_pick(record["seed"], "targets", TARGETS, 5)
        undrawn = next(t for t in record["eligible"] if t not in record["drawn_targets"])
        tampered = {**record, "drawn_targets": [*record["drawn_targets"][:-1], undrawn]}
        assert (await h.client.post("/draws/verify", json=tampered)).json()["matches"] is False
        [event] = await h.emitted("sanwei.supervision.draw.v1.published")
        assert event["data"]["seed"] == record["seed"] and event["data"]["drawn_targets"] == record["drawn_targets"]
        # A week later the same scope: the five drawn are not eligible; another scope is not affected.
        clock.advance(timedelta(days=7))
        second = (await h.client.post("/draws", json={**body, "seed": "20261016-58213"})).json()
        assert sorted(second["excluded"]) == sorted(record["drawn_targets"])
        assert not set(second["drawn_targets"]) & set(record["drawn_targets"])
        other_scope = (await h.client.post("/draws", json={**body, "scope": "消防安全双随机抽查"})).json()
        assert other_scope["excluded"] == []
        # After the exclusion period they are eligible again.
        clock.advance(timedelta(days=24))
        third = (await h.client.post("/draws", json={**body, "seed": "x"})).json()
        assert sorted(third["excluded"]) == sorted(second["drawn_targets"])
        too_many = await h.client.post("/draws", json={**body, "targets_count": 21})
        assert too_many.status_code == 422 and too_many.json()["detail"]["field"] == "targets_count"
        assert (await h.client.get("/draws/nope")).status_code == 404
        unknown = await h.client.post("/draws/verify", json={**record, "algorithm": "md5"})
        assert unknown.status_code == 422
