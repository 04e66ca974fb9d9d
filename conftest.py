"""Fixtures shared by every test directory: a real nats-server on a free port, and the
clean-up of the PostgreSQL databases tests made, services that accept test tokens (when `SANWEI_TEST_DATABASE_URL` is set)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sanwei.stack import Stack, free_port
from sanwei_kit.testing import drop_test_databases, postgres_test_server, test_auth_settings


@pytest.fixture(autouse=True)
def services_accept_test_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any service settings a test builds verify `sanwei_kit.testing.test_token`s."""
    for key, value in test_auth_settings().items():
        monkeypatch.setenv(f"SANWEI_{key.upper()}", value)


@pytest.fixture(autouse=True)
def drop_test_databases_after_each_test() -> Iterator[None]:
    """Each test's fresh PostgreSQL databases (from `test_database_url`) go when it ends."""
    yield
    if postgres_test_server() is not None:
        drop_test_databases()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[str]:
    """A fresh nats-server with JetStream in a temp dir; yields its URL."""
    stack = Stack(tmp_path / "nats-stack", nats_port=free_port(), ports={})
    stack.start_nats()
    try:
        yield stack.nats_url
    finally:
        stack.stop()
