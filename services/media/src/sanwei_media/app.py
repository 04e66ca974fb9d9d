"""Wires the media service: the one factory, called at start, never at import."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sanwei_kit.runtime import Runtime
from sanwei_media import handlers
from sanwei_media.adapters.tables import kit, metadata
from sanwei_media.api import build_router
from sanwei_media.service import MediaService
from sanwei_media.settings import MediaSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: MediaSettings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or MediaSettings()
    runtime = runtime or Runtime(settings, metadata, kit)
    service = MediaService(runtime, deadline_working_days=settings.exposure_deadline_working_days)
    return runtime.build_app(
        title="sanwei media",
        description="曝光台: exposures with a 整改时限, “整改进行时” follow-up, 再次曝光 and referral to 纪委, "
                    "and the public feed of published outcomes (问责一批、通报曝光一批).",
        routers=[build_router(runtime, service, settings.feed_limit)],
        subscriptions=handlers.subscriptions(service),
        timer_handlers=handlers.timer_handlers(service),
        migrations_dir=MIGRATIONS_DIR,
    )
