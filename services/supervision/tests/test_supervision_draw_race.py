"""双随机 draws of one scope made at the same moment: the exclusion period still holds between them."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.domain.draws import rerun
from sanwei_supervision.settings import SupervisionSettings

pytestmark = pytest.mark.handler

NOW = datetime(2026, 10, 9, 10, 0, tzinfo=CHINA_TZ)
SCOPE = "安全生产双随机抽查"
POOL = [f"执法证370100{i:02d}" for i in range(1, 7)]
TARGETS = ["历城区某化工有限公司", "商河县某有限空间作业企业", "平阴县某危化品仓库", "济阳区某液氨制冷冷库",
           "章丘区某烟花爆竹批发站", "长清区某非煤矿山"]
SEEDS = ("20261009-体彩排列五-58213", "20261009-体彩排列五-58214")


def _body(seed: str, scope: str = SCOPE) -> dict:
    return {"scope": scope, "title": "2026年10月安全生产双随机抽查", "seed": seed, "inspector_pool": POOL,
            "targets": TARGETS, "inspectors_count": 2, "targets_count": 3, "drawn_by": "市应急管理局"}


async def test_two_concurrent_draws_in_one_scope_never_draw_a_unit_twice(tmp_path):
    # Drawn independently, the two seeds would share targets: only the exclusion keeps them apart.
    alone = [set(rerun(seed, POOL, TARGETS, 2, 3)[1]) for seed in SEEDS]
    assert alone[0] & alone[1]
    app = build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, FakeClock(NOW),
                         draw_exclusion_days=30)
    async with service_harness(app) as h:
        responses = await asyncio.gather(*(h.client.post("/draws", json=_body(seed)) for seed in SEEDS))
        assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
        first, second = sorted((r.json() for r in responses), key=lambda d: len(d["excluded"]))
        assert first["excluded"] == []
        assert sorted(second["excluded"]) == sorted(first["drawn_targets"])  # it saw the first's result
        assert not set(first["drawn_targets"]) & set(second["drawn_targets"])
        assert sorted(first["drawn_targets"] + second["drawn_targets"]) == sorted(TARGETS)
        # A third draw at once in the same scope (spelled with other spacing) finds nothing left to draw.
        third, other_scope = await asyncio.gather(h.client.post("/draws", json=_body("3", scope=f" {SCOPE} ")),
                                                  h.client.post("/draws", json=_body("4", scope="消防安全双随机抽查")))
        assert third.status_code == 422 and third.json()["detail"]["field"] == "targets_count"
        assert other_scope.status_code == 201 and other_scope.json()["excluded"] == []
