"""Closed-loop HTTP load at a fixed concurrency: each of `concurrency` workers sends its
next request as soon as the previous one answered, until `requests` have been sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from sanwei.bench.stats import LatencySummary, summarize_latencies

RequestMaker = Callable[[int], tuple[str, str, dict[str, Any]]]  # i → (method, url, httpx kwargs incl. the bearer headers)


async def load(make: RequestMaker, *, requests: int, concurrency: int, ok: tuple[int, ...] = (200, 201)
               ) -> LatencySummary:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                method, url, kwargs = make(i)
                started = time.perf_counter()
                try:
                    response = await client.request(method, url, **kwargs)
                    good = response.status_code in ok
                except httpx.HTTPError:
                    good = False
                if good:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

        # a short warm-up (connections, caches), not counted
        for i in range(min(concurrency, requests)):
            method, url, kwargs = make(i)
            try:
                await client.request(method, url, **kwargs)
            except httpx.HTTPError:
                pass
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return summarize_latencies(latencies, errors, seconds)
