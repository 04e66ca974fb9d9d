"""`python -m sanwei.bench [--tasks N | --quick]`: run every section, write the report."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sanwei.bench import api_load, baseline, drain, timer_scaling
from sanwei.bench.burst import SERVICE_NAMES, Burst, BurstSettings, bearer, db_path, office, query
from sanwei.bench.report import charts, render
from sanwei.bench.stats import collapsed_profile_summary, ratio
from sanwei.stack import nats_server_binary

QUICK_TASKS = 2000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sanwei.bench", description=__doc__)
    p.add_argument("--tasks", type=int, default=100_000, help="N tasks falling due at one tick (default 100000)")
    p.add_argument("--quick", action="store_true", help=f"N={QUICK_TASKS}, fewer API requests and repetitions")
    p.add_argument("--chain-share", type=float, default=0.01,
                   help="share of the cases the 纪委 steps are driven for, to outcome.published (default 0.01)")
    p.add_argument("--speed", type=float, default=172800.0,
                   help="simulated seconds per real second after the restart (default 172800: a day per 0.5 s, "
                        "so a 5-工作日 整改时限 passes in ~3.5 s and the chain is paced by sanwei, not the calendar; "
                        "8640, a day per 10 s, was the default until 2026-11-26)")
    p.add_argument("--timeout", type=float, default=900.0, help="longest burst, seconds after the tick")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--api-requests", type=int, default=None, help="requests per endpoint (default 2000, quick 500)")
    p.add_argument("--timer-sizes", default="10000,1000000", help="stored timers, comma separated")
    p.add_argument("--timer-repetitions", type=int, default=None)
    p.add_argument("--profile-seconds", type=float, default=0.0,
                   help="py-spy recording of --profile-services from the burst's tick, seconds (default 0: none, "
                        "the recording takes CPU from the measured stack; each stage is profiled in its drain)")
    p.add_argument("--profile-services", default="registry,supervision,media,audit")
    p.add_argument("--no-drain-profiles", dest="drain_profiles", action="store_false",
                   help="do not record each stage's service with py-spy while it drains (SQLite, one replica)")
    p.add_argument("--drain-events", type=int, default=None,
                   help="events waiting for each stage in the backlog drain (default 5000, quick 2000; 0: none)")
    p.add_argument("--drain-stages", default=",".join(drain.STAGES), help="stages to drain, comma separated")
    p.add_argument("--postgres", default=os.environ.get("SANWEI_TEST_DATABASE_URL") or None,
                   help="PostgreSQL server URL for the drain's PostgreSQL rows (one and two replicas); "
                        "default $SANWEI_TEST_DATABASE_URL; none: SQLite rows only")
    p.add_argument("--out", type=Path, default=Path("docs/bench"))
    p.add_argument("--keep", action="store_true", help="keep the stack's data directory")
    args = p.parse_args(argv)
    if args.quick:
        args.tasks = QUICK_TASKS
    if args.drain_events is None:
        args.drain_events = 2000 if args.quick else 5000
    if args.api_requests is None:
        args.api_requests = 500 if args.quick else 2000
    if args.timer_repetitions is None:
        args.timer_repetitions = 10 if args.quick else 30
    return args


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = ["?"]
    nats_version = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True).stdout.strip()

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    return {
        "nproc": os.cpu_count(), "RAM": ram, "CPU": cpu, "load average at start": " ".join(load),
        "OS": platform.platform(), "Python": sys.version.split()[0], "nats-server": nats_version,
        "faststream": version("faststream"), "nats-py": version("nats-py"), "sqlalchemy": version("sqlalchemy"),
        "aiosqlite": version("aiosqlite"), "database": "SQLite (one file per service, WAL)",
    }


def say(text: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {text}", flush=True)


def envelope_size(burst: Burst) -> int:
    rows = query(db_path(burst.stack, "registry"),
                 "SELECT avg(length(payload)) FROM outbox WHERE subject = 'sanwei.registry.task.v1.overdue'")
    if rows and rows[0][0]:
        return int(rows[0][0])
    rows = query(db_path(burst.stack, "registry"), "SELECT avg(length(payload)) FROM outbox")
    return int(rows[0][0] or 1000)


def api_section(burst: Burst, requests: int, concurrency: int) -> list[dict[str, Any]]:
    stack = burst.stack
    tasks = burst.tasks
    share = max(1, int(burst.result.chain.get("share_cases") or 1))
    unit = tasks[0]["unit"]
    cases = [t["id"] for t in tasks[:share]]
    offset = share  # reports on tasks outside the chain share, one new task per request
    # Each request as the caller who makes it in practice: the unit's own operator for its task
    # list and its reports (one token per unit, minted before the clock starts), the auditor for
    # timelines. /healthz is public: the baseline includes no token check.
    operators = {t["unit"]: bearer(stack, "unit", subject=f"operator@{t['unit']}", unit=t["unit"]) for t in tasks}
    auditor = office(stack, "auditor")

    def report(i: int) -> tuple[str, str, dict[str, Any]]:
        task = tasks[(offset + i) % len(tasks)]
        return ("POST", stack.url("progress") + "/reports", {"headers": operators[task["unit"]], "json": {
            "task_id": task["id"], "unit": task["unit"], "period": "2026Q3",
            "text": "已完成季度节点任务，正在推进下一阶段工作。"}})

    plans = [
        ("registry", "GET /healthz", lambda i: ("GET", stack.url("registry") + "/healthz", {}), None),
        ("registry", "GET /tasks?unit=…", lambda i: ("GET", stack.url("registry") + "/tasks",
                                                     {"params": {"unit": unit}, "headers": operators[unit]}),
         "GET /healthz"),
        # A unit operator's own list as its client pages it: led and co-led tasks, 50 at a time.
        ("registry", "GET /tasks?limit=50 (unit operator)", lambda i: ("GET", stack.url("registry") + "/tasks", {
            "params": {"limit": 50, "offset": 50 * (i % 4)}, "headers": operators[unit]}), "GET /healthz"),
        ("progress", "GET /healthz", lambda i: ("GET", stack.url("progress") + "/healthz", {}), None),
        ("progress", "POST /reports", report, "GET /healthz"),
        # 我的任务: the unit's red/yellow/green view with the reports it owes, as its operator opens it.
        ("progress", "GET /units/{unit}/tasks?view=due_soon", lambda i: (
            "GET", stack.url("progress") + f"/units/{unit}/tasks", {
                "params": {"view": "due_soon"}, "headers": operators[unit]}), "GET /healthz"),
        ("audit", "GET /healthz", lambda i: ("GET", stack.url("audit") + "/healthz", {}), None),
        ("audit", "GET /cases/{id}/timeline", lambda i: ("GET", stack.url("audit") + f"/cases/{cases[i % len(cases)]}"
                                                         "/timeline", {"headers": auditor}), "GET /healthz"),
    ]
    out: list[dict[str, Any]] = []
    for service, endpoint, make, versus in plans:
        summary = asyncio.run(api_load.load(make, requests=requests, concurrency=concurrency))
        per_second = round(summary.per_second, 1)
        row: dict[str, Any] = {"service": service, "endpoint": endpoint, "count": summary.count,
                               "errors": summary.errors, "p50_ms": round(summary.p50_ms, 1),
                               "p99_ms": round(summary.p99_ms, 1), "per_s": per_second}
        if versus:
            base = next(a for a in out if a["service"] == service and a["endpoint"] == versus)
            row["vs_healthz"] = round(ratio(per_second, base["per_s"]), 3)
        out.append(row)
        say(f"API {service} {endpoint}: p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, {row['per_s']}/s")
    return out


def drain_section(args: argparse.Namespace, data_dir: Path) -> list[dict[str, Any]]:
    """Each stage's backlog drain on SQLite; supervision's on PostgreSQL with one and two replicas."""
    if args.drain_events <= 0:
        return []
    runs: list[tuple[str, str | None, int]] = [(s, None, 1) for s in args.drain_stages.split(",") if s]
    if args.postgres and "supervision" in args.drain_stages:
        runs += [("supervision", args.postgres, 1), ("supervision", args.postgres, 2)]
    out = []
    for i, (stage, postgres, replicas) in enumerate(runs):
        profile = postgres is None and replicas == 1 and args.drain_profiles
        result = drain.run(stage, args.drain_events, data_dir / f"drain-{i}", postgres_url=postgres,
                           replicas=replicas, timeout=args.timeout, say=say,
                           profile_to=args.out / f"{args.stem}-profile-drain-{stage}.txt" if profile else None)
        out.append({**result.__dict__, "ratio": round(result.ratio, 4)})
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    stem = f"{today}-{args.tasks}"
    if (args.out / f"{stem}.md").exists():  # a second run the same day keeps the first report to compare with
        stem = f"{stem}-{datetime.now(UTC).strftime('%H%M')}"
    args.out.mkdir(parents=True, exist_ok=True)
    args.stem = stem
    r: dict[str, Any] = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
                         "args": " ".join(argv if argv is not None else sys.argv[1:]), "notes": []}
    r["settings"] = {"API concurrency": args.concurrency, "API requests per endpoint": args.api_requests,
                     "burst profiled (py-spy)": f"{args.profile_services} for {args.profile_seconds:.0f} s"
                     if args.profile_seconds > 0 else "no (measured without a profiler)",
                     "drains profiled (py-spy)": "yes" if args.drain_profiles else "no",
                     "timer sweep repetitions": args.timer_repetitions}
    scratch = Path(tempfile.mkdtemp(prefix="sanwei-bench-"))
    settings = BurstSettings(tasks=args.tasks, chain_share=args.chain_share, speed=args.speed, timeout=args.timeout,
                             profile_seconds=args.profile_seconds,
                             profile_services=tuple(s for s in args.profile_services.split(",") if s),
                             out_dir=args.out, stem=stem)
    burst = Burst(settings, scratch / "stack", say)
    try:
        say(f"starting nats-server and {len(SERVICE_NAMES)} services in {scratch}")
        burst.start()
        say(f"registering {args.tasks} tasks due on 2026-06-30")
        burst.register()
        say("restarting the services with the clock running towards midnight")
        burst.restart_with_running_clock()
        burst.run_burst()
        say(f"burst done: {burst.result.milestones}")
        r["api"] = api_section(burst, args.api_requests, args.concurrency)
        events = int(burst.result.audit.get("events_after_tick") or 0) or args.tasks
        size = envelope_size(burst)
        say(f"baseline: {events} messages of {size} bytes, raw nats-py JetStream on the same server")
        b, rates = asyncio.run(baseline.median_of(burst.stack.nats_url, events, size, times=3))
        r["baseline"] = {"messages": b.messages, "message bytes (avg task.overdue envelope)": b.size,
                         "runs (the median one is reported)": len(rates),
                         "end-to-end msgs/s of each run": ", ".join(f"{x:,.0f}" for x in rates),
                         "publish_async msgs/s": round(b.publish_per_second, 1),
                         "pull consume + ack msgs/s": round(b.consume_per_second, 1),
                         "end_to_end_per_s": round(b.end_to_end_per_second, 1)}
    except BaseException:
        args.keep = True
        say(f"failed; the stack's data and logs are kept in {scratch}")
        raise
    finally:
        burst.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
    r["burst"] = burst.result.__dict__
    with tempfile.TemporaryDirectory(prefix="sanwei-bench-drain-") as drain_dir:
        r["drain"] = drain_section(args, Path(drain_dir))
    r["notes"] += [d["profile_error"] for d in r["drain"] if d.get("profile_error")]
    sizes = tuple(int(x) for x in args.timer_sizes.split(",") if x)
    say(f"due-timer sweep among {sizes} stored timers")
    with tempfile.TemporaryDirectory(prefix="sanwei-bench-timers-") as timers_dir:
        sweeps = timer_scaling.run(Path(timers_dir), sizes, repetitions=args.timer_repetitions)
    r["timers"] = [s.__dict__ for s in sweeps]
    r["timer_ratio"] = round(sweeps[-1].median_ms / sweeps[0].median_ms, 3) if len(sweeps) > 1 else None
    r["profiles"] = {}
    recorded = {**burst.result.profiles,
                **{f"{d['service']} (draining {d['stage']})": d["profile"] for d in r["drain"] if d.get("profile")}}
    for name, path in recorded.items():
        with open(path, encoding="utf-8", errors="replace") as handle:
            total, self_top, incl_top = collapsed_profile_summary(handle, top=15)
        r["profiles"][name] = {"file": Path(path).name, "samples": total, "self": self_top, "inclusive": incl_top}
    e2e = burst.result.audit.get("end_to_end_per_s")
    base_e2e = (r.get("baseline") or {}).get("end_to_end_per_s")
    notices_s = burst.result.milestones.get("all 督办通知书 persisted")
    r["summary"] = [
        ["notices persisted after the tick (s)", notices_s, "—"],
        ["notices per second (N / that time)", round(args.tasks / notices_s, 1) if notices_s else None, "—"],
        ["sanwei end-to-end events/s (audit-recorded after tick / last record time)", e2e, "—"],
        ["raw JetStream publish+consume msgs/s (same server, same run)", base_e2e, "—"],
        ["ratio sanwei / raw", round(ratio(e2e or math.nan, base_e2e or math.nan), 4) if e2e and base_e2e else None,
         "≥ 0.25"],
        ["due-timer sweep ratio, largest / smallest store", r["timer_ratio"], "≤ 1.5"],
    ]
    sqlite_drains = [d for d in r["drain"] if d["database"] == "SQLite"]
    if sqlite_drains:
        slowest = min(sqlite_drains, key=lambda d: d["ratio"])
        r["summary"].append([f"backlog drain, slowest stage ({slowest['service']}) events/s ÷ raw consume",
                             slowest["ratio"], "≥ 0.25"])
    postgres = {d["replicas"]: d for d in r["drain"] if d["database"] == "PostgreSQL"}
    if 1 in postgres and 2 in postgres:
        r["summary"].append(["supervision drain on PostgreSQL, two replicas ÷ one",
                             round(ratio(postgres[2]["per_s"], postgres[1]["per_s"]), 2), "—"])
    r["noise"] = ("The machine was shared with other engineers' test runs while this ran (see the load average): "
                  "absolute numbers are noisy; the ratios within this one run are what count.")
    r["burst_method"] = (Burst.__module__ and (sys.modules[Burst.__module__].__doc__ or "").strip())
    r["drain_method"] = (drain.__doc__ or "").strip()
    r["charts"] = charts(r, args.out, stem)
    (args.out / f"{stem}.json").write_text(json.dumps(r, ensure_ascii=False, indent=1, default=str))
    (args.out / f"{stem}.md").write_text(render(r))
    say(f"report: {args.out / (stem + '.md')} ({time.monotonic() - started:.0f}s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
