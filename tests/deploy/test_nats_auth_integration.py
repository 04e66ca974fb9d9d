"""The NATS users and permissions of deploy/k8s, on a real nats-server with the real services.

The accounts.conf the overlays render is started as it is (one node, on free loopback ports);
each of the six services connects as its own user, the way SANWEI_NATS_URL is composed in the
Deployments, and a case runs through the whole chain. Nothing may hit a permission violation
on the way, and a service must not be able to publish another's events or delete a stream.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import yaml
from nats.errors import TimeoutError as NatsTimeoutError
from rich.console import Console

from sanwei.demo import CLOCK_HOLD_SECONDS, DEMO_SPEED, DEMO_START, Demo
from sanwei.stack import SERVICES, Stack, free_ports, nats_server_binary
from sanwei_kit.nats_auth import inbox_prefix

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) is not on PATH"),
]

ROOT = Path(__file__).resolve().parents[2]
USERS = [*SERVICES, "admin", "sys"]
PROBE = "permission-probe"


def rendered_nats_files() -> dict[str, str]:
    out = subprocess.run(
        ["kubectl", "kustomize", str(ROOT / "deploy" / "k8s" / "overlays" / "dev")],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout
    for doc in yaml.safe_load_all(out):
        if doc and doc["kind"] == "ConfigMap" and doc["metadata"]["name"].startswith("sanwei-nats-config"):
            return doc["data"]
    raise AssertionError("no sanwei-nats-config ConfigMap in the dev overlay")


def localise(conf: str, *, port: int, monitor: int, data: Path) -> str:
    """The dev nats.conf on loopback ports and a temp store; everything else as rendered."""
    replacements = [
        (r'^listen: "0\.0\.0\.0:4222"$', f'listen: "127.0.0.1:{port}"'),
        (r"^http: 8222$", f'http: "127.0.0.1:{monitor}"'),
        (r'^pid_file: ".*"$', f'pid_file: "{data / "nats.pid"}"'),
        (r'^  store_dir: ".*"$', f'  store_dir: "{data / "jetstream"}"'),
    ]
    for pattern, replacement in replacements:
        conf, count = re.subn(pattern, replacement, conf, flags=re.M)
        assert count == 1, f"the rendered nats.conf no longer has a line matching {pattern}"
    return conf


def wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port} after {timeout}s")


class AuthStack(Stack):
    """The local stack, each service connecting with its own NATS user and password."""

    passwords: dict[str, str]
    monitor_port: int

    def service_env(self, name: str, *args: Any, **kwargs: Any) -> dict[str, str]:
        env = super().service_env(name, *args, **kwargs)
        env["SANWEI_NATS_URL"] = f"nats://{name}:{self.passwords[name]}@127.0.0.1:{self.nats_port}"
        return env


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthStack]:
    data = tmp_path_factory.mktemp("nats-auth")
    files = rendered_nats_files()
    port, monitor, *service_ports = free_ports(2 + len(SERVICES))
    (data / "accounts.conf").write_text(files["accounts.conf"], encoding="utf-8")
    (data / "nats.conf").write_text(localise(files["nats.conf"], port=port, monitor=monitor, data=data))
    passwords = {user: secrets.token_hex(16) for user in USERS}
    env = {"PATH": "/usr/bin:/bin", "SERVER_NAME": "sanwei-nats-0"}
    env |= {f"{user.upper()}_NATS_PASSWORD": password for user, password in passwords.items()}

    running = AuthStack(
        data / "stack",
        nats_port=port,
        ports=dict(zip(SERVICES, service_ports, strict=True)),
        clock_speed=DEMO_SPEED,
        clock_origin_sim=DEMO_START,
        clock_hold_seconds=CLOCK_HOLD_SECONDS,
    )
    running.passwords = passwords
    running.monitor_port = monitor
    log = (data / "nats.log").open("wb")
    running.processes["nats"] = subprocess.Popen(
        [nats_server_binary(), "-c", str(data / "nats.conf")],
        env=env, cwd=data, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for_port(port, timeout=20)
        running.start()
        yield running
    finally:
        running.stop()
        log.close()


def nats_log(stack: AuthStack) -> str:
    return (stack.data_dir.parent / "nats.log").read_text(encoding="utf-8", errors="replace")


def test_every_service_runs_the_chain_with_its_own_user_and_no_violation(stack: AuthStack) -> None:
    demo = Demo(Console(width=200, record=True), {name: stack.url(name) for name in SERVICES}, stack.token)
    demo.wait_for_clock_to_start()
    body = {
        "title": "NATS 权限测试",
        "tasks": [
            {"seq": "1", "title": "整治交通秩序。", "lead_unit": "区交警大队", "working_days": 1},
            {"seq": "2", "title": "推进企业上云。", "lead_unit": "区工信局", "working_days": 8},
        ],
    }
    whole_chain, in_time = demo.call("POST", "registry", "/task-lists", json=body)["tasks"]
    demo.complete_in_time(in_time)  # progress publishes, registry consumes
    demo.discipline(whole_chain)  # registry → supervision → media → discipline

    def timeline_types(task: dict[str, Any], last: str) -> list[str] | None:
        steps = demo.call("GET", "audit", f"/cases/{task['id']}/timeline")
        types = [s["type"] for s in steps]
        return types if last in types else None

    chain = demo.wait_for("the audit timeline", lambda: timeline_types(whole_chain, "sanwei.discipline.outcome.v1.published"))
    assert chain[0] == "sanwei.registry.task.v1.assigned"
    assert {t.split(".")[1] for t in chain} == {"registry", "supervision", "media", "discipline"}
    done = demo.wait_for("the completion", lambda: timeline_types(in_time, "sanwei.registry.task.v1.completed"))
    assert "sanwei.progress.completion.v1.accepted" in done

    # (the other test's deliberate violations come from a client named PROBE)
    violations = [line for line in nats_log(stack).splitlines() if "Violation" in line and PROBE not in line]
    assert not violations, violations
    connz = httpx.get(f"http://127.0.0.1:{stack.monitor_port}/connz?auth=1", timeout=5).json()
    assert {c.get("authorized_user") for c in connz["connections"]} >= set(SERVICES)


async def _attempts(stack: AuthStack) -> dict[str, Any]:
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    url = f"nats://127.0.0.1:{stack.nats_port}"
    registry = await nats.connect(
        url, user="registry", password=stack.passwords["registry"], error_cb=on_error, name=PROBE,
        inbox_prefix=inbox_prefix("registry"),  # the only inbox the registry user may read
    )
    admin = await nats.connect(url, user="admin", password=stack.passwords["admin"])
    try:
        outcome: dict[str, Any] = {}
        js = registry.jetstream(timeout=2)
        try:
            await js.publish("sanwei.media.exposure.v1.published", b"{}", stream="SANWEI_MEDIA")
            outcome["foreign publish"] = "accepted"
        except (NatsTimeoutError, nats.errors.NoRespondersError, nats.js.errors.APIError) as exc:
            outcome["foreign publish"] = type(exc).__name__
        try:
            await js.delete_stream("SANWEI_REGISTRY")
            outcome["delete stream"] = "accepted"
        except (NatsTimeoutError, nats.errors.NoRespondersError, nats.js.errors.APIError) as exc:
            outcome["delete stream"] = type(exc).__name__
        own = await js.publish("sanwei.registry.test.v1.permitted", b"{}", stream="SANWEI_REGISTRY")
        outcome["own publish"] = own.stream
        info = await admin.jetstream().stream_info("SANWEI_REGISTRY")
        outcome["stream still there"] = info.config.name
        await registry.flush()
        await asyncio.sleep(0.2)
        outcome["errors"] = errors
        return outcome
    finally:
        await registry.close()
        await admin.close()


def test_a_service_cannot_publish_another_services_events_or_delete_streams(stack: AuthStack) -> None:
    outcome = asyncio.run(_attempts(stack))
    assert outcome["foreign publish"] != "accepted"
    assert outcome["delete stream"] != "accepted"
    assert outcome["own publish"] == "SANWEI_REGISTRY"
    assert outcome["stream still there"] == "SANWEI_REGISTRY"
    assert any("permissions violation" in e.lower() and "sanwei.media" in e for e in outcome["errors"]), outcome["errors"]
    log = "\n".join(line for line in nats_log(stack).splitlines() if PROBE in line)
    assert re.search(r"Publish Violation.*sanwei\.media\.exposure", log)
    assert re.search(r"Publish Violation.*\$JS\.API\.STREAM\.DELETE\.SANWEI_REGISTRY", log)
