"""py-spy recordings of a running service, for the report's "where the time goes".

A recording takes CPU from the two cores the stack runs on (about a fifth of the burst's
throughput when four services were recorded at once, 2026-11-26), so the burst's figures
are measured without one by default and the profiles are taken while each stage drains
its backlog alone (sanwei.bench.drain).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Recording:
    name: str
    out: Path
    process: subprocess.Popen[bytes] | None
    error: str | None = None

    def stop(self) -> str | None:
        """Stop recording (py-spy writes what it has on SIGINT); the error, or None once `out` holds stacks."""
        if self.process is None:
            return self.error
        try:
            _, err = self.process.communicate(timeout=1)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGINT)
            _, err = self.process.communicate(timeout=60)
        if self.out.exists() and self.out.stat().st_size > 0:
            return None
        return f"py-spy could not profile {self.name}: {err.decode(errors='replace')[-300:]}"


def record(name: str, pid: int, out: Path, *, seconds: float, rate: int = 50) -> Recording:
    """Start recording `pid` for at most `seconds` (raw collapsed stacks into `out`)."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        return Recording(name, out, None, "py-spy not installed: no profile")
    process = subprocess.Popen(
        [str(spy), "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))), "--rate", str(rate),
         "--nonblocking", "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return Recording(name, out, process)
