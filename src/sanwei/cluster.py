"""A local NATS cluster for the chaos tests: three nats-servers with JetStream, routed to
each other on free ports, each with its own store (`sync_interval: always`: an
acknowledged message is on disk on every replica, so a SIGKILLed node loses nothing).

`ClusterStack` is the ordinary `Stack` (every service as its own process) whose services
get all three client URLs and create their streams with three replicas.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import nats
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError, ServiceUnavailableError

from sanwei.stack import (
    Stack,
    _wait_for_port,
    _wait_or_kill,
    free_ports,
    nats_authorization,
    nats_config,
    nats_server_binary,
    write_private,
)

CLUSTER_NAME = "sanwei"
T = TypeVar("T")


def node_config(name: str, port: int, route_port: int, store_dir: Path, routes: list[int], *,
                authorization: str = "") -> str:
    """One node's config: the single-server config (and its users) plus its name and the cluster routes."""
    route_urls = ", ".join(f"nats-route://127.0.0.1:{p}" for p in routes)
    return (
        f"server_name: {name}\n"
        + f"cluster {{\n  name: {CLUSTER_NAME}\n  host: 127.0.0.1\n  port: {route_port}\n"
        f"  routes: [{route_urls}]\n}}\n"
        + nats_config(port, store_dir, sync_always=True, authorization=authorization)
    )


@dataclass
class NatsCluster:
    """Three (or `size`) nats-servers; a node can be killed and started again on its store."""

    data_dir: Path
    size: int = 3
    client_ports: dict[str, int] = field(default_factory=dict)
    route_ports: dict[str, int] = field(default_factory=dict)
    nodes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    authorization: str = ""  # users and permissions, the same on every node (sanwei.stack.nats_authorization)
    admin_urls: list[str] = field(default_factory=list)  # what `wait_for_jetstream` connects with; default `urls`

    def __post_init__(self) -> None:
        ports = iter(free_ports(2 * self.size))  # all distinct (see free_ports)
        for i in range(1, self.size + 1):
            name = f"n{i}"
            self.client_ports.setdefault(name, next(ports))
            self.route_ports.setdefault(name, next(ports))

    @property
    def names(self) -> list[str]:
        return list(self.client_ports)

    @property
    def urls(self) -> list[str]:
        return [f"nats://127.0.0.1:{port}" for port in self.client_ports.values()]

    def start_node(self, name: str) -> None:
        store = self.data_dir / name / "jetstream"
        store.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / name / "nats.conf"
        routes = [port for other, port in self.route_ports.items() if other != name]
        write_private(config, node_config(name, self.client_ports[name], self.route_ports[name], store, routes,
                                          authorization=self.authorization))
        log = open(self.data_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps its own copy
        self.nodes[name] = subprocess.Popen([nats_server_binary(), "-c", str(config)], stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        _wait_for_port(self.client_ports[name], timeout=20)

    def start(self, timeout: float = 60) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for name in self.names:
            if name not in self.nodes:
                self.start_node(name)
        self.wait_for_jetstream(timeout)

    def wait_for_jetstream(self, timeout: float = 60) -> None:
        """Until the cluster can create a stream replicated on every node (meta leader, all peers)."""
        asyncio.run(_wait_for_jetstream(self.admin_urls or self.urls, self.size, timeout))

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.nodes.pop(name)
        process.send_signal(sig)
        process.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        for process in self.nodes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        while self.nodes:
            _wait_or_kill(self.nodes.popitem()[1], timeout)


async def _wait_for_jetstream(urls: list[str], replicas: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    probe_name = "CLUSTER_PROBE"
    probe = StreamConfig(name=probe_name, subjects=["cluster.probe"], num_replicas=replicas,
                         storage=StorageType.MEMORY)
    while time.monotonic() < deadline:
        try:
            nc = await nats.connect(servers=urls, connect_timeout=2, max_reconnect_attempts=1)
            try:
                js = nc.jetstream()
                await js.add_stream(probe)
                await js.delete_stream(probe_name)
                return
            finally:
                await nc.close()
        except Exception as exc:  # not yet: no meta leader, or a peer still starting or catching up
            last = exc
            await asyncio.sleep(0.5)
    raise TimeoutError(f"JetStream not available on the cluster after {timeout}s: {last!r}")


@dataclass
class ClusterStack(Stack):
    """Every service against a NATS cluster, its streams replicated on every node."""

    cluster: NatsCluster | None = None

    def __post_init__(self) -> None:
        if self.cluster is None:
            self.cluster = NatsCluster(self.data_dir / "nats-cluster")
        if self.nats_auth:
            self.cluster.authorization = nats_authorization(self.nats_passwords)
            self.cluster.admin_urls = self.nats_url.split(",")
        self.env = {"SANWEI_STREAM_REPLICAS": str(self.cluster.size), **self.env}

    def nats_url_for(self, user: str) -> str:
        """Every node's URL as `user`, comma-separated (SANWEI_NATS_URL): clients fail over between them."""
        assert self.cluster is not None
        if not self.nats_auth:
            return ",".join(self.cluster.urls)
        login = f"{user}:{self.nats_passwords[user]}@"
        return ",".join(url.replace("nats://", f"nats://{login}") for url in self.cluster.urls)

    def start_nats(self) -> None:
        """Start the nodes not running (`Stack.start` calls this instead of starting one server)."""
        assert self.cluster is not None
        self.cluster.start()

    def stop(self, timeout: float = 20) -> None:
        super().stop(timeout)  # services first: they drain into the cluster
        assert self.cluster is not None
        self.cluster.stop(timeout)



async def stream_message_ids(js: JetStreamContext, stream: str, *, timeout: float = 120) -> tuple[int, list[str]]:
    """(messages the stream reports, the Nats-Msg-Id of every message read back one by one).

    A node just restarted may leave the stream briefly without a leader (503): read again.
    """
    deadline = time.monotonic() + timeout

    async def retrying(call: Callable[[], Awaitable[T]]) -> T:
        while True:
            try:
                return await call()
            except (ServiceUnavailableError, nats.errors.TimeoutError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    info = await retrying(lambda: js.stream_info(stream))
    ids: list[str] = []
    if not info.state.messages:
        return 0, ids  # an empty stream reports first_seq 0, which no message has
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            msg = await retrying(partial(js.get_msg, stream, seq))
        except NotFoundError:
            continue  # a gap: nothing stored at this sequence
        ids.append((msg.headers or {}).get("Nats-Msg-Id", ""))
    return info.state.messages, ids
