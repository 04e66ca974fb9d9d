"""Input the database cannot take is a 422 with the field, never a 500 (found by the schemathesis run)."""

from __future__ import annotations

from datetime import datetime

import pytest

from sanwei_audit.adapters.tables import kit, metadata
from sanwei_audit.app import create_app
from sanwei_audit.settings import AuditSettings
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.inputs import INT32_MAX, INT64_MAX
from sanwei_kit.testing import build_test_app, service_harness

pytestmark = pytest.mark.handler


@pytest.fixture
def app(tmp_path):
    return build_test_app(create_app, AuditSettings, metadata, kit, tmp_path,
                          FakeClock(datetime(2026, 10, 10, 9, 0, tzinfo=CHINA_TZ)))


async def test_a_page_offset_past_any_database_integer_is_refused(app):
    async with service_harness(app) as h:
        huge = await h.client.get("/cases", params={"offset": "295117976378993352376320"})
        assert huge.status_code == 422, huge.text
        assert (await h.client.get("/cases", params={"offset": INT32_MAX + 1})).status_code == 422
        assert (await h.client.get("/cases", params={"offset": INT32_MAX})).json() == []


async def test_an_event_cursor_past_64_bits_is_refused(app):
    async with service_harness(app) as h:
        assert (await h.client.get("/events", params={"after_seq": INT64_MAX + 1})).status_code == 422
        assert (await h.client.get("/events", params={"after_seq": INT64_MAX})).json() == []


async def test_a_dead_letter_id_past_64_bits_is_refused_and_an_unknown_one_is_404(app):
    async with service_harness(app) as h:
        assert (await h.client.post(f"/dead-letters/{INT64_MAX + 1}/replay")).status_code == 422
        assert (await h.client.post(f"/dead-letters/{INT64_MAX}/replay")).status_code == 404


async def test_a_nul_character_in_a_filter_is_refused_naming_it(app):
    async with service_harness(app) as h:
        response = await h.client.get("/events", params={"case_id": "case\x00-1"})
        assert response.status_code == 422
        assert response.json()["detail"]["field"] == "query.case_id"
        timeline = await h.client.get("/cases/case%00-1/timeline")
        assert timeline.status_code == 422
