"""Fixtures shared by every test directory: a real nats-server on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sanwei.stack import Stack, free_port


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[str]:
    """A fresh nats-server with JetStream in a temp dir; yields its URL."""
    stack = Stack(tmp_path / "nats-stack", nats_port=free_port(), ports={})
    stack.start_nats()
    try:
        yield stack.nats_url
    finally:
        stack.stop()
