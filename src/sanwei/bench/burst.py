"""The quarter-end burst on a real stack: N tasks due the same day, one clock tick.

1. Start nats-server and every service (free ports, own SQLite files) with the clock held
   at the deadline day, 10:00 China time; register N tasks (1000 per POST /task-lists), all
   with `deadline` = that day; wait until every consumer has drained (NATS says nothing is
   pending and no outbox holds an unpublished row).
2. Stop the services (SIGTERM) and start them again with the clock set to run from 23:59
   of that day at `speed`, its real origin a little in the future: the tick (midnight)
   comes at a known instant once every service is up. Nothing but the clock changes.
3. From the tick: poll the services' databases read-only (sqlite3 `mode=ro`) for the
   stages, drive the 纪委 steps (assign, dispose, decide, publish) over HTTP for the
   `chain_share` of the cases once their clue is registered; the others are left alone
   and go on through the chain by their deadlines to a registered clue.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Coroutine
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import nats

from sanwei.bench.profiler import Recording, record
from sanwei.stack import SERVICES, Stack, free_service_ports

CHINA = ZoneInfo("Asia/Shanghai")
DEADLINE_DAY = date(2026, 6, 30)  # quarter end, a Tuesday
SETUP_AT = datetime(2026, 6, 30, 10, 0, tzinfo=CHINA)
TICK_AT = datetime(2026, 7, 1, 0, 0, tzinfo=CHINA)
TICK_LEAD_SIM = timedelta(seconds=60)  # the restarted clock starts 60 simulated seconds before midnight
UNITS = [f"{name}" for name in (
    "区发改局", "区财政局", "区住建局", "区城管局", "区交通局", "区教体局", "区卫健局", "区民政局", "区商务局",
    "区文旅局", "区生态环境分局", "区市场监管局", "区应急局", "区水务局", "区人社局", "区自然资源局",
    "舜耕街道办事处", "七里山街道办事处", "杆石桥街道办事处", "四里村街道办事处", "魏家庄街道办事处",
    "大观园街道办事处", "泺源街道办事处", "六里山街道办事处", "王官庄街道办事处", "二七街道办事处",
    "七贤街道办事处", "白马山街道办事处", "兴隆街道办事处", "党家街道办事处", "十六里河街道办事处",
    "陡沟街道办事处",
)]
SERVICE_NAMES = list(SERVICES)


def db_path(stack: Stack, service: str) -> Path:
    return stack.data_dir / "db" / f"{service}.db"


def query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read a service's SQLite file read-only while the service writes it (WAL)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
        return db.execute(sql, params).fetchall()


def scalar(path: Path, sql: str, params: tuple[Any, ...] = ()) -> Any:
    try:
        rows = query(path, sql, params)
    except sqlite3.OperationalError:
        return 0
    return rows[0][0] if rows else 0


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def memory(stack: Stack) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name, process in stack.processes.items():
        kib = rss_kib(process.pid)
        out[name] = None if kib is None else round(kib / 1024, 1)
    return out


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (/proc/<pid>/stat fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_times(stack: Stack) -> dict[str, float | None]:
    return {name: cpu_seconds(process.pid) for name, process in stack.processes.items()}


def used_between(before: dict[str, float | None], after: dict[str, float | None]) -> dict[str, float]:
    used = {}
    for name, start in before.items():
        end = after.get(name)
        if start is not None and end is not None:
            used[name] = round(end - start, 2)
    return used


def bearer(stack: Stack, *roles: str, **claims: Any) -> dict[str, str]:
    """Headers for a caller the stack's services accept, e.g. `bearer(stack, "unit", unit="区发改局")`."""
    return {"Authorization": f"Bearer {stack.token(*roles, **claims)}"}


def office(stack: Stack, role: str) -> dict[str, str]:
    """The headers of an office acting in the bench (the 纪委 at district level: it sees every clue)."""
    level = {"level": "district"} if role == "discipline" else {}
    return bearer(stack, role, subject=f"{role}@bench", name=f"bench {role}", **level)


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def pending_everywhere(stack: Stack) -> tuple[int, int]:
    """(messages the consumers have not acknowledged, unpublished outbox rows)."""
    nc = await nats.connect(servers=stack.nats_url.split(","))  # one URL, or a cluster's (sanwei.cluster)
    try:
        js = nc.jetstream()
        waiting = 0
        for stream in await js.streams_info():
            name = stream.config.name
            if not name or name.startswith("BENCH_"):
                continue
            for consumer in await js.consumers_info(name):
                waiting += (consumer.num_pending or 0) + (consumer.num_ack_pending or 0)
    finally:
        await nc.close()
    unpublished = sum(
        int(scalar(db_path(stack, s), "SELECT count(*) FROM outbox WHERE published_at IS NULL")) for s in SERVICE_NAMES
    )
    return waiting, unpublished


def emitted_total(stack: Stack) -> int:
    return sum(int(scalar(db_path(stack, s), "SELECT count(*) FROM outbox")) for s in SERVICE_NAMES)


def audit_total(stack: Stack) -> int:
    return int(scalar(db_path(stack, "audit"), "SELECT count(*) FROM audit_events"))


async def wait_quiet(stack: Stack, timeout: float, say: Callable[[str], None]) -> float | None:
    """Wait until nothing is pending in NATS or any outbox and audit holds every emitted event."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        waiting, unpublished = await pending_everywhere(stack)
        if waiting == 0 and unpublished == 0 and audit_total(stack) >= emitted_total(stack):
            return time.monotonic() - started
        await asyncio.sleep(1.0)
    say(f"not quiet after {timeout:.0f}s")
    return None


@dataclass
class BurstSettings:
    tasks: int
    chain_share: float
    speed: float
    timeout: float
    profile_seconds: float
    profile_services: tuple[str, ...]
    out_dir: Path
    stem: str
    boot_hold: float = 0.0  # computed from the first start when 0


@dataclass
class BurstResult:
    settings: dict[str, Any]
    setup: dict[str, Any] = field(default_factory=dict)
    milestones: dict[str, float | None] = field(default_factory=dict)
    stages: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, float]] = field(default_factory=list)
    memory: dict[str, dict[str, float | None]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds each process used from the tick to settled
    chain: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Burst:
    def __init__(self, settings: BurstSettings, data_dir: Path, say: Callable[[str], None]) -> None:
        self.s = settings
        self.say = say
        nats_port, ports = free_service_ports()
        self.stack = Stack(
            data_dir,
            nats_port=nats_port,
            ports=ports,
            clock_speed=settings.speed,
            clock_origin_sim=SETUP_AT,
            # held: before its real origin an accelerated clock stands still at its simulated origin
            clock_origin_real=datetime.now(UTC) + timedelta(days=365),
            # The burst counts stages by reading each service's SQLite file: it measures the embedded
            # stack, whatever database the test environment offers.
            postgres_url=None,
        )
        self.result = BurstResult(settings={
            "tasks": settings.tasks, "chain_share": settings.chain_share, "speed": settings.speed,
            "deadline_day": DEADLINE_DAY.isoformat(), "timeout_s": settings.timeout,
        })
        self.tasks: list[dict[str, Any]] = []
        self.tick_wall: datetime | None = None

    # --- phases -----------------------------------------------------------------------
    def start(self) -> None:
        started = time.monotonic()
        self.stack.start(timeout=180)
        self.result.setup["first_start_s"] = round(time.monotonic() - started, 1)
        time.sleep(2)
        self.result.memory["idle after start (empty)"] = memory(self.stack)

    def register(self) -> None:
        started = time.monotonic()
        per_call = 1000  # the registry's MAX_TASKS_PER_REQUEST
        with httpx.Client(timeout=900, headers=office(self.stack, "command")) as http:
            for first in range(0, self.s.tasks, per_call):
                count = min(per_call, self.s.tasks - first)
                body = {
                    "title": f"2026年第二季度重点工作任务（第{first // per_call + 1}批）",
                    "tasks": [
                        {"title": f"重点工作任务第{first + i + 1}项：按季度节点完成", "seq": str(first + i + 1),
                         "lead_unit": UNITS[(first + i) % len(UNITS)], "deadline": DEADLINE_DAY.isoformat()}
                        for i in range(count)
                    ],
                }
                response = http.post(self.stack.url("registry") + "/task-lists", json=body)
                if response.status_code != 201:
                    raise RuntimeError(f"POST /task-lists → {response.status_code}: {response.text[:300]}")
                self.tasks.extend(
                    {"id": t["id"], "unit": t["lead_unit"]} for t in response.json()["tasks"]
                )
        seconds = time.monotonic() - started
        self.result.setup["register_s"] = round(seconds, 1)
        self.result.setup["register_tasks_per_s"] = round(self.s.tasks / seconds, 1)
        self.say(f"registered {len(self.tasks)} tasks in {seconds:.1f}s; waiting for the consumers to drain")
        drained = asyncio.run(wait_quiet(self.stack, timeout=max(600.0, self.s.timeout), say=self.say))
        self.result.setup["drain_after_register_s"] = None if drained is None else round(drained, 1)
        self.result.setup["events_after_register"] = emitted_total(self.stack)

    def restart_with_running_clock(self) -> None:
        """SIGTERM every service, start them again with the clock running towards midnight."""
        for name in [n for n in self.stack.processes if n != "nats"]:
            self.stack.kill(name, signal.SIGTERM)
        hold = self.s.boot_hold or max(15.0, 1.3 * float(self.result.setup.get("first_start_s", 10)) + 10.0)
        self.stack.clock_origin_sim = TICK_AT - TICK_LEAD_SIM
        self.stack.clock_origin_real = datetime.now(UTC) + timedelta(seconds=hold)
        self.tick_wall = self.stack.clock_origin_real + TICK_LEAD_SIM / self.s.speed
        for name in SERVICE_NAMES:
            self.stack.start_service(name)
        for name in SERVICE_NAMES:
            self.stack.wait_ready(name, timeout=180)
        ready = datetime.now(UTC)
        self.result.setup["boot_hold_s"] = round(hold, 1)
        self.result.memory["idle after restart (N tasks stored)"] = memory(self.stack)
        if ready > self.tick_wall:
            note = f"services were ready {(ready - self.tick_wall).total_seconds():.1f}s after the tick"
            self.result.notes.append(note)
            self.say(note)
        else:
            self.say(f"all services ready; the tick comes in {(self.tick_wall - ready).total_seconds():.1f}s")

    def run_burst(self) -> None:
        asyncio.run(self._burst())

    # --- the burst --------------------------------------------------------------------
    async def _burst(self) -> None:
        assert self.tick_wall is not None
        n = self.s.tasks
        share = max(1, math.ceil(n * self.s.chain_share)) if self.s.chain_share > 0 else 0
        share_ids = {t["id"] for t in self.tasks[:share]}
        self.result.chain.update(share_cases=share, errors=0, driven=0, steps_per_case=4)
        await asyncio.sleep(max(0.0, (self.tick_wall - datetime.now(UTC)).total_seconds()))
        t0 = time.monotonic()
        cpu_at_tick = cpu_times(self.stack)
        profilers = self._start_profilers()
        done = asyncio.Event()
        driver = asyncio.create_task(self._drive_discipline(share_ids, done))
        milestones: dict[str, float | None] = {
            "all task.overdue emitted": None, "all 督办通知书 persisted": None,
            f"chain share ({share}) outcome.published": None if share else 0.0,
            "all clues registered (whole chain)": None, "settled (nothing pending, audit caught up)": None,
        }
        names = list(milestones)
        last_quiet_check = 0.0
        try:
            sample: dict[str, float] = {}
            sampling_cpu = 0.0
            while time.monotonic() - t0 < self.s.timeout:
                now = time.monotonic() - t0
                cpu_before = time.process_time()
                sample = self.sample(n, share, carried=sample)
                sample_cpu = time.process_time() - cpu_before
                sampling_cpu += sample_cpu
                sample["t"] = round(now, 2)
                self.result.samples.append(sample)
                if milestones[names[0]] is None and sample["overdue"] >= n:
                    milestones[names[0]] = now
                if milestones[names[1]] is None and sample["notices"] >= n:
                    milestones[names[1]] = now
                    self.say(f"all {n} notices persisted {now:.1f}s after the tick")
                if share and milestones[names[2]] is None and sample["published"] >= share:
                    milestones[names[2]] = now
                    self.say(f"chain share of {share} cases published {now:.1f}s after the tick")
                if milestones[names[3]] is None and sample["clues"] >= n:
                    milestones[names[3]] = now
                if (milestones[names[1]] is not None and milestones[names[2]] is not None
                        and milestones[names[3]] is not None and now - last_quiet_check > 2):
                    last_quiet_check = now
                    waiting, unpublished = await pending_everywhere(self.stack)
                    if waiting == 0 and unpublished == 0 and audit_total(self.stack) >= emitted_total(self.stack):
                        milestones[names[4]] = time.monotonic() - t0
                        break
                # The bench counts rows on the stack's own cores: at most a twentieth of one core for that.
                await asyncio.sleep(max(0.5, 20 * sample_cpu))
            else:
                self.result.notes.append(f"stopped by the timeout ({self.s.timeout:.0f}s) before every milestone")
                self.say("timeout: reporting what was reached")
        finally:
            done.set()
            with suppress(Exception):
                await asyncio.wait_for(driver, timeout=30)
            self._stop_profilers(profilers)
        self.result.notes.append(f"the bench's own sampling of the services' databases used {sampling_cpu:.1f} "
                                 f"CPU-s of the burst ({len(self.result.samples)} samples)")
        self.result.milestones = {k: (None if v is None else round(v, 2)) for k, v in milestones.items()}
        self.result.cpu = used_between(cpu_at_tick, cpu_times(self.stack))
        self.result.memory["after the burst"] = memory(self.stack)
        self._stages()

    def sample(self, n: int, share: int, carried: dict[str, float] | None = None) -> dict[str, float]:
        """The stages' counts now. A count that reached its end is carried over, not read again: counting
        costs the bench CPU on the stack's own cores (the registry's overdue events are counted by scanning
        its outbox: 0.15 CPU-s a time at N = 100,000)."""
        reg, sup, dis, aud = (db_path(self.stack, s) for s in ("registry", "supervision", "discipline", "audit"))
        counts = {
            "overdue": (reg, "SELECT count(*) FROM outbox WHERE subject = 'sanwei.registry.task.v1.overdue'", n),
            "notices": (sup, "SELECT count(*) FROM notices", n),
            "exposures": (db_path(self.stack, "media"), "SELECT count(*) FROM exposures", n),
            "clues": (dis, "SELECT count(*) FROM clues", n),
            "published": (dis, "SELECT count(*) FROM clues WHERE published_at IS NOT NULL", share),
            "audit": (aud, "SELECT count(*) FROM audit_events", None),
        }
        carried = carried or {}
        return {key: carried[key] if final is not None and carried.get(key, -1) >= final else scalar(path, sql)
                for key, (path, sql, final) in counts.items()}

    async def _drive_discipline(self, share_ids: set[str], done: asyncio.Event) -> None:
        """The 纪委's four steps over HTTP for each clue of the chain share, as Demo.discipline does."""
        if not share_ids:
            return
        base = self.stack.url("discipline")
        gate = asyncio.Semaphore(4)
        steps = [
            ("/assign", {"assignee": "市中区纪委", "mode": "assign"}),
            ("/dispose", {"finding": "confirmed", "summary": "经查，责任单位未按时限整改，问题属实。"}),
            ("/decide", {"sanction": "criticism_notice", "person": "张某", "reason": "整改不力，履职不到位"}),
            ("/publish", {"summary": "责任单位未按时限整改，予以通报批评。"}),
        ]
        async with httpx.AsyncClient(timeout=120, headers=office(self.stack, "discipline")) as http:

            async def one(clue_id: str) -> None:
                async with gate:
                    for path, body in steps:
                        response = await http.post(f"{base}/clues/{clue_id}{path}", json=body)
                        if response.status_code >= 400:
                            self.result.chain["errors"] += 1
                            if self.result.chain["errors"] <= 3:
                                self.say(f"纪委 step {path} → {response.status_code}: {response.text[:200]}")
                            return
                    self.result.chain["driven"] += 1

            await drive_each_clue(db_path(self.stack, "discipline"), share_ids, one, done,
                                  "SELECT id, case_id FROM clues WHERE state = 'registered'")

    # --- stages from the outboxes and the audit log -----------------------------------
    def _stages(self) -> None:
        assert self.tick_wall is not None
        since = self.tick_wall.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        stages = []
        for service in SERVICE_NAMES:
            rows = query(db_path(self.stack, service),
                         "SELECT subject, count(*), min(created_at), max(created_at) FROM outbox "
                         "WHERE created_at >= ? GROUP BY subject", (since,))
            for subject, count, first, last in rows:
                first_t, last_t = parse_time(first), parse_time(last)
                window = (last_t - first_t).total_seconds()
                stages.append({
                    "service": service, "event": subject.removeprefix("sanwei."), "count": count,
                    "first_s": round((first_t - self.tick_wall).total_seconds(), 2),
                    "last_s": round((last_t - self.tick_wall).total_seconds(), 2),
                    "per_s": round(count / window, 1) if window > 0 else None,
                })
        stages.sort(key=lambda s: s["first_s"])
        self.result.stages = stages
        # audit stamps recorded_at with the service clock (simulated time): map it back to real seconds
        aud = db_path(self.stack, "audit")
        tick_sim = TICK_AT.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        total, last = query(aud, "SELECT count(*), max(recorded_at) FROM audit_events WHERE recorded_at >= ?",
                            (tick_sim,))[0]
        emitted = sum(s["count"] for s in stages)
        last_emitted = max((s["last_s"] for s in stages), default=None)
        self.result.audit = {"events_after_tick": total, "emitted_after_tick": emitted}
        if total:
            last_recorded = (parse_time(last) - TICK_AT).total_seconds() / self.s.speed
            self.result.audit.update(
                last_recorded_s=round(last_recorded, 2),
                last_emitted_s=last_emitted,
                # only meaningful once audit holds everything emitted (not at a timeout)
                catch_up_s=None if last_emitted is None or total < emitted else round(last_recorded - last_emitted, 2),
                behind_at_end=emitted - total,
                end_to_end_per_s=round(total / last_recorded, 1) if last_recorded > 0 else None,
            )

    # --- profiling (off by default: see sanwei.bench.profiler) ----------------------------
    def _start_profilers(self) -> list[Recording]:
        if self.s.profile_seconds <= 0:
            return []
        return [record(name, self.stack.processes[name].pid,
                       self.s.out_dir / f"{self.s.stem}-profile-burst-{name}.txt", seconds=self.s.profile_seconds)
                for name in self.s.profile_services]

    def _stop_profilers(self, started: list[Recording]) -> None:
        for recording in started:
            error = recording.stop()
            if error:
                self.result.notes.append(error)
            else:
                self.result.profiles[f"{recording.name} (during the burst)"] = str(recording.out)

    def stop(self) -> None:
        self.stack.stop()


async def drive_each_clue(discipline_db: Path, share_ids: set[str], drive: Callable[[str], Coroutine[Any, Any, None]],
                          done: asyncio.Event, sql: str = "SELECT id, case_id FROM clues") -> None:
    """Start `drive(clue_id)` once for each clue of the chosen cases as it appears in the 纪委's
    database (`sql` gives id, case_id), until every case has one or `done` is set; then wait for them."""
    started: set[str] = set()
    running: set[asyncio.Task[None]] = set()
    while not done.is_set() and len(started) < len(share_ids):
        try:
            rows = query(discipline_db, sql)
        except sqlite3.OperationalError:
            rows = []  # the service is (re)creating its database
        for clue_id, case_id in rows:
            if case_id in share_ids and clue_id not in started:
                started.add(clue_id)
                task = asyncio.create_task(drive(clue_id))
                running.add(task)
                task.add_done_callback(running.discard)
        await asyncio.sleep(1.0)
    if running:
        await asyncio.gather(*running, return_exceptions=True)
