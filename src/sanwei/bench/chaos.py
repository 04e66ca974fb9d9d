"""Chaos: the quarter-end chain on a 3-node NATS cluster while nodes and services die.

The setup is the burst's (sanwei.bench.burst): N tasks registered with the clock held on
the deadline day, then every service restarted with the clock running towards midnight;
but NATS is a cluster of three nodes (sanwei.cluster: R3 streams, `sync_interval: always`)
and the services' ack wait is short. From the tick:

* the registry is SIGKILLed before the tick and started again after it, so every
  deadline passes while it is down (its timers must fire once, after the restart);
* the node leading the supervision stream is SIGKILLed while notices are being
  published, and started again: publishers connected to it lose their connection
  mid-burst and publish again with the same message ids;
* every other service is SIGKILLed in turn and started again; media is also frozen with
  SIGSTOP for longer than the ack wait (its unacknowledged messages are redelivered);
* the 纪委 steps are driven over HTTP for the chain share, retrying through the outages.

Afterwards every case must be in exactly its expected final state, with no duplicate
督办通知书, exposure, clue or published outcome in any service's database nor any
duplicate event in the audit log or in the streams (messages vs distinct Nats-Msg-Id).
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats

from sanwei.bench.burst import (
    SERVICE_NAMES,
    SETUP_AT,
    TICK_AT,
    TICK_LEAD_SIM,
    Burst,
    BurstSettings,
    audit_total,
    db_path,
    drive_each_clue,
    emitted_total,
    office,
    pending_everywhere,
    query,
    scalar,
)
from sanwei.cluster import ClusterStack, stream_message_ids
from sanwei.stack import free_service_ports

#: The events every case left alone produces from the tick, exactly once each (the bench's stages).
CHAIN_EVENTS = (
    "sanwei.registry.task.v1.overdue",
    "sanwei.supervision.notice.v1.issued",
    "sanwei.supervision.notice.v1.unrectified",
    "sanwei.media.exposure.v1.published",
    "sanwei.media.exposure.v1.unrectified",
    "sanwei.media.exposure.v1.republished",
    "sanwei.media.referral.v1.requested",
    "sanwei.discipline.clue.v1.registered",
)
#: …and what the 纪委's four steps add for a case of the chain share.
DISCIPLINE_EVENTS = (
    "sanwei.discipline.clue.v1.assigned",
    "sanwei.discipline.clue.v1.disposed",
    "sanwei.discipline.decision.v1.made",
    "sanwei.discipline.outcome.v1.published",
)
#: The 纪委 step that moves a clue on from each state.
NEXT_STEP = {
    "registered": ("/assign", {"assignee": "市中区纪委", "mode": "assign"}),
    "assigned": ("/dispose", {"finding": "confirmed", "summary": "经查，责任单位未按时限整改，问题属实。"}),
    "disposed": ("/decide", {"sanction": "criticism_notice", "person": "张某", "reason": "整改不力，履职不到位"}),
    "decided": ("/publish", {"summary": "责任单位未按时限整改，予以通报批评。"}),
}
#: Services killed in turn after the NATS node, at these real seconds after the tick: spread over
#: the chain's simulated days at the default speed (notice deadlines ≈ 80 s, exposure ones ≈ 160 s).
KILL_PLAN = (("progress", 30.0), ("audit", 45.0), ("webhooks", 60.0), ("supervision", 75.0),
             ("media", 150.0), ("discipline", 170.0))
NODE_KILL_AT = 8.0
PAUSE = ("media", 100.0)


@dataclass
class ChaosSettings:
    cases: int = 300
    chain_share: float = 0.1
    speed: float = 8640.0  # a simulated day per 10 real seconds
    ack_wait: float = 5.0
    down_seconds: float = 5.0
    timeout: float = 900.0

    @classmethod
    def from_env(cls) -> ChaosSettings:
        """SANWEI_CHAOS_CASES (default 300: about ten minutes on two cores), _SPEED, _ACK_WAIT, _TIMEOUT."""
        env = os.environ
        return cls(cases=int(env.get("SANWEI_CHAOS_CASES", cls.cases)),
                   chain_share=float(env.get("SANWEI_CHAOS_CHAIN_SHARE", cls.chain_share)),
                   speed=float(env.get("SANWEI_CHAOS_SPEED", cls.speed)),
                   ack_wait=float(env.get("SANWEI_CHAOS_ACK_WAIT", cls.ack_wait)),
                   timeout=float(env.get("SANWEI_CHAOS_TIMEOUT", cls.timeout)))


@dataclass
class ChaosResult:
    settings: dict[str, Any]
    actions: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float | None] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    driver: dict[str, int] = field(default_factory=lambda: {"steps": 0, "retries": 0, "published": 0})

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(self.checks.values())


class Chaos:
    def __init__(self, settings: ChaosSettings, data_dir: Path, say: Callable[[str], None]) -> None:
        self.s = settings
        self.say = say
        self.burst = Burst(
            BurstSettings(tasks=settings.cases, chain_share=settings.chain_share, speed=settings.speed,
                          timeout=settings.timeout, profile_seconds=0, profile_services=(),
                          out_dir=data_dir, stem="chaos"),
            data_dir, say,
        )
        # The burst's stack, on a cluster: same ports scheme, same held clock, SQLite files it can read.
        self.stack = ClusterStack(
            data_dir,
            ports=free_service_ports()[1],
            clock_speed=settings.speed,
            clock_origin_sim=SETUP_AT,
            clock_origin_real=datetime.now(UTC) + timedelta(days=365),
            postgres_url=None,
            env={"SANWEI_ACK_WAIT": str(settings.ack_wait)},
            # Each service with its own NATS user: after its node dies it logs in to the nodes the
            # cluster announced (the kit passes the credentials as connect options, not in the URL).
            nats_auth=True,
        )
        self.burst.stack = self.stack
        self.share = max(1, math.ceil(settings.cases * settings.chain_share)) if settings.chain_share > 0 else 0
        self.result = ChaosResult(settings={
            "cases": settings.cases, "chain share": self.share, "clock speed": settings.speed,
            "ack wait (s)": settings.ack_wait, "down time per kill (s)": settings.down_seconds,
            "NATS": "3-node cluster, R3 file streams, sync_interval: always, a NATS user per service",
            "database": "SQLite per service",
        })
        self.registry_down: datetime | None = None
        self.registry_restart: datetime | None = None

    # --- the run ------------------------------------------------------------------------
    def run(self) -> ChaosResult:
        started = time.monotonic()
        try:
            self.burst.start()
            self.say(f"cluster and services up; registering {self.s.cases} tasks")
            self.burst.register()
            self.restart_with_running_clock()
            asyncio.run(self._from_the_tick())
            self.result.counts.update(self._counts())
            self._check()
        finally:
            self.result.timings["whole run (s)"] = round(time.monotonic() - started, 1)
            self.stack.stop()
        return self.result

    def restart_with_running_clock(self) -> None:
        """As the burst does, but the registry is SIGKILLed and stays down until after the tick."""
        self.registry_down = datetime.now(UTC)
        self.stack.kill("registry", signal.SIGKILL)
        for name in [n for n in self.stack.processes if n != "registry"]:
            self.stack.kill(name, signal.SIGTERM)
        # about a first start (restarts skip the migrations): the others are usually up at the tick
        hold = max(20.0, float(self.burst.result.setup.get("first_start_s", 20)))
        self.stack.clock_origin_sim = TICK_AT - TICK_LEAD_SIM
        self.stack.clock_origin_real = datetime.now(UTC) + timedelta(seconds=hold)
        self.burst.tick_wall = self.stack.clock_origin_real + TICK_LEAD_SIM / self.s.speed
        others = [name for name in SERVICE_NAMES if name != "registry"]
        for name in others:
            self.stack.start_service(name)
        for name in others:
            self.stack.wait_ready(name, timeout=180)
        self.say(f"services but the registry ready {self.since_tick():+.1f}s from the tick")

    def sim(self, moment: datetime) -> datetime:
        """The services' simulated time at a real instant."""
        assert self.stack.clock_origin_sim is not None and self.stack.clock_origin_real is not None
        # before its real origin the clock stands still at its simulated origin
        return self.stack.clock_origin_sim + max(moment - self.stack.clock_origin_real, timedelta(0)) * self.s.speed

    def since_tick(self) -> float:
        assert self.burst.tick_wall is not None
        return (datetime.now(UTC) - self.burst.tick_wall).total_seconds()

    async def _from_the_tick(self) -> None:
        done = asyncio.Event()
        chaos = asyncio.create_task(asyncio.to_thread(self._chaos_plan))
        driver = asyncio.create_task(self._drive_discipline(done))
        t0 = time.monotonic() - self.since_tick()  # the tick, on the monotonic clock
        deadline = time.monotonic() + self.s.timeout
        settled_at: float | None = None
        while time.monotonic() < deadline:
            await asyncio.sleep(2.0)
            if not chaos.done():
                continue
            chaos.result()  # a failed action fails the run
            sample = self.burst.sample(self.s.cases, self.share)
            if sample["clues"] >= self.s.cases and sample["published"] >= self.share:
                waiting, unpublished = await pending_everywhere(self.stack)
                if waiting == 0 and unpublished == 0 and audit_total(self.stack) >= emitted_total(self.stack):
                    settled_at = time.monotonic() - t0
                    break
        else:
            self.result.notes.append(f"not settled within {self.s.timeout:.0f}s of the tick")
        done.set()
        await driver
        if not chaos.done():
            await chaos
        self.result.timings["settled, s after the tick"] = None if settled_at is None else round(settled_at, 1)
        self.say(f"settled {settled_at}s after the tick" if settled_at else "not settled")

    # --- what is killed -----------------------------------------------------------------
    def _action(self, what: str, how: str, *, down: datetime, up: datetime, **more: Any) -> None:
        assert self.burst.tick_wall is not None
        row = {"what": what, "how": how,
               "at (s after tick)": round((down - self.burst.tick_wall).total_seconds(), 1),
               "down (s)": round((up - down).total_seconds(), 1),
               "simulated": f"{self.sim(down):%m-%d %H:%M} → {self.sim(up):%m-%d %H:%M}", **more}
        self.result.actions.append(row)
        self.say(f"{how} {what}: back after {row['down (s)']}s")

    def _wait_until(self, seconds_after_tick: float) -> None:
        time.sleep(max(0.0, seconds_after_tick - self.since_tick()))

    def _kill_service(self, name: str) -> tuple[datetime, datetime]:
        down = datetime.now(UTC)
        self.stack.kill(name, signal.SIGKILL)
        time.sleep(self.s.down_seconds)
        self.stack.start_service(name)
        self.stack.wait_ready(name, timeout=180)
        return down, datetime.now(UTC)

    def _chaos_plan(self) -> None:
        # The registry has been down since before the tick: every deadline passes while it is down.
        self._wait_until(5.0)
        self.registry_restart = datetime.now(UTC)  # its timers may fire before it answers /readyz
        self.stack.start_service("registry")
        self.stack.wait_ready("registry", timeout=180)
        assert self.registry_down is not None
        self._action("registry", "SIGKILL", down=self.registry_down, up=datetime.now(UTC),
                     note="before the tick, started again after it: every deadline passed while it was down")

        self._wait_until(NODE_KILL_AT)
        node = asyncio.run(self._stream_leader("SANWEI_SUPERVISION"))
        assert self.stack.cluster is not None
        down = datetime.now(UTC)
        self.stack.cluster.kill(node, signal.SIGKILL)
        time.sleep(3 * self.s.down_seconds)
        self.stack.cluster.start_node(node)
        self.stack.cluster.wait_for_jetstream()
        self._action(f"NATS node {node}", "SIGKILL", down=down, up=datetime.now(UTC),
                     note="leader of the SANWEI_SUPERVISION stream")

        for name, at in KILL_PLAN:
            if name == PAUSE[0] and at > PAUSE[1]:
                self._pause(*PAUSE)
            self._wait_until(at)
            down, up = self._kill_service(name)
            self._action(name, "SIGKILL", down=down, up=up)

    def _pause(self, name: str, at: float) -> None:
        self._wait_until(at)
        process = self.stack.processes[name]
        down = datetime.now(UTC)
        process.send_signal(signal.SIGSTOP)
        time.sleep(3 * self.s.ack_wait)
        process.send_signal(signal.SIGCONT)
        self._action(name, "SIGSTOP", down=down, up=datetime.now(UTC), note=f"3 × the ack wait ({self.s.ack_wait}s)")

    async def _stream_leader(self, stream: str) -> str:
        nc = await nats.connect(servers=self.stack.nats_url.split(","))
        try:
            info = await nc.jetstream().stream_info(stream)
            return info.cluster.leader if info.cluster and info.cluster.leader else "n1"
        finally:
            await nc.close()

    # --- the 纪委, through the outages ----------------------------------------------------
    async def _drive_discipline(self, done: asyncio.Event) -> None:
        """Move each clue of the chain share on, step by step from its current state, retrying."""
        share_ids = {t["id"] for t in self.burst.tasks[: self.share]}
        if not share_ids:
            return
        base = self.stack.url("discipline")
        async with httpx.AsyncClient(timeout=30, headers=office(self.stack, "discipline")) as http:

            async def advance(clue_id: str) -> None:
                while not done.is_set():
                    try:
                        response = await http.get(f"{base}/clues/{clue_id}")
                        state = response.json()["state"] if response.status_code == 200 else None
                        if state == "published":
                            self.result.driver["published"] += 1
                            return
                        if state in NEXT_STEP:
                            path, body = NEXT_STEP[state]
                            response = await http.post(f"{base}/clues/{clue_id}{path}", json=body)
                            if response.status_code < 400:
                                self.result.driver["steps"] += 1
                                continue
                    except (httpx.HTTPError, ValueError, KeyError):
                        pass
                    self.result.driver["retries"] += 1  # discipline down, or a step raced: read again
                    await asyncio.sleep(1.0)

            await drive_each_clue(db_path(self.stack, "discipline"), share_ids, advance, done)

    # --- what is counted ----------------------------------------------------------------
    def _counts(self) -> dict[str, Any]:
        def db(service: str) -> Path:
            return db_path(self.stack, service)

        def grouped(service: str, sql: str) -> dict[str, int]:
            return {str(k): int(v) for k, v in query(db(service), sql)}

        def duplicates(service: str, table: str, where: str = "") -> int:
            return int(scalar(db(service), f"SELECT count(*) FROM (SELECT case_id FROM {table} {where} "
                                           "GROUP BY case_id HAVING count(*) > 1)"))

        audit = db("audit")
        chain_case_counts = {
            t: int(scalar(audit, "SELECT count(DISTINCT case_id) FROM audit_events WHERE type = ?", (t,)))
            for t in (*CHAIN_EVENTS, *DISCIPLINE_EVENTS)
        }
        counts: dict[str, Any] = {
            "registry tasks by status": grouped("registry", "SELECT status, count(*) FROM tasks GROUP BY status"),
            "督办通知书 by status": grouped("supervision", "SELECT status, count(*) FROM notices GROUP BY status"),
            "exposures by status": grouped("media", "SELECT status, count(*) FROM exposures GROUP BY status"),
            "clues by state": grouped("discipline", "SELECT state, count(*) FROM clues GROUP BY state"),
            "published outcomes (media)": int(scalar(db("media"), "SELECT count(*) FROM published_outcomes")),
            "cases with more than one 督办通知书": duplicates("supervision", "notices"),
            "cases with more than one exposure": duplicates("media", "exposures"),
            "cases with more than one clue": duplicates("discipline", "clues"),
            "cases with more than one published clue": duplicates("discipline", "clues",
                                                                  "WHERE published_at IS NOT NULL"),
            "cases with more than one published outcome (media)": duplicates("media", "published_outcomes"),
            "dead letters (all services)": sum(int(scalar(db(s), "SELECT count(*) FROM dead_letters"))
                                               for s in SERVICE_NAMES),
            "events emitted (outbox rows, all services)": emitted_total(self.stack),
            "audit events": int(scalar(audit, "SELECT count(*) FROM audit_events")),
            "audit distinct event ids": int(scalar(audit, "SELECT count(DISTINCT event_id) FROM audit_events")),
            "audit (case, type) pairs recorded more than once, chain events": int(scalar(
                audit, "SELECT count(*) FROM (SELECT case_id, type FROM audit_events WHERE type IN ("
                + ",".join("?" * (len(CHAIN_EVENTS) + len(DISCIPLINE_EVENTS)))
                + ") GROUP BY case_id, type HAVING count(*) > 1)", (*CHAIN_EVENTS, *DISCIPLINE_EVENTS))),
            "audit: cases per event type": chain_case_counts,
            "consumer redeliveries handled as duplicates (inbox)": self._duplicates_ignored(),
        }
        counts.update(self._timer_counts())
        counts.update(asyncio.run(self._stream_counts()))
        return counts

    def _duplicates_ignored(self) -> int:
        total = 0
        for service in SERVICE_NAMES:
            path = self.stack.log_dir / f"{service}.log"
            if path.exists():
                total += path.read_text(errors="replace").count('"consumer.duplicate_ignored"')
        return total

    def _timer_counts(self) -> dict[str, Any]:
        reg = db_path(self.stack, "registry")
        ids = [t["id"] for t in self.burst.tasks]
        fired = query(reg, "SELECT key, fired_at FROM timers WHERE kind = 'task.due' AND fired_at IS NOT NULL")
        restart = self.registry_restart
        after = sum(1 for _key, at in fired
                    if restart is not None and datetime.fromisoformat(at).replace(tzinfo=UTC) >= restart)
        keys = [key for key, _ in fired]
        return {
            "registry deadline timers fired": len(fired),
            "registry deadline timers fired for distinct tasks": len(set(keys) & set(ids)),
            "registry deadline timers fired after its restart": after,
        }

    async def _stream_counts(self) -> dict[str, Any]:
        """Every stream message read back: messages vs distinct Nats-Msg-Id."""
        nc = await nats.connect(servers=self.stack.nats_url.split(","))
        messages = 0
        ids: set[str] = set()
        per_stream: dict[str, int] = {}
        try:
            js = nc.jetstream()
            for info in await js.streams_info():
                name = info.config.name
                if not name or not name.startswith("SANWEI_"):
                    continue
                count, read = await stream_message_ids(js, name)
                per_stream[name] = count
                messages += len(read)
                ids.update(read)
        finally:
            await nc.close()
        return {"stream messages": messages, "stream distinct Nats-Msg-Id": len(ids), "messages per stream": per_stream}

    def _check(self) -> None:
        c = self.result.counts
        n, share = self.s.cases, self.share
        per_type = c["audit: cases per event type"]
        self.result.checks = {
            "settled (nothing pending, audit holds every event)": self.result.timings.get(
                "settled, s after the tick") is not None,
            f"every task overdue ({n})": c["registry tasks by status"] == {"overdue": n},
            f"one 督办通知书 per case, unrectified ({n})": c["督办通知书 by status"] == {"unrectified": n},
            f"one exposure per case, referred ({n})": c["exposures by status"] == {"referred": n},
            f"one clue per case: {share} published, {n - share} registered": c["clues by state"] == (
                {"registered": n - share, "published": share} if share < n else {"published": n}),
            f"one published outcome per chain-share case on the 曝光台 ({share})":
                c["published outcomes (media)"] == share,
            "no duplicate notice, exposure, clue or outcome in any database": not any(
                c[k] for k in c if k.startswith("cases with more than one")),
            "no dead letters": c["dead letters (all services)"] == 0,
            "audit: every chain event exactly once per case": all(
                per_type[t] == n for t in CHAIN_EVENTS) and all(per_type[t] == share for t in DISCIPLINE_EVENTS)
            and c["audit (case, type) pairs recorded more than once, chain events"] == 0,
            "audit: every emitted event recorded once": c["audit events"] == c["audit distinct event ids"]
            == c["events emitted (outbox rows, all services)"],
            "streams: no duplicate message (messages = distinct ids = events emitted)": c["stream messages"]
            == c["stream distinct Nats-Msg-Id"] == c["events emitted (outbox rows, all services)"],
            f"registry deadline timers fired once per task ({n})": c["registry deadline timers fired"] == n
            == c["registry deadline timers fired for distinct tasks"],
            "deadlines passed while the registry was down fired after its restart":
                c["registry deadline timers fired after its restart"] == n,
        }


def chaos_command(settings: dict[str, Any]) -> str:
    """How to reproduce a run: `uv run task chaos`, with the case count when it is not CI's default."""
    cases = settings.get("cases", ChaosSettings.cases)
    if cases == ChaosSettings.cases:
        return "`uv run task chaos`"
    return f"`SANWEI_CHAOS_CASES={cases} uv run task chaos` (CI runs the default, {ChaosSettings.cases} cases)"


def render(result: ChaosResult, *, machine: dict[str, Any]) -> str:
    lines = [
        "# Chaos run",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC} — {chaos_command(result.settings)} "
        "(tests/chaos/test_chaos.py; sanwei.bench.chaos describes the scenario; the relay that loses its "
        "node mid-burst: [chaos-publisher.md](chaos-publisher.md)). "
        f"Result: **{'PASSED' if result.passed else 'FAILED'}**.",
        "",
        (__doc__ or "").strip(),
        "",
        "## Settings and machine",
        "",
        "| setting | value |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in {**result.settings, **machine}.items()),
        "",
        "## What was killed",
        "",
        "| what | how | at (s after tick) | down (s) | simulated time while down | note |",
        "| --- | --- | --- | --- | --- | --- |",
        *(f"| {a['what']} | {a['how']} | {a['at (s after tick)']} | {a['down (s)']} | {a['simulated']} | "
          f"{a.get('note', '')} |" for a in result.actions),
        "",
        "## Timings",
        "",
        *(f"- {k}: {v}" for k, v in result.timings.items()),
        f"- 纪委 driver: {result.driver['steps']} steps, {result.driver['retries']} retries (outages, races), "
        f"{result.driver['published']} clues seen published",
        "",
        "## What was counted",
        "",
        "| count | value |",
        "| --- | --- |",
    ]
    for key, value in result.counts.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k.removeprefix('sanwei.')}: {v}" for k, v in value.items())
        lines.append(f"| {key} | {value} |")
    lines += ["", "## Checks", "", "| check | result |", "| --- | --- |"]
    lines += [f"| {k} | {'pass' if v else '**FAIL**'} |" for k, v in result.checks.items()]
    if result.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in result.notes)]
    return "\n".join(lines) + "\n"
