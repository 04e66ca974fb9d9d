"""Input that used to end in a 500 (found by the schemathesis run) is answered with its reason."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.settings import SupervisionSettings

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 10, 12, 9, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def app(tmp_path):
    return build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, FakeClock(MONDAY))


async def test_a_report_exports_text_holding_control_characters(app):
    async with service_harness(app) as h:
        issued = await h.client.post("/notices", json={"unit": "历下区\x03", "problem": "泉城路\x1f占道经营"})
        assert issued.status_code == 201, issued.text
        response = await h.client.get("/reports/special", params={"start": "2026-10-12", "end": "2026-10-18",
                                                                   "title": "督查\x03专报"})
        assert response.status_code == 200, response.text
        book = load_workbook(io.BytesIO(response.content))
        assert next(book["概况"].iter_rows(values_only=True))[0] == "督查专报"
        ledger = [cell for row in book["本期下发"].iter_rows(values_only=True) for cell in row]
        assert "历下区" in ledger and "泉城路占道经营" in ledger


async def test_a_deadline_of_a_million_working_days_is_refused(app):
    async with service_harness(app) as h:
        response = await h.client.post("/notices", json={"unit": "历下区", "problem": "扬尘", "working_days": 10**6})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "working_days"]


async def test_draw_names_longer_than_the_name_column_and_impossible_counts_are_refused(app):
    async with service_harness(app) as h:
        draw = {"scope": "安全生产", "inspector_pool": ["张三", "李四"], "targets": ["甲公司", "乙公司"],
                "inspectors_count": 1, "targets_count": 1}
        long_name = await h.client.post("/draws", json={**draw, "targets": ["甲公司", "乙" * 201]})
        assert long_name.status_code == 422
        assert long_name.json()["detail"][0]["loc"] == ["body", "targets", 1]
        huge = await h.client.post("/draws", json={**draw, "targets_count": 2**31})
        assert huge.status_code == 422
        assert (await h.client.post("/draws", json=draw)).status_code == 201


async def test_scheme_units_longer_than_the_name_column_are_refused(app):
    async with service_harness(app) as h:
        response = await h.client.post("/schemes", json={"name": "露天烧烤整治考核", "units": ["趵突泉街道", "舜" * 201]})
        assert response.status_code == 422
        assert (await h.client.get("/notices", params={"offset": 2**31})).status_code == 422


async def test_a_pdf_report_clips_a_problem_too_long_for_one_page_and_the_xlsx_keeps_it_whole(app):
    """fpdf2 cannot break a table row across pages: a very long 问题 failed the whole PDF with a 500."""
    from pypdf import PdfReader

    problem = "泉城路占道经营，" * 600  # 4,800 characters: as long as a 问题 may be
    async with service_harness(app) as h:
        issued = await h.client.post("/notices", json={"unit": "历下区", "problem": problem})
        assert issued.status_code == 201, issued.text
        period = {"start": "2026-10-12", "end": "2026-10-18", "title": "督查专报"}
        pdf = await h.client.get("/reports/special", params=period | {"format": "pdf"})
        assert pdf.status_code == 200, pdf.text
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "泉城路占道经营" in text and "…" in text
        xlsx = await h.client.get("/reports/special", params=period)
        ledger = [cell for row in load_workbook(io.BytesIO(xlsx.content))["本期下发"].iter_rows(values_only=True)
                  for cell in row]
        assert problem.strip() in [str(cell).strip() for cell in ledger]
