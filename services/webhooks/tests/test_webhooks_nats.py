"""The webhooks service as its own process on a real nats-server: an event on JetStream reaches a receiver."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import nats
import pytest

from sanwei.stack import free_port
from sanwei_contracts.examples import example_envelope
from sanwei_contracts.streams import stream_for_subject
from sanwei_contracts.webhooks import verify_signature
from sanwei_kit.auth import Role
from sanwei_kit.testing import bearer, scrape_metrics, test_auth_settings, test_database_url, test_token

pytestmark = pytest.mark.integration

NOTICE_ISSUED = "sanwei.supervision.notice.v1.issued"


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"webhooks exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("webhooks did not become ready")


async def _publish(nats_url: str, event) -> None:  # type: ignore[no-untyped-def]
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().publish(event.type, event.model_dump_json().encode(),
                                         stream=stream_for_subject(event.type).name,
                                         headers={"Nats-Msg-Id": str(event.id)})
    finally:
        await client.close()


async def _wait_until_skipped(url: str, consumer: str, count: float, timeout: float = 30.0) -> None:
    key = ("sanwei_consumer_skipped_total", frozenset({("consumer", consumer)}))
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=url) as client:
        while (await scrape_metrics(client)).get(key) != count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{consumer} did not skip {count} events")
            await asyncio.sleep(0.05)


async def test_an_event_published_on_jetstream_is_delivered_signed(tmp_path: Path, nats_server: str, receiver) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SANWEI_NATS_URL": nats_server,
        "SANWEI_HTTP_PORT": str(port),
        "SANWEI_DATABASE_URL": test_database_url(tmp_path, "webhooks"),
        "SANWEI_DELIVERY_POLL_INTERVAL": "0.05",
        "SANWEI_LOG_FORMAT": "console",
        **{f"SANWEI_{key.upper()}": value for key, value in test_auth_settings().items()},
    }
    admin = bearer(test_token(Role.ADMIN))
    process = subprocess.Popen([sys.executable, "-m", "sanwei_webhooks", "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        # Before any subscription selects its type, an event is acknowledged unread: it is never delivered.
        unwanted = example_envelope(NOTICE_ISSUED).model_copy(update={"id": uuid.uuid4()})
        await _publish(nats_server, unwanted)
        await _wait_until_skipped(url, "webhooks__sanwei_supervision_notice_v1_issued", 1)

        sub = httpx.post(f"{url}/subscriptions", json={"url": receiver.url, "event_types": ["sanwei.supervision.*"]},
                         headers=admin)
        assert sub.status_code == 201, sub.text
        secret = sub.json()["secret"]

        event = example_envelope(NOTICE_ISSUED).model_copy(update={"id": uuid.uuid4()})
        await _publish(nats_server, event)

        [request] = receiver.wait_for(1, timeout=60)
        assert request.headers["Sanwei-Event-Id"] == str(event.id)
        verify_signature(secret, request.body, request.headers["Sanwei-Signature"], now=time.time())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            [delivery] = httpx.get(f"{url}/subscriptions/{sub.json()['id']}/deliveries", headers=admin).json()
            if delivery["state"] == "delivered":
                break
            time.sleep(0.05)
        assert delivery["state"] == "delivered" and delivery["last_status"] == 200
    finally:
        process.terminate()
        assert process.wait(timeout=30) in (0, -15)  # uvicorn re-raises SIGTERM after a graceful stop
