"""Oversized request bodies are refused with 413 and a reason, declared or streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, Request

from sanwei_kit.http import BodySizeLimit
from sanwei_kit.settings import ServiceSettings
from sanwei_kit.testing import anonymous_client

pytestmark = pytest.mark.unit

LIMIT = 1000


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(BodySizeLimit, max_bytes=LIMIT)

    @app.post("/echo")
    async def echo(body: dict[str, str]) -> dict[str, int]:
        return {"keys": len(body)}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


async def _chunks(total: int, size: int = 100) -> AsyncIterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


def test_the_default_limit_is_sixteen_mebibytes():
    assert ServiceSettings().max_request_bytes == 16 * 1024 * 1024


async def test_a_body_within_the_limit_passes():
    async with anonymous_client(_app()) as client:
        response = await client.post("/echo", json={"a": "b" * 100})
        assert response.status_code == 200, response.text
        assert (await client.post("/raw", content=b"x" * LIMIT)).json() == {"bytes": LIMIT}


async def test_a_declared_content_length_over_the_limit_is_refused_before_reading():
    async with anonymous_client(_app()) as client:
        response = await client.post("/echo", json={"a": "b" * (LIMIT + 10)})
    assert response.status_code == 413
    assert response.json()["detail"] == {"reason": f"request body larger than {LIMIT} bytes", "field": "body"}


async def test_a_chunked_body_is_cut_off_when_it_passes_the_limit():
    async with anonymous_client(_app()) as client:
        # A generator body goes out chunked: no Content-Length to trust.
        for path in ("/raw", "/echo"):
            response = await client.post(path, content=_chunks(LIMIT * 5), headers={"content-type": "application/json"})
            assert "content-length" not in response.request.headers
            assert response.status_code == 413, (path, response.text)
            assert "larger than 1000 bytes" in response.json()["detail"]["reason"]
        small = await client.post("/raw", content=_chunks(LIMIT))
        assert small.json() == {"bytes": LIMIT}


async def test_a_lying_content_length_does_not_let_more_through():
    app = _app()
    received: list[dict] = []

    async def receive() -> dict:
        message = {"type": "http.request", "body": b"x" * 600, "more_body": len(received) < 3}
        received.append(message)
        return message

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/raw", "raw_path": b"/raw", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"test"), (b"content-length", b"10")], "server": ("test", 80), "client": None}
    await app(scope, receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert len(received) == 2  # stopped reading at the first chunk past the limit
