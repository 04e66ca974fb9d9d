"""The units directory over HTTP, and how imports and pushes read unit names through it."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_registry.adapters.tables import kit, metadata
from sanwei_registry.app import create_app
from sanwei_registry.settings import RegistrySettings

pytestmark = pytest.mark.handler

SHEET = Path(str(resources.files("sanwei") / "data")) / "shizhong-2019q2.xlsx"
SEED = json.loads((Path(str(resources.files("sanwei_registry") / "data")) / "shizhong-units.json").read_text("utf-8"))


@pytest.fixture
def app(tmp_path):
    clock = FakeClock(datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ))
    return build_test_app(create_app, RegistrySettings, metadata, kit, tmp_path, clock)


async def _seeded(client) -> dict[str, dict]:
    response = await client.post("/units/directory", json=SEED)
    assert response.status_code == 200, response.text
    return {u["name"]: u for u in (await client.get("/units")).json()}


async def test_the_seed_loads_once_and_loading_it_again_changes_nothing(app):
    async with service_harness(app) as h:
        units = await _seeded(h.client)
        assert len(units) == len(SEED["units"])
        again = (await h.client.post("/units/directory", json=SEED)).json()
        assert (again["created"], again["aliases_added"]) == ([], [])
        assert len((await h.client.get("/units")).json()) == len(units)
        assert units["区发改局"]["parent_id"] == units["市中区"]["id"]
        assert "市中区发展和改革局" in units["区发改局"]["aliases"]
        assert len(units["各街道办事处"]["members"]) == 17


async def test_importing_the_quarterly_sheet_expands_groups_and_renames_aliases(app):
    async with service_harness(app) as h:
        await _seeded(h.client)
        response = await h.client.post("/task-lists/import", files={"file": ("s.xlsx", SHEET.read_bytes())})
        report = response.json()
        assert (report["tasks_read"], report["rows_inheriting_units"], report["unreadable_rows"]) == (110, 20, [])
        units = report["units"]
        assert len(units["expanded"]["各街道办事处"]) == 17
        assert "相关街道办事处" in units["kept_as_groups"]
        assert units["renamed"]["农业农村局"] == "区农业农村局"
        assert units["unknown"] == []
        tasks = report["task_list"]["tasks"]
        assert not any("各街道办事处" in t["co_units"] for t in tasks)
        assert sum("陡沟街道办事处" in t["co_units"] for t in tasks) >= 1
        assert not any(u == "农业农村局" for t in tasks for u in [t["lead_unit"], *t["co_units"]])
        assert (await h.client.get("/units/unknown-names")).json() == []


async def test_an_unknown_name_is_listed_mapped_by_a_person_and_applied_on_reimport(app):
    sheet = "序号,主要任务,责任单位\n1,推进政务数据共享,区大数据局、发改局\n2,推进企业上云,市中区发展和改革局\n".encode()
    async with service_harness(app) as h:
        units = await _seeded(h.client)
        report = (await h.client.post("/task-lists/import", files={"file": ("数据.csv", sheet)})).json()
        assert report["units"]["unknown"] == [{"name": "区大数据局", "rows": [2]}]
        assert [t["lead_unit"] for t in report["task_list"]["tasks"]] == ["区大数据局", "区发改局"]
        assert report["task_list"]["tasks"][0]["co_units"] == ["区发改局"]
        waiting = (await h.client.get("/units/unknown-names")).json()
        assert [(w["name"], w["times_seen"]) for w in waiting] == [("区大数据局", 1)]
        # The 大数据局's work sits with the 发改局 in this district: a person maps the name.
        mapped = await h.client.post("/units/unknown-names/map",
                                     json={"name": "区大数据局", "unit_id": units["区发改局"]["id"]})
        assert mapped.status_code == 200, mapped.text
        assert "区大数据局" in mapped.json()["aliases"]
        assert (await h.client.get("/units/unknown-names")).json() == []
        again = (await h.client.post("/task-lists/import", files={"file": ("数据.csv", sheet)})).json()
        assert again["units"]["unknown"] == []
        assert again["outcome"]["updated"] == 1
        assert again["outcome"]["tasks"][0]["changes"] == [
            {"field": "lead_unit", "old": "区大数据局", "new": "区发改局"},
            {"field": "co_units", "old": ["区发改局"], "new": []},
        ]


async def test_a_unit_is_never_created_twice_under_another_name(app):
    async with service_harness(app) as h:
        units = await _seeded(h.client)
        for name in ("发改局", "市中区发改局", "市中区发展和改革局"):
            response = await h.client.post("/units", json={"name": name, "kind": "department", "parent": "市中区"})
            assert response.status_code == 409, name
            assert "区发改局" in response.json()["detail"]["reason"]
        clash = await h.client.post("/units", json={"name": "区大数据局", "kind": "department", "aliases": ["投促局"]})
        assert clash.status_code == 409
        taken = await h.client.post(f"/units/{units['区发改局']['id']}/aliases", json={"alias": "区投促局"})
        assert taken.status_code == 409
        created = await h.client.post("/units", json={"name": "区大数据局", "kind": "department", "parent": "区",
                                                      "aliases": ["市中区大数据局"]})
        assert created.status_code == 422  # “区” is no unit: the parent must be known
        created = await h.client.post("/units", json={"name": "区大数据局", "kind": "department", "parent": "市中区",
                                                      "aliases": ["市中区大数据局"]})
        assert created.status_code == 201, created.text
        assert created.json()["parent_id"] == units["市中区"]["id"]
        resolved = (await h.client.get("/units/resolve", params={"cell": "大数据局、各街道"})).json()
        assert resolved["renamed"] == {"大数据局": "区大数据局", "各街道": "各街道办事处"}
        assert len(resolved["expanded"]["各街道办事处"]) == 17


async def test_mapping_a_name_nobody_met_is_404(app):
    async with service_harness(app) as h:
        units = await _seeded(h.client)
        response = await h.client.post("/units/unknown-names/map",
                                       json={"name": "区外星局", "unit_id": units["区发改局"]["id"]})
        assert response.status_code == 404
