"""The webhooks app, and a real HTTP receiver on a free port, in a thread: what an integrator's endpoint would be."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sanwei_kit.clock import FakeClock
from sanwei_kit.testing import build_test_app
from sanwei_webhooks.adapters.tables import kit, metadata
from sanwei_webhooks.app import create_app
from sanwei_webhooks.settings import WebhooksSettings


@pytest.fixture
def app(tmp_path):  # type: ignore[no-untyped-def]
    """The webhooks app on a fresh SQLite file and TestNatsBroker, its clock held on a working morning."""
    return build_test_app(create_app, WebhooksSettings, metadata, kit, tmp_path,
                          FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC)))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    status: int = 200
    answer: bytes = b'{"ok": true}'
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            if state.delay:
                time.sleep(state.delay)
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(state.answer)))
                self.end_headers()
                self.wfile.write(state.answer)
            except OSError:  # the sender gave up waiting and closed the connection
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/sanwei"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
