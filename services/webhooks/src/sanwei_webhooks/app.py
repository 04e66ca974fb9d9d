"""Wires the webhooks service: the one factory, called at start, never at import."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sanwei_kit.clock import Clock
from sanwei_kit.runtime import Runtime
from sanwei_webhooks import handlers
from sanwei_webhooks.adapters.metrics import register_metrics
from sanwei_webhooks.adapters.sender import HttpSender
from sanwei_webhooks.adapters.tables import kit, metadata
from sanwei_webhooks.api import build_router
from sanwei_webhooks.domain.delivery import RetryPolicy
from sanwei_webhooks.service import WebhookService
from sanwei_webhooks.settings import WebhooksSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(
    settings: WebhooksSettings | None = None, *, runtime: Runtime | None = None, wall: Clock | None = None
) -> FastAPI:
    settings = settings or WebhooksSettings()
    runtime = runtime or Runtime(settings, metadata, kit)
    register_metrics(runtime)
    policy = RetryPolicy(max_attempts=settings.delivery_max_attempts, base_delay=settings.delivery_base_delay,
                         max_delay=settings.delivery_max_delay)
    service = WebhookService(runtime, policy, wall=wall)
    loop = handlers.DeliveryLoop(
        service,
        HttpSender(timeout=settings.delivery_timeout, excerpt_chars=settings.response_excerpt_chars),
        concurrency=settings.delivery_concurrency,
        per_subscription=settings.delivery_concurrency_per_subscription,
        poll_interval=settings.delivery_poll_interval,
        batch_size=settings.delivery_batch_size,
        lease=settings.delivery_timeout + 30.0,
    )
    runtime.add_background(loop)
    app = runtime.build_app(
        title="sanwei webhooks",
        description="事件推送: external systems (OA, 12345 热线, 互联网+督查) subscribe to event types and receive "
                    "each event as a signed HTTP POST (Sanwei-Signature: t=…,v1=HMAC-SHA256), retried with "
                    "backoff; every delivery's state is visible.",
        routers=[build_router(service)],
        subscriptions=handlers.subscriptions(service),
        timer_handlers=handlers.timer_handlers(service),
        migrations_dir=MIGRATIONS_DIR,
    )
    app.state.delivery_loop = loop
    return app
