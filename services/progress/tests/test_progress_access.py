"""Who may report, claim, verify and read progress; and the upload refusing unsafe sheets."""

from __future__ import annotations

from datetime import datetime

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.registry import TaskAssigned
from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import (
    build_test_app,
    operations_without_token_requirement,
    refused_token_headers,
    service_harness,
    unit_operator_headers,
    xlsx_bytes,
)
from sanwei_progress.adapters.tables import kit, metadata
from sanwei_progress.app import create_app
from sanwei_progress.settings import ProgressSettings

pytestmark = pytest.mark.handler

LIST_ID = "list-2019"
INVESTMENT = "区投促局"
COMMERCE = "区商务局"
SUBMITTED = "sanwei.progress.report.v1.submitted"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2019, 6, 20, 9, 0, tzinfo=CHINA_TZ))


@pytest.fixture
def app(tmp_path, clock):
    return build_test_app(create_app, ProgressSettings, metadata, kit, tmp_path, clock, sheet_max_rows=30)


async def _assign(h, clock, task_id: str, seq: str, lead: str, co_units=()) -> None:
    await h.publish(new_envelope(
        TaskAssigned(task_id=task_id, task_list_id=LIST_ID, task_list_title="2019年《政府工作报告》主要工作任务",
                     seq=seq, title=f"任务{seq}", lead_unit=lead, co_units=list(co_units)),
        subject=f"task/{task_id}", case_id=task_id, time=clock.now()))


async def _tasks(h, clock) -> None:
    await _assign(h, clock, "t-invest", "1", INVESTMENT)
    await _assign(h, clock, "t-commerce", "2", COMMERCE)
    await _assign(h, clock, "t-trade", "3", "区商务局外贸科")


def _report(task_id: str, unit: str, text: str = "已完成楼宇信息摸底。") -> dict[str, str]:
    return {"task_id": task_id, "unit": unit, "period": "2019Q2", "text": text}


def test_every_progress_endpoint_requires_a_token(app):
    assert operations_without_token_requirement(app) == ["GET /clock", "GET /healthz", "GET /metrics", "GET /readyz"]


async def test_missing_expired_foreign_and_forged_tokens_are_401(app):
    async with service_harness(app) as h:
        for headers in refused_token_headers("unit", unit=INVESTMENT).values():
            response = await h.client.post("/reports", json=_report("t-invest", INVESTMENT), headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["detail"]["reason"]


async def test_a_unit_operator_reports_for_its_unit_and_the_event_names_the_caller(app, clock):
    async with service_harness(app) as h:
        await _tasks(h, clock)
        operator = unit_operator_headers(INVESTMENT, name="投促局王科员")
        sent = await h.client.post("/reports", json=_report("t-invest", INVESTMENT), headers=operator)
        assert sent.status_code == 201, sent.text
        event = (await h.emitted(SUBMITTED))[0]
        assert (event["actor"], event["actor_role"], event["actor_unit"]) == ("投促局王科员", "unit", INVESTMENT)
        refused = await h.client.post("/reports", json=_report("t-commerce", COMMERCE), headers=operator)
        assert refused.status_code == 403
        assert refused.json()["detail"]["reason"] == (f"a report of this unit belongs to {COMMERCE}; "
                                                      f"your scope is {INVESTMENT}")
        claim = {"task_id": "t-commerce", "unit": COMMERCE, "text": "已完成。"}
        assert (await h.client.post("/completion-claims", json=claim, headers=operator)).status_code == 403
        upload = await h.client.post("/reports/upload", headers=operator,
                                     files={"file": ("s.csv", "序号,进展情况\n2,已完成。\n".encode())},
                                     data={"unit": COMMERCE, "period": "2019Q2", "task_list_id": LIST_ID})
        assert upload.status_code == 403
        assert len(await h.emitted(SUBMITTED)) == 1


async def test_a_unit_operator_reads_only_its_own_units_reports_claims_and_tasks(app, clock):
    async with service_harness(app) as h:
        await _tasks(h, clock)
        for task_id, unit in (("t-invest", INVESTMENT), ("t-commerce", COMMERCE)):
            assert (await h.client.post("/reports", json=_report(task_id, unit))).status_code == 201
        claim = (await h.client.post("/completion-claims",
                                     json={"task_id": "t-commerce", "unit": COMMERCE, "text": "已完成。"})).json()
        operator = unit_operator_headers(INVESTMENT)
        assert [r["unit"] for r in (await h.client.get("/reports", headers=operator)).json()] == [INVESTMENT]
        assert len((await h.client.get("/reports", headers=h.as_(Role.AUDITOR))).json()) == 2
        for path in ("/tasks/t-commerce/progress", f"/completion-claims/{claim['id']}", f"/units/{COMMERCE}/tasks",
                     f"/units/{COMMERCE}/missed-reports"):
            refused = await h.client.get(path, headers=operator)
            assert refused.status_code == 403, path
            assert COMMERCE in refused.json()["detail"]["reason"]
        assert (await h.client.get("/reports", params={"unit": COMMERCE}, headers=operator)).status_code == 403
        assert (await h.client.get("/tasks/t-invest/progress", headers=operator)).status_code == 200
        assert (await h.client.get(f"/units/{INVESTMENT}/tasks", headers=operator)).status_code == 200


async def test_a_unit_operators_report_list_is_cut_in_sql_not_from_every_report(app, clock, monkeypatch):
    """The page is asked of the database, for the operator's units: the district's reports are not all read."""
    from sanwei_progress.adapters.repository import ProgressRepository

    asked: list[dict] = []
    find_reports = ProgressRepository.find_reports

    async def spying(self, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(kwargs)
        return await find_reports(self, **kwargs)

    monkeypatch.setattr(ProgressRepository, "find_reports", spying)
    async with service_harness(app) as h:
        await _tasks(h, clock)
        await _assign(h, clock, "t-invest-2", "4", INVESTMENT)
        for task_id, unit in (("t-invest", INVESTMENT), ("t-commerce", COMMERCE), ("t-invest-2", INVESTMENT)):
            assert (await h.client.post("/reports", json=_report(task_id, unit))).status_code == 201
        operator = unit_operator_headers(INVESTMENT)
        page = (await h.client.get("/reports", headers=operator, params={"limit": 1, "offset": 1})).json()
        assert [(r["task_id"], r["unit"]) for r in page] == [("t-invest-2", INVESTMENT)]
        assert (asked[-1]["limit"], asked[-1]["offset"], list(asked[-1]["units"])) == (1, 1, [INVESTMENT])


async def test_verifying_claims_cadences_and_the_sheet_export_are_for_the_command_office(app, clock):
    async with service_harness(app) as h:
        await _tasks(h, clock)
        own = unit_operator_headers(COMMERCE)
        claim = await h.client.post("/completion-claims", headers=own,
                                    json={"task_id": "t-commerce", "unit": COMMERCE, "text": "已完成。"})
        assert claim.status_code == 201, claim.text
        claim_id = claim.json()["id"]
        for headers in (own, h.as_(Role.AUDITOR), h.as_(Role.MEDIA)):
            refused = await h.client.post(f"/completion-claims/{claim_id}/accept", headers=headers,
                                          json={"accepted_by": COMMERCE})
            assert refused.status_code == 403
            assert refused.json()["detail"]["reason"].startswith("this needs the role command")
            assert (await h.client.put(f"/task-lists/{LIST_ID}/cadence", headers=headers,
                                       json={"cadence": "月", "set_by": "区政府督查室"})).status_code == 403
            assert (await h.client.get(f"/task-lists/{LIST_ID}/report-sheet", headers=headers,
                                       params={"period": "2019Q2"})).status_code == 403
        accepted = await h.client.post(f"/completion-claims/{claim_id}/accept",
                                       headers=h.as_(Role.COMMAND, name="督查室王科长"),
                                       json={"accepted_by": "区政府督查室"})
        assert accepted.status_code == 200, accepted.text
        event = (await h.emitted("sanwei.progress.completion.v1.accepted"))[0]
        assert (event["actor"], event["data"]["accepted_by"]) == ("督查室王科长", "区政府督查室")


async def test_an_operator_covering_a_sub_unit_reports_for_it(app, clock):
    async with service_harness(app) as h:
        await _tasks(h, clock)
        body = _report("t-trade", "区商务局外贸科")
        assert (await h.client.post("/reports", json=body, headers=unit_operator_headers(COMMERCE))).status_code == 403
        sent = await h.client.post("/reports", json=body, headers=unit_operator_headers(COMMERCE, "区商务局外贸科"))
        assert sent.status_code == 201, sent.text


async def test_the_upload_refuses_unsafe_sheets_and_reports_formula_rows(app, clock):
    async with service_harness(app) as h:
        await _tasks(h, clock)
        operator = unit_operator_headers(INVESTMENT)
        form = {"unit": INVESTMENT, "period": "2019Q2", "task_list_id": LIST_ID}

        async def upload(content: bytes, name: str = "s.xlsx"):
            return await h.client.post("/reports/upload", headers=operator, files={"file": (name, content)},
                                       data=form)

        formula = await upload(xlsx_bytes([["序号", "进展情况"], [1, '=CONCATENATE("已完成","摸底")']]))
        assert formula.status_code == 200, formula.text
        row = formula.json()["rows"][0]
        assert (row["row"], row["status"]) == (2, "error")
        assert row["reason"].startswith("formula in cell B2")
        assert await h.emitted(SUBMITTED) == []

        huge = await upload(xlsx_bytes([["序号", "进展情况"]] + [[1, "x"]] * 40))
        assert huge.status_code == 413
        assert huge.json()["detail"]["reason"].startswith("the sheet has more than 30 rows")
        not_a_sheet = await upload(b"\xd0\xcf\x11\xe0 an old .xls")
        assert not_a_sheet.status_code == 422 and "not a zip archive" in not_a_sheet.json()["detail"]["reason"]
