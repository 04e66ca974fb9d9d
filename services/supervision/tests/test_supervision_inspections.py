"""Inspections: plans with a checklist, findings that become notices, and 一抽查一通报."""

from __future__ import annotations

from datetime import datetime

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app, service_harness
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.app import create_app
from sanwei_supervision.settings import SupervisionSettings

pytestmark = pytest.mark.handler

NOW = datetime(2026, 10, 12, 9, 0, tzinfo=CHINA_TZ)
CHECKLIST = [{"code": "B-01", "item": "安全生产责任制落实"}, {"code": "B-02", "item": "液氨储罐区安全距离"}]
CLOSED = "sanwei.supervision.inspection.v1.closed"


@pytest.fixture
def app(tmp_path):
    return build_test_app(create_app, SupervisionSettings, metadata, kit, tmp_path, FakeClock(NOW))


async def test_a_drawn_inspection_records_findings_issues_a_notice_and_closes_with_its_bulletin(app):
    async with service_harness(app) as h:
        draw = (await h.client.post("/draws", json={
            "scope": "安全生产双随机抽查", "seed": "58213", "inspector_pool": ["执法证37010001", "执法证37010002",
                                                                       "执法证37010003"],
            "targets": ["济阳区某液氨制冷冷库", "长清区某非煤矿山", "钢城区某粉尘涉爆企业", "平阴县某危化品仓库"],
            "inspectors_count": 2, "targets_count": 3})).json()
        planned = await h.client.post("/inspections", json={
            "kind": "industry", "title": "2026年10月安全生产双随机抽查", "checklist": CHECKLIST,
            "draw_id": draw["id"], "created_by": "市应急管理局"})
        assert planned.status_code == 201, planned.text
        inspection = planned.json()
        assert inspection["kind"] == "random" and inspection["targets"] == draw["drawn_targets"]
        assert inspection["inspectors"] == draw["drawn_inspectors"]
        target = inspection["targets"][0]
        base = f"/inspections/{inspection['id']}"
        finding = await h.client.post(f"{base}/findings", json={
            "unit": target, "check_code": "B-02", "problem": "液氨储罐区安全距离不足", "evidence": ["现场照片1.jpg"]})
        assert finding.status_code == 201, finding.text
        assert finding.json()["check_item"] == "液氨储罐区安全距离"
        not_a_target = await h.client.post(f"{base}/findings", json={
            "unit": "历下区", "check_code": "B-02", "problem": "x"})
        assert not_a_target.status_code == 422 and not_a_target.json()["detail"]["field"] == "unit"
        no_item = await h.client.post(f"{base}/findings", json={"unit": target, "check_code": "Z-9", "problem": "x"})
        assert no_item.status_code == 422 and no_item.json()["detail"]["field"] == "check_code"
        notice = await h.client.post(f"{base}/findings/{finding.json()['id']}/notice",
                                     json={"issued_by": "市应急管理局"})
        assert notice.status_code == 201, notice.text
        assert notice.json()["unit"] == target and "液氨储罐区安全距离不足" in notice.json()["problem"]
        twice = await h.client.post(f"{base}/findings/{finding.json()['id']}/notice", json={})
        assert twice.status_code == 409
        closed = await h.client.post(f"{base}/close", json={"closed_by": "市应急管理局"})
        assert closed.status_code == 200, closed.text
        bulletin = closed.json()["bulletin"]
        assert bulletin.startswith("关于2026年10月安全生产双随机抽查情况的通报")
        assert f"已下发督办通知书{notice.json()['number']}" in bulletin
        assert "未发现问题的单位" in bulletin and draw["id"] in bulletin
        [event] = await h.emitted(CLOSED)
        assert event["data"]["notices"] == [notice.json()["number"]]
        assert event["data"]["units_with_findings"] == [target] and event["data"]["bulletin"] == bulletin
        late = await h.client.post(f"{base}/findings", json={"unit": target, "check_code": "B-01", "problem": "x"})
        assert late.status_code == 409
        assert (await h.client.post(f"{base}/close", json={"closed_by": "市应急管理局"})).status_code == 409


async def test_a_stationed_inspection_needs_targets_inspectors_and_a_checklist(app):
    async with service_harness(app) as h:
        body = {"kind": "stationed", "title": "驻历下区创城工作组第3周督查", "targets": ["泉城路街道", "大明湖街道"],
                "inspectors": ["驻区工作组"], "checklist": CHECKLIST}
        made = await h.client.post("/inspections", json=body)
        assert made.status_code == 201 and made.json()["kind_label"] == "驻区全面督查"
        assert (await h.client.post("/inspections", json={**body, "targets": []})).status_code == 422
        dup = await h.client.post("/inspections", json={**body, "checklist": CHECKLIST + CHECKLIST[:1]})
        assert dup.status_code == 422
        closed = (await h.client.post(f"/inspections/{made.json()['id']}/close", json={"closed_by": "市文明办"})).json()
        assert "未发现问题的单位：泉城路街道、大明湖街道。" in closed["bulletin"]
        assert [i["status"] for i in (await h.client.get("/inspections")).json()] == ["closed"]
