"""`sanwei task|cadence|report …`: a 督查室's day against the registry and progress served over real HTTP."""

from __future__ import annotations

import pytest

from sanwei_kit.testing import free_port

pytestmark = pytest.mark.handler


async def test_a_day_of_the_supervision_office_from_the_command_line(tmp_path, served_office, import_sample):
    async with served_office(tmp_path) as s:
        list_id, ids = await import_sample(s, tmp_path)
        table = await s.run("task", "list", list_id)
        assert table.exit_code == 0 and "区投促局" in table.output and "3 tasks" in table.output

        # deadlines in 工作日 over 国庆 2026, and how they were counted
        set_ = await s.json("task", "deadline", ids["1"], "--working-days", "10", "--from", "2026-09-28")
        explained = await s.json("task", "explain", ids["1"])
        assert (explained["set_as"], explained["working_days"], explained["deadline"]) == (
            "working_days", 10, set_["deadline"])
        assert len(explained["counted"]) == 10 and "2026-10-01" in {d["day"] for d in explained["skipped"]}
        shown = await s.run("task", "explain", ids["1"])
        assert "10 工作日 from 2026-09-28" in shown.output and "skipped 2026-10-01" in shown.output
        await s.json("task", "deadline", ids["2"], "--on", "2026-11-30")

        # reports: one by one, and a unit's sheet at a time
        await s.relay()
        report = await s.json("report", "submit", ids["1"], "--unit", "区投促局", "--period", "2026Q3",
                              "--text", "已完成招商推介会。")
        assert (report["unit"], report["period"]) == ("区投促局", "2026Q3")
        upload = tmp_path / "商务局.csv"
        upload.write_text("序号,进展情况\n1,已对接入驻企业12家。\n9,不在清单中\n", encoding="utf-8")
        uploaded = await s.run("report", "upload", str(upload), "--unit", "区商务局", "--period", "2026Q3",
                               "--list", list_id)
        assert uploaded.exit_code == 1  # row 3 names no task of the list
        assert "recorded 1 reports" in uploaded.output and "序号 9" in uploaded.output
        assert len(await s.json("report", "list", "--task", ids["1"])) == 2

        cadence = await s.json("cadence", "set", list_id, "月", "--by", "区政府督查室", "--due-working-days", "3")
        assert (cadence["cadence"], cadence["watched_period"]) == ("month", "2026-09")
        assert (await s.json("cadence", "show", list_id))["watched_due_on"] == cadence["watched_due_on"]

        # 挂起 and 恢复: progress hears of it
        paused = await s.json("task", "pause", ids["2"], "--reason", "等待市级平台接口")
        assert paused["status"] == "paused"
        assert [t["id"] for t in await s.json("task", "list", list_id, "--status", "paused")] == [ids["2"]]
        assert [t["seq"] for t in await s.json("task", "list", list_id, "--unit", "区大数据局")] == ["2"]
        await s.relay()
        owed = (await s.progress.client.get("/units/区大数据局/tasks", params={"view": "owed_this_week"})).json()
        assert owed["tasks"] == []
        resumed = await s.run("task", "resume", ids["2"])
        assert resumed.exit_code == 0 and "resumed: now due on" in resumed.output

        # 延期 granted on a paper request: progress uses the new deadline
        granted = await s.json("task", "extension", "grant", ids["1"], "--until", "2026-12-31",
                               "--reason", "招商项目落地延后", "--requested-by", "区投促局", "--by", "区政府督查室")
        assert (granted["status"], granted["requested_deadline"]) == ("approved", "2026-12-31")
        await s.relay()
        progress = (await s.progress.client.get(f"/tasks/{ids['1']}/progress")).json()
        assert progress["task"]["deadline"] == "2026-12-31"

        # 层层分解
        split = await s.json("task", "split", ids["1"], "--unit", "区投促局招商科", "--unit", "区投促局服务科",
                             "--working-days", "5")
        assert [t["lead_unit"] for t in split] == ["区投促局招商科", "区投促局服务科"]
        shown = await s.json("task", "show", ids["1"])
        assert len(shown["sub_tasks"]) == 2 and shown["extensions"][0]["status"] == "approved"

        # the quarterly 落实情况表
        target = tmp_path / "q3.xlsx"
        summary = await s.json("export", list_id, "--period", "2026Q3", "-o", str(target))
        assert (summary["rows"], summary["reports"], summary["rows_without_reports"]) == (3, 2, ["2", "3"])
        assert target.read_bytes()[:2] == b"PK"
        missed = await s.run("report", "missed", "区民政局")
        assert missed.exit_code == 0 and "区民政局 missed 0 reports" in missed.output


async def test_a_refused_extension_and_errors_exit_non_zero_with_the_reason(tmp_path, served_office, import_sample):
    async with served_office(tmp_path) as s:
        _, ids = await import_sample(s, tmp_path)
        await s.json("task", "deadline", ids["3"], "--on", "2026-10-30")
        requested = await s.json("task", "extension", "request", ids["3"], "--until", "2026-11-30",
                                 "--reason", "资金未到位", "--requested-by", "区民政局")
        refused = await s.run("task", "extension", "refuse", ids["3"], requested["id"], "--by", "区政府督查室",
                              "--reason", "按原计划推进")
        assert refused.exit_code == 0 and "stays due on 2026-10-30" in refused.output
        listed = await s.run("task", "extension", "list", ids["3"])
        assert "refused" in listed.output and "按原计划推进" in listed.output

        missing = await s.run("task", "show", "no-such-task")
        assert missing.exit_code == 1 and "404" in missing.output
        both = await s.run("task", "deadline", ids["3"], "--on", "2026-11-30", "--working-days", "3")
        assert both.exit_code == 2 and "either --on DATE or --working-days N" in both.output
        bad_day = await s.run("task", "deadline", ids["3"], "--on", "30/11/2026")
        assert bad_day.exit_code == 2
        resume_running = await s.run("task", "resume", ids["3"])
        assert resume_running.exit_code == 1 and "not paused" in resume_running.output
        no_cadence = await s.run("cadence", "show", "no-such-list")
        assert no_cadence.exit_code == 1 and "no reporting cadence" in " ".join(no_cadence.output.split())
        unreachable = await s.run("task", "lists", env={"SANWEI_REGISTRY_URL": f"http://127.0.0.1:{free_port()}"})
        assert unreachable.exit_code == 3 and "cannot reach registry" in unreachable.output
