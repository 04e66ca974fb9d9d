"""The local stack's ports: distinct for every process, and a service that could not listen is named."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from sanwei.stack import SERVICES, Stack, free_ports, free_service_ports


def test_ports_taken_together_are_distinct() -> None:
    for _ in range(20):
        ports = free_ports(50)
        assert len(set(ports)) == 50
    nats_port, ports = free_service_ports()
    assert set(ports) == set(SERVICES)
    assert len({nats_port, *ports.values()}) == len(SERVICES) + 1


class _Discipline(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b'{"status": "ready", "service": "discipline"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_port_answered_by_another_service_is_not_taken_for_ready(tmp_path: Path) -> None:
    """Two services given one port: the second could not listen, and the first answered its /readyz."""
    server = HTTPServer(("127.0.0.1", 0), _Discipline)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        nats_port, ports = free_service_ports()
        stack = Stack(tmp_path, nats_port=nats_port, ports={**ports, "registry": server.server_port})
        with pytest.raises(RuntimeError, match=r"registry's port \d+ is answered by discipline"):
            stack.wait_ready("registry", timeout=5)
    finally:
        server.shutdown()
