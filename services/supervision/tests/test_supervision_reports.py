"""督查周报 / 专报 as xlsx and PDF, with the ranking and the overdue counts per unit."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_supervision.adapters.report_files import CJK_FONT_CANDIDATES, find_cjk_font
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.settings import SupervisionSettings

pytestmark = pytest.mark.handler

MONDAY = datetime(2026, 10, 12, 9, 0, tzinfo=CHINA_TZ)  # ISO week 2026-W42


async def _week_of_data(h, clock) -> str:
    """Week 42: three notices (two run out, one rectified) and a published ranking."""
    late = []
    for unit, problem in (("历下区", "泉城路沿线占道经营"), ("市中区", "共享单车乱停放"), ("历下区", "建筑工地扬尘")):
        late.append((await h.client.post("/notices", json={"unit": unit, "problem": problem,
                                                           "working_days": 2})).json())
    report = (await h.client.post(f"/notices/{late[1]['id']}/rectification-reports",
                                  json={"unit": "市中区", "text": "已清理", "evidence": []})).json()
    await h.client.post(f"/notices/{late[1]['id']}/rectification-reports/{report['id']}/accept",
                        json={"accepted_by": "市创城指挥部"})
    scheme = (await h.client.post("/schemes", json={"name": "露天烧烤整治考核",
                                                    "units": ["趵突泉街道", "舜玉路街道", "七里山街道"]})).json()
    await h.client.post(f"/schemes/{scheme['id']}/deductions", json={
        "unit": "舜玉路街道", "item": "露天烧烤", "points": 4, "reason": "油烟扰民"})
    clock.set(datetime(2026, 10, 15, 0, 0, 1, tzinfo=CHINA_TZ))
    assert await h.fire_timers() == 2  # two notices run out on Thursday
    clock.set(MONDAY + timedelta(days=7))
    assert (await h.client.post(f"/schemes/{scheme['id']}/rankings",
                                json={"period_kind": "week", "period": "2026-W42"})).status_code == 201
    return scheme["id"]


async def test_the_weekly_report_as_xlsx_has_the_ledger_the_overdue_counts_and_the_ranking(tmp_path):
    clock = FakeClock(MONDAY)
    app = build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock)
    async with service_harness(app) as h:
        scheme_id = await _week_of_data(h, clock)
        response = await h.client.get("/reports/weekly", params={"period": "2026-W42", "scheme_id": scheme_id})
        assert response.status_code == 200, response.text
        assert response.headers["content-disposition"] == 'attachment; filename="weekly-2026-W42.xlsx"'
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames[:4] == ["概况", "本期下发", "逾期未整改", "整改中"]
        overview = [row for row in book["概况"].iter_rows(values_only=True)]
        assert overview[0][0] == "督查周报（2026年第42周（10月12日—10月18日））"
        assert "共下发督办通知书 3 份，整改验收通过 1 份，逾期未整改 2 份，涉及 1 个单位" in overview[2][0]
        assert ("历下区", 2) in overview
        assert len(book["概况"]._charts) == 1
        ranking = book[book.sheetnames[4]]
        rows = list(ranking.iter_rows(values_only=True))
        assert rows[-1][:3] == (3, "舜玉路街道", 96.0) and rows[-1][5] == "通报批评"
        assert len(ranking._charts) == 1
        bad = await h.client.get("/reports/special", params={"start": "2026-10-18", "end": "2026-10-12"})
        assert bad.status_code == 422


@pytest.mark.skipif(not any(__import__("os").path.exists(p) for p in CJK_FONT_CANDIDATES),
                    reason="no CJK font installed (Debian: fonts-wqy-microhei)")
async def test_the_special_report_as_pdf_has_its_pages_text_and_charts(tmp_path):
    clock = FakeClock(MONDAY)
    app = build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock)
    async with service_harness(app) as h:
        scheme_id = await _week_of_data(h, clock)
        response = await h.client.get("/reports/special", params={
            "start": "2026-10-12", "end": "2026-10-18", "title": "创城督查专报", "scheme_id": scheme_id,
            "format": "pdf"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 2  # the notices, then the ranking
        first, second = (page.extract_text() for page in reader.pages)
        assert "创城督查专报" in first and "逾期未整改" in first and "泉城路沿线占道经营" in first
        assert "露天烧烤整治考核" in second and "舜玉路街道" in second and "通报批评" in second
        assert all(len(page.images) == 1 for page in reader.pages)  # a chart on each page


async def test_without_a_cjk_font_the_pdf_is_refused_with_a_reason(tmp_path):
    clock = FakeClock(MONDAY)
    app = build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, clock,
                         report_font_path=str(tmp_path / "missing.ttf"))
    async with service_harness(app) as h:
        response = await h.client.get("/reports/weekly", params={"format": "pdf"})
        assert response.status_code == 409 and "fonts-wqy-microhei" in response.json()["detail"]["reason"]
    with pytest.raises(Exception, match="SANWEI_REPORT_FONT_PATH"):
        find_cjk_font(str(tmp_path / "missing.ttf"))
