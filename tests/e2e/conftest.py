"""The whole stack as real processes: nats-server and six services, on free ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rich.console import Console

from sanwei.demo import Demo, accelerated_stack
from sanwei.stack import SERVICES, Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = accelerated_stack(tmp_path_factory.mktemp("stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def demo(stack: Stack) -> Demo:
    return Demo(Console(width=200, record=True), {name: stack.url(name) for name in SERVICES}, stack.token)
