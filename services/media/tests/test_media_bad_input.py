"""Input that used to end in a 500 (found by the schemathesis run) is answered with its reason."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import service_harness

pytestmark = pytest.mark.handler

EXPOSURE = {"unit": "历下区城管局", "title": "经十路沿线占道经营问题突出", "problem": "早晚高峰占道经营"}


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 9, 28, 9, 0, tzinfo=CHINA_TZ))


async def test_a_blank_origin_ref_is_no_ref_so_two_such_exposures_both_publish(app):
    async with service_harness(app) as h:
        for ref in ("", "  "):
            response = await h.client.post("/exposures", json={**EXPOSURE, "origin_ref": ref})
            assert response.status_code == 201, response.text
            assert response.json()["origin_ref"] is None


async def test_the_same_ref_exposed_twice_at_once_is_one_exposure_and_one_409(app):
    async with service_harness(app) as h:
        body = {**EXPOSURE, "origin": "citizen_clue", "origin_ref": "12345-0042"}
        answers = await asyncio.gather(*(h.client.post("/exposures", json=body) for _ in range(2)))
        assert sorted(a.status_code for a in answers) == [201, 409]


async def test_a_huge_page_offset_is_refused(app):
    async with service_harness(app) as h:
        for path in ("/exposures", "/clues"):
            response = await h.client.get(path, params={"offset": "13166470304913019291329431194304512"})
            assert response.status_code == 422, (path, response.text)


async def test_a_nul_character_in_an_exposure_is_refused_naming_the_field(app):
    async with service_harness(app) as h:
        response = await h.client.post("/exposures", json={**EXPOSURE, "evidence": ["photo-1.jpg", "a\x00b"]})
        assert response.status_code == 422
        assert response.json()["detail"]["field"] == "body.evidence.1"


async def test_an_unpaired_surrogate_in_an_exposure_is_a_422_not_a_500(app):
    async with service_harness(app) as h:
        body = b'{"unit": "\\u5386\\u4e0b\\u533a", "title": "t\\ud800", "problem": "p"}'
        response = await h.client.post("/exposures", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, response.text
        assert response.json()["detail"]["field"] == "body.title"
