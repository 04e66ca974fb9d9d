"""Input the database could not store is a 4xx with its reason, never a 500 (found by the schemathesis run)."""

from __future__ import annotations

from datetime import datetime

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

LONG_NAME = "区" * 201  # one past the name columns


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 10, 12, 9, 0, tzinfo=CHINA_TZ))


async def test_a_co_unit_longer_than_a_unit_name_is_refused(app):
    async with service_harness(app) as h:
        task = {"title": "重点打造儒商总部大厦特色楼宇。", "lead_unit": "区投促局", "co_units": ["区发改局", LONG_NAME]}
        created = await h.client.post("/task-lists", json={"title": "清单", "tasks": [task]})
        assert created.status_code == 422
        assert created.json()["detail"][0]["loc"] == ["body", "tasks", 0, "co_units", 1]
        pushed = await h.client.put("/task-lists/external/OA-1", json={
            "title": "清单", "tasks": [{**task, "external_id": "OA-1-1"}]})
        assert pushed.status_code == 422


async def test_a_unit_alias_or_member_longer_than_a_unit_name_is_refused(app):
    async with service_harness(app) as h:
        alias = await h.client.post("/units", json={"name": "区发改局", "kind": "department", "aliases": [LONG_NAME]})
        assert alias.status_code == 422
        member = await h.client.post("/units", json={"name": "区直部门", "kind": "group", "members": [LONG_NAME]})
        assert member.status_code == 422


async def test_a_huge_page_offset_is_refused(app):
    async with service_harness(app) as h:
        assert (await h.client.get("/tasks", params={"offset": 10**30})).status_code == 422


async def test_a_sheet_naming_a_unit_longer_than_a_unit_name_is_not_a_500(app):
    async with service_harness(app) as h:
        sheet = (f"序号,主要任务,责任单位\n1,重点打造儒商总部大厦特色楼宇。,{LONG_NAME}\n"
                 "2,推进老旧小区改造。,区住建局\n").encode()
        response = await h.client.post("/task-lists/import", files={"file": ("list.csv", sheet)})
        assert response.status_code < 500, response.text
        assert "longer than 200 characters" in response.text
        sheet = ("序号,主要任务,责任单位\n{},重点打造儒商总部大厦特色楼宇。,区投促局\n"
                 "2,推进老旧小区改造。,区住建局\n").format("1" * 51).encode()
        response = await h.client.post("/task-lists/import", files={"file": ("list.csv", sheet)})
        assert response.status_code < 500 and "序号 is longer than 50" in response.text, response.text


async def test_more_tasks_in_one_request_than_a_request_should_carry_are_refused(app):
    async with service_harness(app) as h:
        tasks = [{"title": f"任务{n}", "lead_unit": "区投促局"} for n in range(1001)]
        response = await h.client.post("/task-lists", json={"title": "清单", "tasks": tasks})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "tasks"]


async def test_a_name_meeting_a_key_stored_before_a_district_was_added_is_a_409(app):
    # The fuzz run's case: unit "0"×199 is stored under the key "0"×199; then a district "0" comes,
    # after which "0"×200 is keyed "0"×199 too (the district's name dropped from its front).
    async with service_harness(app) as h:
        assert (await h.client.post("/units", json={"name": "0" * 199, "kind": "department"})).status_code == 201
        assert (await h.client.post("/units", json={"name": "0", "kind": "district"})).status_code == 201
        unit = await h.client.post("/units", json={"name": "0" * 200, "kind": "district"})
        assert unit.status_code == 409, unit.text
        directory = await h.client.post("/units/directory", json={"units": [
            {"name": "区城管局", "kind": "department", "aliases": ["0" * 200]}]})
        assert directory.status_code < 500, directory.text
