"""Who may see and do what at the 纪委: the discipline role only, by level (区纪委监委 / 派驻纪检监察组)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from sanwei_contracts import new_envelope
from sanwei_contracts.events.media import ReferralRequested
from sanwei_discipline.adapters.tables import kit, metadata
from sanwei_discipline.app import create_app
from sanwei_discipline.settings import DisciplineSettings
from sanwei_kit.auth import Role
from sanwei_kit.calendar import CHINA_TZ
from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import Harness, build_test_app, service_harness

pytestmark = pytest.mark.handler

NOW = datetime(2026, 9, 30, 10, 0, tzinfo=CHINA_TZ)
REGISTERED = "sanwei.discipline.clue.v1.registered"
SHIZHONG = "市中区纪委"
LIXIA = "历下区纪委"


@pytest.fixture
def app(tmp_path):
    return build_test_app(create_app, DisciplineSettings, metadata, kit, tmp_path, FakeClock(NOW))


def _referral(problem: str):
    referral_id = str(uuid.uuid4())
    return new_envelope(
        ReferralRequested(referral_id=referral_id, origin="exposure_unrectified", origin_ref="e1",
                          unit="市中区城管局", problem=problem, reason="媒体曝光问题逾期未整改",
                          evidence=["2026-09-28 09:00 曝光台曝光"], requested_at=NOW),
        subject=f"referral/{referral_id}", case_id=str(uuid.uuid4()), time=NOW,
    )


async def _three_clues(h: Harness) -> tuple[str, str, str]:
    """One clue 分办 to 市中区纪委, one 转办 to 历下区纪委, one not yet assigned."""
    for problem in ("背街小巷垃圾清运不及时", "占道经营整治不力", "公共厕所保洁不到位"):
        await h.publish(_referral(problem))
    mine, theirs, unassigned = [e["data"]["clue_id"] for e in await h.emitted(REGISTERED)]
    for clue_id, assignee, mode in ((mine, SHIZHONG, "assign"), (theirs, LIXIA, "transfer")):
        response = await h.client.post(f"/clues/{clue_id}/assign", json={"assignee": assignee, "mode": mode})
        assert response.status_code == 200, response.text
    return mine, theirs, unassigned


@pytest.mark.parametrize("role", [Role.COMMAND, Role.AUDITOR, Role.ADMIN, Role.MEDIA, Role.UNIT])
async def test_nobody_but_the_discipline_role_reads_or_acts(app, role) -> None:
    async with service_harness(app) as h:
        mine, _, _ = await _three_clues(h)
        other = h.as_(role, unit="区城管局")
        for method, path, body in [
            ("GET", "/clues", None), ("GET", "/clues/sorting", None), ("GET", f"/clues/{mine}", None),
            ("GET", "/dead-letters", None),
            ("POST", f"/clues/{mine}/assign", {"assignee": LIXIA, "mode": "assign"}),
            ("POST", f"/clues/{mine}/dispose", {"way": "closed", "summary": "予以了结"}),
            ("POST", f"/clues/{mine}/receive", None),
        ]:
            response = await h.client.request(method, path, json=body, headers=other)
            assert response.status_code == 403, (role, path, response.text)
            assert "discipline" in response.json()["detail"]["reason"]
        assert (await h.client.get("/clues", headers={"Authorization": ""})).status_code == 401


async def test_the_district_sees_every_clue_and_its_dead_letters(app) -> None:
    async with service_harness(app) as h:
        ids = set(await _three_clues(h))
        district = h.as_(Role.DISCIPLINE, level="district", unit="区纪委监委")
        assert {c["id"] for c in (await h.client.get("/clues", headers=district)).json()} == ids
        for clue_id in ids:
            assert (await h.client.get(f"/clues/{clue_id}", headers=district)).status_code == 200
        assert (await h.client.get("/clues/sorting", headers=district)).status_code == 200
        assert (await h.client.get("/dead-letters", headers=district)).status_code == 200


async def test_an_agency_sees_and_handles_only_the_clues_assigned_to_it(app) -> None:
    async with service_harness(app) as h:
        mine, theirs, unassigned = await _three_clues(h)
        # The unit as the issuer spells it, with a stray space: compared normalized.
        agency = h.as_(Role.DISCIPLINE, level="agency", unit="市中区 纪委", name="王组长")

        listed = await h.client.get("/clues", headers=agency)
        assert [c["id"] for c in listed.json()] == [mine]
        assert (await h.client.get("/clues", params={"state": "assigned", "limit": 1, "offset": 1},
                                   headers=agency)).json() == []
        assert (await h.client.get(f"/clues/{mine}", headers=agency)).status_code == 200
        for clue_id in (theirs, unassigned, "no-such-clue"):
            # Another's clue answers as one that does not exist: the answer does not confirm it.
            hidden = await h.client.get(f"/clues/{clue_id}", headers=agency)
            assert hidden.status_code == 404, hidden.text
            assert (await h.client.post(f"/clues/{clue_id}/receive", headers=agency)).status_code == 404
            refused = await h.client.post(f"/clues/{clue_id}/dispose", headers=agency,
                                          json={"way": "closed", "summary": "予以了结"})
            assert refused.status_code == 404
        assert (await h.client.get(f"/clues/{theirs}")).json()["state"] == "assigned"  # untouched

        # The district's steps, refused whichever clue: 403 before the clue is looked up.
        for path, body in [
            ("/assign", {"assignee": LIXIA, "mode": "transfer"}),
            ("/classify", {"kind": "dereliction", "level": "section_and_below"}),
            ("/decide", {"sanction": "criticism_notice", "reason": "履职不到位"}),
            ("/publish", {"summary": "予以通报批评。"}),
        ]:
            for clue_id in (mine, theirs):
                response = await h.client.post(f"/clues/{clue_id}{path}", json=body, headers=agency)
                assert response.status_code == 403, (path, response.text)
                assert "district" in response.json()["detail"]["reason"]
        assert (await h.client.get("/clues/sorting", headers=agency)).status_code == 403
        assert (await h.client.get("/dead-letters", headers=agency)).status_code == 200

        # Its own clue: it signs for it and disposes of it; the steps name the person who acted.
        received = await h.client.post(f"/clues/{mine}/receive", headers=agency)
        assert received.status_code == 200, received.text
        assert received.json()["steps"][-1]["by"] == "王组长"
        disposed = await h.client.post(f"/clues/{mine}/dispose", headers=agency,
                                       json={"finding": "confirmed", "summary": "经初步核实，问题属实，建议通报批评"})
        assert disposed.status_code == 200, disposed.text
        [event] = await h.emitted("sanwei.discipline.clue.v1.disposed")
        assert (event["actor"], event["actor_role"], event["actor_unit"]) == ("王组长", "discipline", "市中区 纪委")


async def test_an_agency_without_a_unit_sees_nothing(app) -> None:
    async with service_harness(app) as h:
        mine, _, _ = await _three_clues(h)
        nowhere = h.as_(Role.DISCIPLINE, level="agency")
        assert (await h.client.get("/clues", headers=nowhere)).json() == []
        assert (await h.client.get(f"/clues/{mine}", headers=nowhere)).status_code == 404
