"""The HTTP side of a delivery: one POST, its answer (or why there was none)."""

from __future__ import annotations

import httpx

from sanwei_webhooks.domain.delivery import AttemptOutcome, excerpt


class HttpSender:
    """POSTs with one pooled client; never follows redirects (a receiver's URL is what it registered)."""

    def __init__(self, *, timeout: float, excerpt_chars: int, user_agent: str = "sanwei-webhooks/1") -> None:
        self._timeout = timeout
        self._excerpt_chars = excerpt_chars
        self._user_agent = user_agent
        self._client: httpx.AsyncClient | None = None

    def _ensure_client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False,
                                             headers={"User-Agent": self._user_agent})
        return self._client

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> AttemptOutcome:
        client = self._ensure_client()
        try:
            async with client.stream("POST", url, content=body, headers=headers) as response:
                kept = bytearray()
                limit = self._excerpt_chars * 4 + 4  # UTF-8: up to 4 bytes a character
                async for chunk in response.aiter_bytes():
                    kept.extend(chunk[: limit - len(kept)])
                    if len(kept) >= limit:
                        break
                text = kept.decode("utf-8", errors="replace")
                return AttemptOutcome(status=response.status_code,
                                      body_excerpt=excerpt(text, self._excerpt_chars), error=None)
        except httpx.TimeoutException as exc:
            return AttemptOutcome(status=None, body_excerpt=None,
                                  error=f"timeout after {self._timeout:g} s ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            return AttemptOutcome(status=None, body_excerpt=None, error=f"{type(exc).__name__}: {exc}")

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
