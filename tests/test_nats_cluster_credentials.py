"""A service's NATS user survives the loss of the node it is connected to.

A 3-node cluster with per-service users: the service is given only ONE seed URL with its
user and password in it (as a Deployment composes SANWEI_NATS_URL). When that node dies the
client must log in to the nodes the cluster announced — which nats-py does only when the
credentials are connect options, not URL user info (`sanwei_kit.runtime.nats_servers_and_credentials`).
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest

from sanwei.cluster import NatsCluster
from sanwei.stack import SERVICES, nats_authorization
from sanwei_kit.runtime import nats_servers_and_credentials
from sanwei_kit.settings import ServiceSettings

pytestmark = pytest.mark.integration


def test_credentials_leave_the_urls_and_become_connect_options() -> None:
    servers, credentials = nats_servers_and_credentials("nats://registry:p%40ss@10.0.0.1:4222, nats://10.0.0.2:4222")
    assert servers == ["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"]
    assert credentials == {"user": "registry", "password": "p@ss"}
    assert nats_servers_and_credentials("nats://127.0.0.1:4222") == (["nats://127.0.0.1:4222"], {})


async def test_a_service_reconnects_to_an_announced_node_with_its_own_user(tmp_path: Path) -> None:
    from sanwei_kit.db import KitTables, new_metadata
    from sanwei_kit.runtime import Runtime

    passwords = {user: secrets.token_hex(12) for user in [*SERVICES, "admin", "sys"]}
    cluster = NatsCluster(tmp_path / "nats", authorization=nats_authorization(passwords))
    cluster.admin_urls = [url.replace("nats://", f"nats://admin:{passwords['admin']}@") for url in cluster.urls]
    await asyncio.to_thread(cluster.start)
    try:
        first, *_ = cluster.names
        seed = cluster.urls[0].replace("nats://", f"nats://registry:{passwords['registry']}@")
        settings = ServiceSettings(service_name="registry", nats_url=seed, database_url="sqlite+aiosqlite://")
        runtime = Runtime(settings, new_metadata(), KitTables(new_metadata()))
        await runtime.broker.connect()
        client = runtime.broker.connection
        assert client is not None
        for _ in range(100):  # the cluster announces its other nodes shortly after the connect
            if len(client.servers) >= cluster.size:
                break
            await asyncio.sleep(0.05)
        assert len(client.servers) >= cluster.size

        await asyncio.to_thread(cluster.kill, first)
        for _ in range(200):
            if client.is_connected and client.connected_url and client.connected_url.port != cluster.client_ports[first]:
                break
            await asyncio.sleep(0.05)
        assert client.is_connected, client.last_error
        assert client.connected_url.port != cluster.client_ports[first]
        await client.flush(timeout=5)
        await runtime.broker.stop()
    finally:
        await asyncio.to_thread(cluster.stop)
