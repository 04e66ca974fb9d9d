"""Wires the media service: the one factory, called at start, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from sanwei_kit.runtime import Runtime
from sanwei_media import handlers
from sanwei_media.adapters.hotline import CallbackDispatcher
from sanwei_media.adapters.metrics import register_metrics
from sanwei_media.adapters.tables import kit, metadata
from sanwei_media.api import build_router
from sanwei_media.service import MediaService
from sanwei_media.settings import MediaSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: MediaSettings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or MediaSettings()
    runtime = runtime or Runtime(settings, metadata, kit)
    register_metrics(runtime)
    service = MediaService(runtime, deadline_working_days=settings.exposure_deadline_working_days,
                           hotline_callback_url=settings.hotline_callback_url)
    dispatcher = CallbackDispatcher(
        runtime.db, runtime.clock, timeout=settings.hotline_callback_timeout,
        retry_delay=settings.hotline_callback_retry_delay, max_retry_delay=settings.hotline_callback_max_retry_delay,
        max_attempts=settings.hotline_callback_max_attempts, poll_interval=settings.hotline_callback_poll_interval,
    )
    app = runtime.build_app(
        title="sanwei media",
        description="曝光台: exposures with a 整改时限, “整改进行时” follow-up, 再次曝光 and referral to 纪委, "
                    "citizen clues (随手拍, 12345 热线工单) with their triage and status callbacks, and the public "
                    "feed of published outcomes (问责一批、通报曝光一批), with personal data redacted.",
        routers=[build_router(runtime, service, settings.feed_limit)],
        subscriptions=handlers.subscriptions(service),
        timer_handlers=handlers.timer_handlers(service),
        migrations_dir=MIGRATIONS_DIR,
    )
    app.state.callbacks = dispatcher
    runtime_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(inner: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(inner):
            dispatcher.start()
            try:
                yield
            finally:
                await dispatcher.stop()

    app.router.lifespan_context = lifespan
    return app
