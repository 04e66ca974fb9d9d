"""Wires the audit service: the one factory, called at start, never at import."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sanwei_audit import handlers
from sanwei_audit.adapters.tables import kit, metadata
from sanwei_audit.api import build_router
from sanwei_audit.service import AuditService
from sanwei_audit.settings import AuditSettings
from sanwei_kit.runtime import Runtime

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: AuditSettings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or AuditSettings()
    runtime = runtime or Runtime(settings, metadata, kit)
    service = AuditService(runtime, verify_batch_size=settings.verify_batch_size)
    return runtime.build_app(
        title="sanwei audit",
        description="全链条追溯: every event of every track, hash-chained, and each case's timeline "
                    "(清单 → 进展 → 督导检查 → 媒体监督 → 纪委问责).",
        routers=[build_router(runtime, service)],
        subscriptions=handlers.subscriptions(service),
        timer_handlers=handlers.timer_handlers(service),
        migrations_dir=MIGRATIONS_DIR,
    )
