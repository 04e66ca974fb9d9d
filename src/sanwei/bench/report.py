"""Rendering the benchmark's results (a plain dict) as markdown, and its PNG charts."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if value != 0 and abs(value) < 1:
            return f"{value:.3g}"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(r: dict[str, Any]) -> str:
    """The whole report. `r` is what `sanwei.bench.__main__` collects (also written as JSON)."""
    out: list[str] = []
    burst = r.get("burst") or {}
    settings = burst.get("settings", {})
    out.append(f"# sanwei benchmark — {r['date']}, N = {fmt(settings.get('tasks'))}")
    out.append("")
    out.append(f"Reproduce: `uv run task bench -- {r.get('args', '')}`. " + r.get("noise", ""))
    out.append("")
    out.append("## Summary")
    out.append("")
    out.append(table(["figure", "value", "target"], r.get("summary", [])))
    out.append("")
    out.append("## Machine and versions")
    out.append("")
    out.append(table(["", ""], [[k, v] for k, v in r.get("machine", {}).items()]))
    out.append("")
    out.append("## Settings")
    out.append("")
    out.append(table(["setting", "value"], [[k, v] for k, v in {**settings, **r.get("settings", {})}.items()]))
    out.append("")
    out.append("## 1. Quarter-end burst")
    out.append("")
    out.append(r.get("burst_method", ""))
    out.append("")
    setup = burst.get("setup", {})
    if setup:
        out.append(table(["setup", "value"], [[k, v] for k, v in setup.items()]))
        out.append("")
    out.append("Milestones, seconds after the tick (— = not reached):")
    out.append("")
    out.append(table(["milestone", "s after tick"], [[k, v] for k, v in burst.get("milestones", {}).items()]))
    out.append("")
    out.append("Events per stage, from each service's outbox (created after the tick); rate = count / "
               "(last − first) of that stage:")
    out.append("")
    out.append(table(["service", "event", "count", "first (s)", "last (s)", "events/s"],
                     [[s["service"], s["event"], s["count"], s["first_s"], s["last_s"], s["per_s"]]
                      for s in burst.get("stages", [])]))
    out.append("")
    audit = burst.get("audit", {})
    if audit:
        out.append("Audit (the last consumer of every event):")
        out.append("")
        out.append(table(["audit", "value"], [[k, v] for k, v in audit.items()]))
        out.append("")
    cpu = burst.get("cpu", {})
    if cpu:
        total = sum(cpu.values()) or 1.0
        settled = next(reversed(burst.get("milestones", {}).values()), None)
        out.append("CPU time each process used from the tick until the burst settled (user + system, from "
                   "/proc); the machine offers nproc × that wall time"
                   + (f" ({settled:.1f} s)" if settled else "") + ":")
        out.append("")
        out.append(table(["process", "CPU s", "share"],
                         [[name, seconds, f"{seconds / total:.0%}"]
                          for name, seconds in sorted(cpu.items(), key=lambda item: -item[1])]
                         + [["all", round(total, 1), "100%"]]))
        out.append("")
    chain = burst.get("chain", {})
    if chain:
        out.append(table(["chain share", "value"], [[k, v] for k, v in chain.items()]))
        out.append("")
    if r.get("charts", {}).get("burst"):
        out.append(f"![stages over time]({r['charts']['burst']})")
        out.append("")
    out.append("## 2. Baseline: raw nats-py JetStream on the same server")
    out.append("")
    base = r.get("baseline") or {}
    if base:
        out.append(table(["baseline", "value"], [[k, v] for k, v in base.items()]))
        out.append("")
    if r.get("charts", {}).get("rates"):
        out.append(f"![events per second per stage vs the baseline]({r['charts']['rates']})")
        out.append("")
    drains = r.get("drain", [])
    if drains:
        out.append("## 2b. Backlog drain per stage (the calendar taken out)")
        out.append("")
        out.append(r.get("drain_method", ""))
        out.append("")
        out.append(table(["stage", "service", "database", "replicas", "events", "first output (s)",
                          "all persisted (s)", "sanwei events/s", "raw consume msgs/s", "ratio", "CPU ms / event"],
                         [[d["stage"], d["service"], d["database"], d["replicas"], d["events"], d["first_output_s"],
                           d["drained_s"], d["per_s"], d["raw_consume_per_s"], d["ratio"], d.get("cpu_ms_per_event")]
                          for d in drains]))
        out.append("")
        out.append("CPU ms / event: user + system CPU of the service's processes from its first output to the "
                   "last, per event persisted in between (the boot left out): what a stage costs, less "
                   "sensitive than a rate to what else the machine runs.")
        out.append("")
    if r.get("charts", {}).get("drain"):
        out.append(f"![backlog drain per stage]({r['charts']['drain']})")
        out.append("")
    out.append("## 3. Scaling of the due-timer sweep")
    out.append("")
    sweeps = r.get("timers", [])
    if sweeps:
        out.append(table(["stored timers", "due", "found", "repetitions", "median ms", "best ms", "bulk load s"],
                         [[t["stored"], t["due"], t["found"], t["repetitions"], t["median_ms"], t["best_ms"],
                           t["insert_seconds"]] for t in sweeps]))
        out.append("")
        out.append(f"Ratio largest / smallest (median): **{fmt(r.get('timer_ratio'), 2)}** (target ≤ 1.5). "
                   "Query plan (EXPLAIN QUERY PLAN) of the largest:")
        out.append("")
        out.append("```")
        out.extend(sweeps[-1]["plan"])
        out.append("```")
        out.append("")
    out.append("## 4. API latency at a fixed concurrency")
    out.append("")
    api = r.get("api", [])
    if api:
        out.append(table(["service", "endpoint", "requests", "errors", "p50 ms", "p99 ms", "req/s",
                          "req/s ÷ /healthz"],
                         [[a["service"], a["endpoint"], a["count"], a["errors"], a["p50_ms"], a["p99_ms"],
                           a["per_s"], a.get("vs_healthz")] for a in api]))
        out.append("")
    if r.get("charts", {}).get("api"):
        out.append(f"![API latency]({r['charts']['api']})")
        out.append("")
    out.append("## 5. Memory (RSS, MiB)")
    out.append("")
    mem = burst.get("memory", {})
    if mem:
        moments = list(mem)
        names = sorted({n for m in mem.values() for n in m})
        out.append(table(["process", *moments], [[n, *[mem[m].get(n) for m in moments]] for n in names]))
        out.append("")
    out.append("## 6. Where the time goes (profile)")
    out.append("")
    out.append("py-spy (50 Hz, sampling without stopping the process) recorded each stage's service while it "
               "drained its backlog (§2b); the burst is measured without a recording unless `--profile-seconds` "
               "is given, because py-spy takes CPU from the same two cores.")
    out.append("")
    for name, prof in r.get("profiles", {}).items():
        out.append(f"### {name}: {fmt(prof['samples'])} busy samples (idle waits left out), "
                   f"raw stacks in `{prof['file']}`")
        out.append("")
        out.append(table(["frame (inclusive)", "share"],
                         [[f"`{f}`", f"{c / max(prof['samples'], 1):.0%}"] for f, c in prof["inclusive"]]))
        out.append("")
        out.append(table(["frame (self, leaf)", "share"],
                         [[f"`{f}`", f"{c / max(prof['samples'], 1):.0%}"] for f, c in prof["self"]]))
        out.append("")
    if r.get("reading"):
        out.append(r["reading"])
        out.append("")
    notes = burst.get("notes", []) + r.get("notes", [])
    if notes:
        out.append("## Notes")
        out.append("")
        out.extend(f"- {n}" for n in notes)
        out.append("")
    return "\n".join(out)


def charts(r: dict[str, Any], out_dir: Path, stem: str) -> dict[str, str]:
    """PNG charts beside the report; returns their file names by kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: dict[str, str] = {}
    burst = r.get("burst") or {}
    samples = burst.get("samples", [])
    if samples:
        fig, ax = plt.subplots(figsize=(9, 4.5))
        t = [s["t"] for s in samples]
        for key, label in (("overdue", "task.overdue"), ("notices", "notices"),
                           ("exposures", "exposures"), ("clues", "clues"), ("audit", "audit events")):
            ax.plot(t, [s.get(key, 0) for s in samples], label=label)
        ax.set_xlabel("seconds after the tick")
        ax.set_ylabel("count")
        ax.set_title("Quarter-end burst: cumulative count per stage")
        ax.legend()
        ax.grid(alpha=0.3)
        name = f"{stem}-burst.png"
        fig.tight_layout()
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        made["burst"] = name
    stages = [s for s in burst.get("stages", []) if s.get("per_s")]
    base = r.get("baseline") or {}
    if stages:
        labels = [s["event"] for s in stages]
        values = [s["per_s"] for s in stages]
        if base.get("end_to_end_per_s"):
            labels += ["sanwei end-to-end (audit)", "raw JetStream publish+consume"]
            values += [burst.get("audit", {}).get("end_to_end_per_s") or 0, base["end_to_end_per_s"]]
        fig, ax = plt.subplots(figsize=(9, 0.35 * len(labels) + 1.5))
        colors = ["tab:blue"] * len(stages) + ["tab:green", "tab:gray"][: len(labels) - len(stages)]
        ax.barh(labels, values, color=colors)
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel("events per second (log)")
        ax.set_title("Events/s per stage vs the raw JetStream baseline")
        fig.tight_layout()
        name = f"{stem}-rates.png"
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        made["rates"] = name
    drains = r.get("drain", [])
    if drains:
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(drains) + 1.5))
        labels = [f"{d['service']} ×{d['replicas']} {d['database']}" for d in drains]
        ax.barh(labels, [d["per_s"] for d in drains], color="tab:blue", label="sanwei stage, persisted/s")
        ax.barh(labels, [d["raw_consume_per_s"] for d in drains], color="tab:gray", alpha=0.3,
                label="raw JetStream consume, same messages")
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel("events per second (log)")
        ax.set_title("Backlog drain: each stage vs raw JetStream consuming the same messages")
        ax.legend(fontsize=8)
        fig.tight_layout()
        name = f"{stem}-drain.png"
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        made["drain"] = name
    api = r.get("api", [])
    if api:
        fig, ax = plt.subplots(figsize=(9, 4))
        labels = [f"{a['service']} {a['endpoint']}" for a in api]
        x = range(len(api))
        ax.bar([i - 0.2 for i in x], [a["p50_ms"] for a in api], width=0.4, label="p50")
        ax.bar([i + 0.2 for i in x], [a["p99_ms"] for a in api], width=0.4, label="p99")
        ax.set_xticks(list(x), labels, rotation=25, ha="right", fontsize=8)
        ax.set_ylabel("ms")
        ax.set_yscale("log")
        ax.set_title("API latency at fixed concurrency")
        ax.legend()
        fig.tight_layout()
        name = f"{stem}-api.png"
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        made["api"] = name
    return made
