"""`sanwei claim|units tasks|calendar …` against the registry and progress served over real HTTP."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sanwei_kit.testing import test_token

pytestmark = pytest.mark.handler


async def test_a_unit_claims_completion_and_the_supervision_office_verifies(tmp_path, served_office, import_sample):
    async with served_office(tmp_path) as s:
        _, ids = await import_sample(s, tmp_path)
        await s.json("task", "deadline", ids["2"], "--working-days", "2", "--from", "2026-09-28")
        await s.relay()

        # 我的任务: the unit's own views
        mine = await s.json("units", "tasks", "区大数据局")
        assert [t["id"] for t in mine["tasks"]] == [ids["2"]] and mine["counts"]["due_soon"] == 1
        due_soon = await s.json("units", "tasks", "区大数据局", "--view", "due-soon")
        assert (due_soon["view"], [t["light"] for t in due_soon["tasks"]]) == ("due_soon", ["yellow"])
        assert (await s.json("units", "tasks", "区大数据局", "--view", "overdue"))["tasks"] == []
        shown = await s.run("units", "tasks", "区大数据局", "--view", "due-soon")
        assert shown.exit_code == 0 and "推进政务数据共享" in shown.output and "2026-09-30" in shown.output

        # 申请完成销号 with 佐证材料, sent back, claimed again, accepted
        claim = await s.json("claim", "submit", ids["2"], "--unit", "区大数据局", "--text", "数据共享平台已上线。",
                             "--evidence", "市中政办字〔2026〕12号", "--evidence", "https://oa.example/验收报告.pdf")
        assert (claim["status"], claim["attachments"]) == (
            "pending", ["市中政办字〔2026〕12号", "https://oa.example/验收报告.pdf"])
        again = await s.run("claim", "submit", ids["2"], "--unit", "区大数据局", "--text", "再次申请。")
        assert again.exit_code == 1 and "409" in again.output
        rejected = await s.json("claim", "reject", claim["id"], "--by", "区政府督查室", "--reason", "缺少验收报告原件")
        assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "缺少验收报告原件")
        s.clock.advance(timedelta(hours=2))  # claims are ordered by when they were made
        second = await s.json("claim", "submit", ids["2"], "--unit", "区大数据局", "--text", "补充验收报告原件。")
        listed = await s.run("claim", "list", "--unit", "区大数据局")
        assert listed.exit_code == 0 and second["id"] in listed.output and "pending" in listed.output
        s.clock.advance(timedelta(hours=2))
        accepted = await s.run("claim", "accept", second["id"], "--by", "区政府督查室")
        assert accepted.exit_code == 0 and "accepted by 区政府督查室" in accepted.output
        claims = await s.json("claim", "list", "--task", ids["2"])
        assert [c["status"] for c in claims] == ["rejected", "accepted"]
        assert [c["id"] for c in await s.json("claim", "list", "--task", ids["2"], "--status", "rejected")] == [
            claim["id"]]
        assert (await s.json("claim", "show", second["id"]))["decided_by"] == "区政府督查室"

        # A unit's operator sees its own unit only, and never verifies
        other = {"SANWEI_TOKEN": test_token("unit", unit="区民政局", units=("区民政局",))}
        refused = await s.run("units", "tasks", "区大数据局", env=other)
        assert refused.exit_code == 1 and "403" in refused.output
        own = await s.run("units", "tasks", "区民政局", "--json", env=other)
        assert own.exit_code == 0 and json.loads(own.output)["unit"] == "区民政局"
        verify = await s.run("claim", "accept", claim["id"], "--by", "区民政局", env=other)
        assert verify.exit_code == 1 and "403" in verify.output
        usage = await s.run("claim", "list")
        assert usage.exit_code == 2


async def test_the_operator_corrects_the_working_day_calendar(tmp_path, served_office, import_sample):
    async with served_office(tmp_path) as s:
        _, ids = await import_sample(s, tmp_path)
        first = await s.json("task", "deadline", ids["1"], "--working-days", "10", "--from", "2026-09-28")
        kept = await s.json("task", "deadline", ids["3"], "--on", "2026-10-30")

        # 国庆 2026 from the official data, before any correction
        year = await s.json("calendar", "show", "2026")
        national_day = next(d for d in year["days"] if d["day"] == "2026-10-01")
        assert year["correction"] is None and (national_day["working"], national_day["corrected"]) == (False, False)

        days = tmp_path / "2026.json"
        days.write_text(json.dumps({"2026-09-30": False}), encoding="utf-8")
        corrected = await s.json("calendar", "correct", "2026", "--file", str(days), "--work", "2026-10-10",
                                 "--reason", "区政府关于国庆调休的补充通知", "--policy", "recompute")
        assert (corrected["version"], corrected["days"]) == (1, {"2026-09-30": False, "2026-10-10": True})
        assert [m["task_id"] for m in corrected["moved"]] == [ids["1"]]
        assert corrected["moved"][0]["old_deadline"] == first["deadline"]
        assert (await s.json("task", "show", ids["3"]))["deadline"] == kept["deadline"]  # a date never moves

        shown = await s.run("calendar", "show", "2026")
        assert shown.exit_code == 0 and "correction v1 in force" in shown.output
        marked = {d["day"]: d for d in (await s.json("calendar", "show", "2026"))["days"]}
        assert (marked["2026-09-30"]["working"], marked["2026-09-30"]["corrected"]) == (False, True)

        kept_policy = await s.json("calendar", "correct", "2026", "--off", "2026-09-29", "--reason", "再次校正",
                                   "--policy", "keep")
        assert (kept_policy["version"], kept_policy["moved"]) == (2, [])
        history = await s.json("calendar", "history", "--year", "2026")
        assert [(c["version"], c["policy"]) for c in history] == [(1, "recompute"), (2, "keep")]
        assert all(c["corrected_by"] and c["corrected_at"] for c in history)
        table = await s.run("calendar", "history")
        assert table.exit_code == 0 and "区政府关于国庆调休的补充通知" in table.output

        outside = await s.run("calendar", "correct", "2027", "--off", "2026-10-09", "--reason", "x",
                              "--policy", "keep")
        assert outside.exit_code == 1 and "2026-10-09 is not in 2027" in outside.output
        unit = {"SANWEI_TOKEN": test_token("unit", unit="区民政局", units=("区民政局",))}
        refused = await s.run("calendar", "correct", "2026", "--off", "2026-10-09", "--reason", "x",
                              "--policy", "keep", env=unit)
        assert refused.exit_code == 1 and "403" in refused.output
