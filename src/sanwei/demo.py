"""The demo: a real quarterly task sheet through the whole 三位一体 chain, a day a second.

Runs against a stack it starts itself (or one already running with an accelerated clock):
imports the 2019 Q2 市中区 《政府工作报告》 sheet, sets deadlines in 工作日 across the
2026 Mid-Autumn and National Day holidays, then plays five kinds of case:

* completed in time — the lead unit reports progress, claims completion, it is accepted;
* rectified after the 督办通知书 — the unit reports rectification, the 指挥部 accepts;
* rectified after exposure on the 曝光台 — the media confirms the rectification;
* the whole chain — nobody acts: notice → exposure → re-exposure + referral → clue,
  which the 纪委 assigns, disposes of, decides and publishes;
* a ranking-triggered referral — the 指挥部's weekly 模拟测评 puts one 街道 last three
  weeks running, which refers it to the 纪委 (连续排名后位的进行问责处理).

Finally it prints each case's timeline as the audit service serves it.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
from rich.console import Console
from rich.table import Table

from sanwei.stack import SERVICES, Stack, free_service_ports
from sanwei_kit.auth import DevKeys, mint_dev_token

CHINA = ZoneInfo("Asia/Shanghai")
DEMO_START = datetime(2026, 9, 24, 9, 0, tzinfo=CHINA)  # Thursday before the Mid-Autumn holiday
DEMO_SPEED = 86400.0  # one calendar day per real second
WAIT_SECONDS = 180.0
# The 街道 of the sheet's 市中区 that the 模拟测评 ranks each week, and the one that stays last.
RANKED_STREETS = ["大观园街道办事处", "舜耕街道办事处", "十六里河街道办事处", "魏家庄街道办事处", "六里山街道办事处"]
LAST_STREET = "魏家庄街道办事处"
RANKING_STREAK_WEEKS = 3  # supervision's default SANWEI_RANKING_REFERRAL_STREAK
CLOCK_HOLD_SECONDS = 12.0  # about what six services need to boot on two cores

T = TypeVar("T")


def default_sheet() -> Path:
    return Path(str(resources.files("sanwei") / "data" / "shizhong-2019q2.xlsx"))


@dataclass
class Case:
    kind: str
    task: dict[str, Any]
    expected_last: str

    @property
    def id(self) -> str:
        return self.task["id"]


class DemoFailed(RuntimeError):
    pass


# Who acts in each service in the story: each office in its own service, 责任单位 for their tasks.
OFFICE_OF_SERVICE = {"registry": "command", "progress": "command", "supervision": "command", "media": "media",
                     "discipline": "discipline", "audit": "auditor", "webhooks": "admin"}
OFFICE_NAMES = {"command": "区政府督查室", "media": "济南日报 曝光台", "discipline": "区纪委监委",
                "auditor": "区纪委监委 审计", "admin": "运维"}


class Demo:
    def __init__(self, console: Console, urls: dict[str, str], tokens: Callable[..., str]) -> None:
        """`tokens(*roles, **claims)` mints a token the stack accepts (`Stack.token`)."""
        self.console = console
        self.urls = urls
        self.http = httpx.Client(timeout=30)
        self._tokens = tokens
        self._headers: dict[tuple[str, str | None], dict[str, str]] = {}

    # --- HTTP helpers -------------------------------------------------------------------
    def headers(self, service: str, unit: str | None = None) -> dict[str, str]:
        """The caller for a request: the service's office, or the operator of `unit`."""
        key = (service, unit)
        if key not in self._headers:
            if unit:
                token = self._tokens("unit", subject=f"operator@{unit}", name=f"{unit}联络员", unit=unit)
            else:
                office = OFFICE_OF_SERVICE[service]
                # The timelines are read as the 区纪委's auditor, who may also see the 纪委's own steps.
                roles = ("auditor", "discipline") if office == "auditor" else (office,)
                level = {"level": "district"} if "discipline" in roles else {}
                token = self._tokens(*roles, subject=f"{office}@demo", name=OFFICE_NAMES[office], **level)
            self._headers[key] = {"Authorization": f"Bearer {token}"}
        return self._headers[key]

    def call(self, method: str, service: str, path: str, *, unit: str | None = None, **kwargs: Any) -> Any:
        response = self.http.request(method, self.urls[service] + path, headers=self.headers(service, unit), **kwargs)
        if response.status_code >= 400:
            raise DemoFailed(f"{method} {service}{path} → {response.status_code}: {response.text[:300]}")
        return response.json()

    def wait_for(self, what: str, probe: Callable[[], T | None], timeout: float = WAIT_SECONDS) -> T:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                found = probe()
            except DemoFailed:
                found = None
            if found:
                return found
            time.sleep(0.2)
        raise DemoFailed(f"timed out waiting for {what}")

    def now(self) -> str:
        clock = self.call("GET", "registry", "/clock")
        return datetime.fromisoformat(clock["now"]).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")

    def say(self, text: str) -> None:
        self.console.print(f"[dim]{self.now()}[/dim]  {text}")

    # --- the story ----------------------------------------------------------------------
    def wait_for_clock_to_start(self) -> None:
        """An accelerated stack holds its clock while services boot; begin when it runs."""
        first = self.call("GET", "registry", "/clock")["now"]
        self.wait_for("the simulated clock to start", lambda: self.call("GET", "registry", "/clock")["now"] != first)

    def run(self, sheet: Path, *, list_title: str | None = None) -> list[Case]:
        # Import while the accelerated clock may still be held at DEMO_START, then let it run.
        tasks = self.import_sheet(sheet, title=list_title)
        cases = [
            Case("completed in time", tasks[0], "sanwei.registry.task.v1.completed"),
            Case("rectified after the 督办通知书", tasks[1], "sanwei.supervision.notice.v1.rectified"),
            Case("rectified after exposure on the 曝光台", tasks[2], "sanwei.media.exposure.v1.rectified"),
            Case("the whole chain to a published outcome", tasks[3], "sanwei.discipline.outcome.v1.published"),
            Case("the whole chain to a published outcome", tasks[4], "sanwei.discipline.outcome.v1.published"),
        ]
        in_time, after_notice, after_exposure, *whole_chain = cases
        self.set_deadline(in_time.task, working_days=5)
        for case in (after_notice, after_exposure, *whole_chain):
            self.set_deadline(case.task, working_days=1)
        self.say("deadlines set: the five demo cases in 1 or 5 工作日")
        self.wait_for_clock_to_start()

        self.complete_in_time(in_time.task)
        self.rectify_after_notice(after_notice.task)
        self.rectify_after_exposure(after_exposure.task)
        ranking = Case("模拟测评: bottom three weeks in a row, referred to the 纪委", self.ranking_streak(),
                       "sanwei.discipline.outcome.v1.published")
        for case in (*whole_chain, ranking):
            self.discipline(case.task)
        outcomes = len(whole_chain) + 1
        self.wait_for("the published outcomes on the 曝光台 feed", lambda: self.outcomes_on_feed(outcomes))
        self.say("the 曝光台 feed shows the published outcomes (问责一批、通报曝光一批)")
        # The rest of the list runs on the ordinary quarterly rhythm, far beyond the demo's weeks.
        for task in tasks[5:]:
            self.call("PUT", "registry", f"/tasks/{task['id']}/deadline", json={"working_days": 60})
        self.say(f"deadlines set: the other {len(tasks) - 5} tasks of the list in 60 工作日")
        return [*cases, ranking]

    def today(self) -> date:
        return datetime.fromisoformat(self.call("GET", "supervision", "/clock")["now"]).astimezone(CHINA).date()

    def ranking_streak(self) -> dict[str, Any]:
        """The 指挥部's weekly 模拟测评 of five 街道: one is last three weeks running and is referred.

        Each week the third-party assessors record a 扣分 for it; when the week has ended the
        周通报 is published. The third bottom ranking in a row refers the unit to the 纪委.
        """
        scheme = self.call("POST", "supervision", "/schemes", json={
            "name": "创城模拟测评（街道）", "units": RANKED_STREETS, "created_by": "市创城指挥部"})
        for _ in range(RANKING_STREAK_WEEKS):
            week = self.today().isocalendar()
            period = f"{week.year}-W{week.week:02d}"
            self.call("POST", "supervision", f"/schemes/{scheme['id']}/deductions", json={
                "unit": LAST_STREET, "item": "背街小巷环境卫生", "points": 3,
                "reason": "模拟测评暗访：背街小巷垃圾堆放、占道经营", "evidence": ["暗访照片.jpg"],
                "recorded_by": "第三方测评机构"})
            self.wait_for(f"the end of week {period}", partial(self.week_has_ended, period))
            ranking = self.call("POST", "supervision", f"/schemes/{scheme['id']}/rankings", json={
                "period_kind": "week", "period": period, "published_by": "市创城指挥部"})
            self.say(f"周通报 {period} published: {LAST_STREET} ranked last ({ranking.get('id', '')[:8]})")
        referral = self.wait_for("the ranking referral",
                                 lambda: next(iter(self.call("GET", "supervision", f"/schemes/{scheme['id']}/referrals")), None))
        self.say(f"[red]bottom {RANKING_STREAK_WEEKS} weeks in a row[/red]: {referral['unit']} referred to the 纪委")
        return {"id": referral["id"], "title": f"{scheme['name']}：{LAST_STREET}连续{RANKING_STREAK_WEEKS}周排名末位"}

    def iso_week_now(self) -> str:
        week = self.today().isocalendar()
        return f"{week.year}-W{week.week:02d}"

    def week_has_ended(self, period: str) -> bool:
        return self.iso_week_now() != period

    def import_sheet(self, sheet: Path, *, title: str | None = None) -> list[dict[str, Any]]:
        """Import the sheet as a task list; a title of its own makes a re-import a new list."""
        with sheet.open("rb") as handle:
            report = self.call(
                "POST", "registry", "/task-lists/import",
                files={"file": (sheet.name, handle, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
                data={"title": title} if title else None,
            )
        task_list = report["task_list"]
        self.say(
            f"imported 《{task_list['title']}》: {report['tasks_read']} tasks, "
            f"{report['rows_inheriting_units']} rows inheriting merged 责任单位 cells, "
            f"{len(report['unreadable_rows'])} unreadable rows"
        )
        return task_list["tasks"]

    def set_deadline(self, task: dict[str, Any], *, working_days: int) -> None:
        updated = self.call("PUT", "registry", f"/tasks/{task['id']}/deadline", json={"working_days": working_days})
        task.update(updated)

    def complete_in_time(self, task: dict[str, Any]) -> None:
        unit = task["lead_unit"]
        self.wait_for("progress to know the task", lambda: self.call("GET", "progress", f"/tasks/{task['id']}/progress"))
        self.call("POST", "progress", "/reports", unit=unit,
                  json={"task_id": task["id"], "unit": unit, "period": "2026Q3", "text": "项目竣工手续完备，已具备开业条件。"})
        claim = self.call("POST", "progress", "/completion-claims", unit=unit,
                          json={"task_id": task["id"], "unit": unit, "text": "已完成，请核验。"})
        self.call("POST", "progress", f"/completion-claims/{claim['id']}/accept", json={"accepted_by": "区政府督查室"})
        self.wait_for("the task to be completed",
                      lambda: self.call("GET", "registry", f"/tasks/{task['id']}")["status"] == "completed")
        self.say(f"[green]completed in time[/green]: {task['title'][:30]} ({unit}), deadline {task['deadline']}")

    def notice_for(self, task: dict[str, Any]) -> dict[str, Any] | None:
        notices = self.call("GET", "supervision", "/notices")
        return next((n for n in notices if n.get("task_id") == task["id"]), None)

    def rectify_after_notice(self, task: dict[str, Any]) -> None:
        notice = self.wait_for("the 督办通知书", lambda: self.notice_for(task))
        self.say(f"督办通知书 {notice['number']} issued to {notice['unit']}, 整改时限 {notice['deadline']}")
        report = self.call("POST", "supervision", f"/notices/{notice['id']}/rectification-reports", unit=notice["unit"],
                           json={"unit": notice["unit"], "text": "已制定整改方案并完成整改。", "evidence": ["整改照片.jpg"]})
        self.call("POST", "supervision", f"/notices/{notice['id']}/rectification-reports/{report['id']}/accept",
                  json={"accepted_by": "市创城指挥部"})
        self.say(f"[green]notice rectified[/green]: {notice['number']} accepted; the case closes")

    def exposure_for(self, task: dict[str, Any]) -> dict[str, Any] | None:
        exposures = self.call("GET", "media", "/exposures")
        return next((e for e in exposures if e.get("case_id") == task["id"]), None)

    def rectify_after_exposure(self, task: dict[str, Any]) -> None:
        exposure = self.wait_for("the exposure on the 曝光台", lambda: self.exposure_for(task))
        self.say(f"exposure on the 曝光台: {exposure['title'][:30]} ({exposure['unit']}), 整改时限 {exposure['deadline']}")
        self.call("POST", "media", f"/exposures/{exposure['id']}/rectification",
                  json={"confirmed_by": "济南日报 整改进行时", "note": "记者回访，问题已整改到位。"})
        self.say("[green]exposure rectified[/green]: confirmed by the 整改进行时 follow-up; the case closes")

    def clue_for(self, task: dict[str, Any]) -> dict[str, Any] | None:
        clues = self.call("GET", "discipline", "/clues")
        return next((c for c in clues if c.get("case_id") == task["id"]), None)

    def discipline(self, task: dict[str, Any]) -> None:
        clue = self.wait_for("the clue at the 纪委", lambda: self.clue_for(task))
        self.say(f"clue {clue['number']} registered at the 纪委 for {clue['unit']}")
        path = f"/clues/{clue['id']}"
        self.call("POST", "discipline", path + "/assign", json={"assignee": "市中区纪委", "mode": "assign"})
        self.call("POST", "discipline", path + "/dispose",
                  json={"finding": "confirmed", "summary": "经查，责任单位未按时限整改，问题属实。"})
        self.call("POST", "discipline", path + "/decide",
                  json={"sanction": "criticism_notice", "person": "张某", "reason": "整改不力，履职不到位"})
        self.call("POST", "discipline", path + "/publish",
                  json={"summary": f"{clue['unit']}未按时限整改创城问题，予以通报批评。"})
        self.say(f"[red]outcome published[/red]: {clue['number']} 通报批评 ({clue['unit']})")

    def outcomes_on_feed(self, count: int) -> bool:
        feed = self.call("GET", "media", "/feed")
        items = feed if isinstance(feed, list) else feed.get("items", [])
        return sum(1 for item in items if "outcome" in str(item.get("kind", item.get("type", "")))) >= count

    # --- timelines ----------------------------------------------------------------------
    def timeline(self, case: Case) -> list[dict[str, Any]]:
        def complete() -> list[dict[str, Any]] | None:
            steps = self.call("GET", "audit", f"/cases/{case.id}/timeline")
            steps = steps["steps"] if isinstance(steps, dict) else steps
            return steps if any(s["type"] == case.expected_last for s in steps) else None

        return self.wait_for(f"the audit timeline of {case.id}", complete)

    def print_timeline(self, case: Case) -> None:
        steps = self.timeline(case)
        self.console.print()
        self.console.rule(f"[bold]case {case.id}[/bold] — {case.kind}", align="left")
        self.console.print(f"[dim]{case.task['title']}[/dim]", soft_wrap=True)
        table = Table(box=None, show_header=True, pad_edge=False)
        table.add_column("time (CST)", no_wrap=True)
        table.add_column("track", no_wrap=True)
        table.add_column("event", no_wrap=True)
        table.add_column("what happened", overflow="fold")
        for step in steps:
            when = datetime.fromisoformat(step["time"]).astimezone(CHINA).strftime("%m-%d %H:%M")
            table.add_row(when, step.get("track", ""), step["type"].removeprefix("sanwei."), step.get("summary", ""))
        self.console.print(table)


def accelerated_stack(data_dir: Path) -> Stack:
    """A stack on free ports whose clock runs a day a second from DEMO_START."""
    nats_port, ports = free_service_ports()
    return Stack(
        data_dir,
        nats_port=nats_port,
        ports=ports,
        clock_speed=DEMO_SPEED,
        clock_origin_sim=DEMO_START,
        clock_hold_seconds=CLOCK_HOLD_SECONDS,
    )


def run_demo(console: Console, *, attach: bool, sheet: Path | None, data_dir: Path | None = None) -> int:
    """Play the demo on a stack of its own, or (attach) on the one `sanwei up` runs on the default ports."""
    sheet = sheet or default_sheet()
    if attach:
        urls = {name: f"http://127.0.0.1:{port}" for name, port in SERVICES.items()}
        return play_attached(console, urls, data_dir or Path(".sanwei"), sheet)
    with tempfile.TemporaryDirectory(prefix="sanwei-demo-") as scratch:
        stack = accelerated_stack(Path(scratch))
        console.print(f"starting nats-server and {len(SERVICES)} services (logs in {stack.log_dir}) …")
        try:
            stack.start()
            return _play(console, {name: stack.url(name) for name in SERVICES}, stack.token, sheet)
        finally:
            stack.stop()


def play_attached(console: Console, urls: dict[str, str], data_dir: Path, sheet: Path) -> int:
    """The demo on a running stack, with tokens signed by the key `sanwei up` keeps in its data directory."""
    auth_dir = data_dir / "auth"
    if not DevKeys.in_dir(auth_dir).private_key_file.exists():
        console.print(f"[red]no development signing key in {auth_dir}: is `sanwei up` running with "
                      f"--data-dir {data_dir}?[/red]")
        return 2
    # Importing the same sheet twice is idempotent, so a second demo on one stack needs its own list.
    return _play(console, urls, partial(mint_dev_token, auth_dir), sheet, list_title=f"演示 {datetime.now(CHINA):%Y-%m-%d %H:%M:%S}")


def _play(console: Console, urls: dict[str, str], tokens: Callable[..., str], sheet: Path, *,
          list_title: str | None = None) -> int:
    demo = Demo(console, urls, tokens)
    clock = demo.call("GET", "registry", "/clock")
    if clock["speed"] < 3600:
        console.print("[red]the running stack uses a real-time clock; start it with `sanwei up --speed 86400`[/red]")
        return 2
    try:
        cases = demo.run(sheet, list_title=list_title)
        for case in cases:
            demo.print_timeline(case)
        verify = demo.call("GET", "audit", "/audit/verify")
    except DemoFailed as exc:
        console.print(f"[red]demo failed: {exc}[/red]")
        return 1
    console.print(f"audit chain verified: {verify}")
    console.print(f"{len(cases)} cases played; every outcome reached.")
    return 0
