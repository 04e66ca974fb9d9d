"""Who may read and change task lists, tasks, deadlines, the calendar and the units directory;
and the registry refusing oversized bodies and unsafe sheets."""

from __future__ import annotations

from datetime import datetime

import pytest

from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import (
    build_test_app,
    operations_without_token_requirement,
    refused_token_headers,
    service_harness,
    unit_operator_headers,
    with_zip_entry,
    xlsx_bytes,
)
from sanwei_registry.adapters.tables import kit, metadata
from sanwei_registry.app import create_app
from sanwei_registry.settings import RegistrySettings

pytestmark = pytest.mark.handler

CIVIL_AFFAIRS = "区民政局"  # 民政: 社会救助
COMMERCE = "区商务局"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ))


@pytest.fixture
def app(tmp_path, clock):
    return build_test_app(create_app, RegistrySettings, metadata, kit, tmp_path, clock,
                          max_request_bytes=64 * 1024, sheet_max_rows=50)


async def _tasks(client) -> dict[str, dict]:
    body = {"title": "2019年《政府工作报告》主要工作任务", "tasks": [
        {"title": "完善社会救助体系。", "lead_unit": CIVIL_AFFAIRS, "deadline": "2026-12-31"},
        {"title": "推进外贸转型升级。", "lead_unit": COMMERCE, "deadline": "2026-12-31"},
        {"title": "做好困难群众帮扶。", "lead_unit": "区人社局", "co_units": [CIVIL_AFFAIRS], "deadline": "2026-12-31"},
        {"title": "落实临时救助制度。", "lead_unit": "区民政局社会救助科", "deadline": "2026-12-31"},
    ]}
    created = await client.post("/task-lists", json=body)
    assert created.status_code == 201, created.text
    return {t["lead_unit"]: t for t in created.json()["tasks"]}


def test_every_registry_endpoint_requires_a_token(app):
    assert operations_without_token_requirement(app) == ["GET /clock", "GET /healthz", "GET /metrics", "GET /readyz"]


async def test_missing_expired_foreign_and_forged_tokens_are_401(app):
    async with service_harness(app) as h:
        answers = {name: await h.client.get("/tasks", headers=headers)
                   for name, headers in refused_token_headers("command").items()}
        assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(answers, 401)
        assert answers["expired"].json()["detail"]["reason"] == "token expired"
        assert "audience" in answers["audience"].json()["detail"]["reason"]
        assert answers["forged"].json()["detail"]["reason"] == "token signature does not verify"
        assert (await h.client.get("/healthz", headers={"Authorization": ""})).status_code == 200


async def test_each_role_does_what_the_matrix_says_and_is_refused_the_rest_with_a_reason(app):
    async with service_harness(app) as h:
        tasks = await _tasks(h.client)
        task_id = tasks[COMMERCE]["id"]
        for role in (Role.MEDIA, Role.DISCIPLINE, Role.AUDITOR, Role.ADMIN):
            assert (await h.client.get(f"/tasks/{task_id}", headers=h.as_(role))).status_code == 200
            assert (await h.client.get("/units", headers=h.as_(role))).status_code == 200
            refused = await h.client.post("/task-lists", headers=h.as_(role),
                                          json={"title": "x", "tasks": [{"title": "y", "lead_unit": COMMERCE}]})
            assert refused.status_code == 403, role
            assert refused.json()["detail"]["reason"].startswith("this needs the role command")
        integration = h.as_(Role.INTEGRATION, subject="oa")
        assert (await h.client.get("/tasks", headers=integration)).status_code == 403
        pushed = await h.client.put("/task-lists/external/OA-2019", headers=integration, json={
            "title": "区政府OA任务", "tasks": [{"external_id": "OA-1", "title": "z", "lead_unit": COMMERCE}]})
        assert pushed.status_code == 201, pushed.text
        assert (await h.client.put("/task-lists/external/OA-2019", headers=h.as_(Role.MEDIA),
                                   json={"title": "t", "tasks": [{"external_id": "1", "title": "z",
                                                                  "lead_unit": COMMERCE}]})).status_code == 403
        correction = {"year": 2027, "days": {"2027-02-06": True}, "reason": "国办发明电", "policy": "keep"}
        assert (await h.client.post("/calendar/corrections", json=correction,
                                    headers=h.as_(Role.AUDITOR))).status_code == 403
        made = await h.client.post("/calendar/corrections", json=correction | {"by": "spoofed"},
                                   headers=h.as_(Role.ADMIN, subject="ops-1", name="运维值班员"))
        assert made.status_code == 201, made.text
        assert made.json()["corrected_by"] == "运维值班员"
        paused = await h.client.post(f"/tasks/{task_id}/pause", json={"reason": "待市级批复", "by": "spoofed"},
                                     headers=h.as_(Role.COMMAND, name="督查室王科长"))
        assert paused.status_code == 200
        history = (await h.client.get(f"/tasks/{task_id}/deadline/explain")).json()["history"]
        assert history[-1]["kind"] == "paused" and history[-1]["actor"] == "督查室王科长"


async def test_a_unit_operator_sees_and_acts_only_for_its_own_tasks(app):
    async with service_harness(app) as h:
        tasks = await _tasks(h.client)
        mine, co, foreign = tasks[CIVIL_AFFAIRS]["id"], tasks["区人社局"]["id"], tasks[COMMERCE]["id"]
        civil = unit_operator_headers(CIVIL_AFFAIRS)
        listed = (await h.client.get("/tasks", headers=civil)).json()
        assert sorted(t["id"] for t in listed) == sorted([mine, co])
        assert [lst["task_count"] for lst in (await h.client.get("/task-lists", headers=civil)).json()] == [2]
        assert (await h.client.get("/tasks", headers=civil, params={"limit": 1, "offset": 1})).json()[0]["id"] == \
            listed[1]["id"]
        assert (await h.client.get(f"/tasks/{co}", headers=civil)).status_code == 200
        for path in (f"/tasks/{foreign}", f"/tasks/{foreign}/deadline/explain", f"/tasks/{foreign}/extensions",
                     f"/tasks/{foreign}/sub-tasks"):
            refused = await h.client.get(path, headers=civil)
            assert refused.status_code == 403, path
            assert refused.json()["detail"]["reason"] == f"task {foreign} belongs to {COMMERCE}; your scope is " \
                                                         f"{CIVIL_AFFAIRS}"
        # 申请延期 for its own task, in its own name.
        extension = {"requested_by": CIVIL_AFFAIRS, "reason": "入户核查需要时间", "deadline": "2027-01-29"}
        assert (await h.client.post(f"/tasks/{mine}/extensions", json=extension,
                                    headers=civil)).status_code == 201
        assert (await h.client.post(f"/tasks/{foreign}/extensions", json=extension | {"requested_by": COMMERCE},
                                    headers=civil)).status_code == 403
        assert (await h.client.post(f"/tasks/{co}/extensions", json=extension | {"requested_by": "区人社局"},
                                    headers=civil)).status_code == 403
        # Deciding, pausing, deadlines and sub-tasks stay with 督查室.
        for path, body in ((f"/tasks/{mine}/pause", {"reason": "x"}), (f"/tasks/{mine}/resume", None),
                           (f"/tasks/{mine}/sub-tasks", {"tasks": [{"title": "s", "lead_unit": CIVIL_AFFAIRS}]})):
            assert (await h.client.post(path, json=body, headers=civil)).status_code == 403, path
        assert (await h.client.put(f"/tasks/{mine}/deadline", json={"deadline": "2027-01-29"},
                                   headers=civil)).status_code == 403
        assert (await h.client.post("/units", json={"name": "区民政局救助站", "kind": "office"},
                                    headers=civil)).status_code == 403


async def test_the_event_of_a_unit_operators_request_names_the_caller_with_role_and_unit(app):
    async with service_harness(app) as h:
        tasks = await _tasks(h.client)
        asked = await h.client.post(
            f"/tasks/{tasks[CIVIL_AFFAIRS]['id']}/extensions", headers=unit_operator_headers(CIVIL_AFFAIRS, name="李四"),
            json={"requested_by": CIVIL_AFFAIRS, "reason": "入户核查需要时间", "deadline": "2027-01-29"})
        assert asked.status_code == 201, asked.text
        event = (await h.emitted("sanwei.registry.task.v1.extension_requested"))[0]
        assert (event["actor"], event["actor_role"], event["actor_unit"]) == ("李四", "unit", CIVIL_AFFAIRS)


async def test_an_operator_covering_a_sub_unit_acts_for_it(app):
    async with service_harness(app) as h:
        tasks = await _tasks(h.client)
        section = tasks["区民政局社会救助科"]["id"]
        without_section = unit_operator_headers(CIVIL_AFFAIRS)
        assert (await h.client.get(f"/tasks/{section}", headers=without_section)).status_code == 403
        with_section = unit_operator_headers(CIVIL_AFFAIRS, "区民政局社会救助科")
        assert (await h.client.get(f"/tasks/{section}", headers=with_section)).status_code == 200
        assert len((await h.client.get("/tasks", headers=with_section)).json()) == 3
        asked = await h.client.post(f"/tasks/{section}/extensions", headers=with_section, json={
            "requested_by": "区民政局社会救助科", "reason": "需要时间", "deadline": "2027-01-29"})
        assert asked.status_code == 201, asked.text


async def test_an_oversized_body_is_refused_with_413(app):
    async with service_harness(app) as h:
        huge = {"title": "大清单", "tasks": [{"title": "任务" * 500, "lead_unit": COMMERCE}] * 40}
        response = await h.client.post("/task-lists", json=huge)
        assert response.status_code == 413
        assert response.json()["detail"]["reason"] == f"request body larger than {64 * 1024} bytes"


async def _import(h, content: bytes, name: str = "清单.xlsx", **form):
    return await h.client.post("/task-lists/import", files={"file": (name, content)}, data=form)


async def test_unsafe_sheets_are_refused_and_formula_rows_are_unreadable(app):
    async with service_harness(app) as h:
        header = ["序号", "主要任务", "责任单位"]
        formula = xlsx_bytes([header, [1, "完善社会救助体系。", CIVIL_AFFAIRS],
                              ["=ROW()-1", '=CONCATENATE("推进","外贸")', COMMERCE]])
        report = (await _import(h, formula, dry_run="true")).json()
        assert report["tasks_read"] == 1
        assert [r["row"] for r in report["unreadable_rows"]] == [3]
        assert report["unreadable_rows"][0]["reason"].startswith("formula in cell A3 (=ROW()-1)")
        assert all("CONCATENATE" not in t["title"] for t in report["preview"])

        bomb = with_zip_entry(xlsx_bytes([header]), "xl/media/image1.bin", b"\0" * (8 * 1024 * 1024))
        refused = await _import(h, bomb)
        assert refused.status_code == 413
        assert "zip bomb" in refused.json()["detail"]["reason"]

        huge = await _import(h, xlsx_bytes([header] + [[i, f"任务{i}", COMMERCE] for i in range(60)]))
        assert huge.status_code == 413
        assert huge.json()["detail"]["reason"].startswith("the sheet has more than 50 rows")

        wrong = await _import(h, xlsx_bytes([["姓名", "电话"], ["张三", "123"]]))
        assert wrong.status_code == 422 and "no header row" in wrong.json()["detail"]["reason"]
        assert (await _import(h, b"PK\x03\x04 broken")).status_code == 422


async def test_a_unit_operators_list_is_read_as_a_page_co_led_tasks_included(app, monkeypatch):
    """Its own unit's tasks, or every task one of its units leads or co-leads: the page is cut in SQL
    (the co-units are indexed), never by reading every task the district stored to filter them."""
    from sanwei_registry.adapters.repository import TaskRepository

    limits: list[int] = []
    find = TaskRepository.find

    async def spying_find(self, **kwargs):  # type: ignore[no-untyped-def]
        limits.append(kwargs.get("limit", 500))
        return await find(self, **kwargs)

    monkeypatch.setattr(TaskRepository, "find", spying_find)
    async with service_harness(app) as h:
        tasks = await _tasks(h.client)
        civil = unit_operator_headers(CIVIL_AFFAIRS)
        led = (await h.client.get("/tasks", headers=civil, params={"unit": CIVIL_AFFAIRS})).json()
        assert [t["lead_unit"] for t in led] == [CIVIL_AFFAIRS]
        page = (await h.client.get("/tasks", headers=civil, params={"unit": CIVIL_AFFAIRS, "offset": 1})).json()
        assert page == []
        involved = (await h.client.get("/tasks", headers=civil, params={"limit": 1, "offset": 1})).json()
        assert [t["id"] for t in involved] == [tasks["区人社局"]["id"]]  # co-led: 配合单位
        # Another unit's tasks stay out of reach, whatever is asked, except those it co-leads.
        assert (await h.client.get("/tasks", headers=civil, params={"unit": COMMERCE})).json() == []
        assert [t["title"] for t in (await h.client.get("/tasks", headers=civil,
                                                        params={"unit": "区人社局"})).json()] == ["做好困难群众帮扶。"]
        assert [lst["task_count"] for lst in (await h.client.get("/task-lists", headers=civil)).json()] == [2]
        assert limits == [500, 500, 1, 500, 500]  # each time the page, not every task; none for the lists


async def test_a_revision_that_changes_the_co_units_changes_who_sees_the_task(app):
    task = {"external_id": "OA-4", "seq": "4", "title": "加快推进总部经济发展。", "lead_unit": "区投促局",
            "co_units": ["区 发改局"], "deadline": "2026-12-31"}  # spelt with a space, as OA systems do

    async def push(client, co_units: list[str]) -> None:
        body = {"title": "2019年《政府工作报告》主要工作任务", "tasks": [task | {"co_units": co_units}]}
        assert (await client.put("/task-lists/external/OA-GZBG-2019", json=body)).status_code in (200, 201)

    async with service_harness(app) as h:
        await push(h.client, ["区 发改局"])
        development, finance = unit_operator_headers("区发改局"), unit_operator_headers("区财政局")
        assert [t["title"] for t in (await h.client.get("/tasks", headers=development)).json()] == [task["title"]]
        assert (await h.client.get("/tasks", headers=finance)).json() == []
        await push(h.client, ["区财政局"])
        assert (await h.client.get("/tasks", headers=development)).json() == []
        assert [t["title"] for t in (await h.client.get("/tasks", headers=finance)).json()] == [task["title"]]


async def test_a_task_written_without_its_unit_index_is_listed_once_the_repair_has_run(app):
    """During a rolling upgrade a pod of the version before the index still writes tasks."""
    from sqlalchemy import delete

    from sanwei_kit.unit_index import UnitIndexRepair
    from sanwei_registry.adapters.tables import task_units

    async with service_harness(app) as h:
        tasks = await _tasks(h.client)
        async with h.runtime.db.transaction() as conn:
            await conn.execute(delete(task_units).where(task_units.c.task_id == tasks["区人社局"]["id"]))
        civil = unit_operator_headers(CIVIL_AFFAIRS)
        assert len((await h.client.get("/tasks", headers=civil)).json()) == 1
        repair = next(task for task in h.runtime.background if isinstance(task, UnitIndexRepair))
        while await repair.sweep():
            pass
        assert len((await h.client.get("/tasks", headers=civil)).json()) == 2
