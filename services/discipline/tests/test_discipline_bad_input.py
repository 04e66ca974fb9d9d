"""Input the database could not take is a 422 with its reason, never a 500."""

from __future__ import annotations

from datetime import datetime

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 10, 12, 9, 0, tzinfo=CHINA_TZ))


async def test_a_huge_page_offset_is_refused(app):
    async with service_harness(app) as h:
        response = await h.client.get("/clues", params={"offset": 10**24})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "offset"]


async def test_a_nul_character_in_a_filter_is_refused_naming_it(app):
    async with service_harness(app) as h:
        response = await h.client.get("/clues", params={"unit": "区发改局\x00"})
        assert response.status_code == 422
        assert response.json()["detail"]["field"] == "query.unit"
