"""Wires the discipline service: the one factory, called at start, never at import."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sanwei_discipline import handlers
from sanwei_discipline.adapters.metrics import register_metrics
from sanwei_discipline.adapters.tables import kit, metadata
from sanwei_discipline.api import build_router
from sanwei_discipline.service import DisciplineService
from sanwei_discipline.settings import DisciplineSettings
from sanwei_kit.runtime import Runtime

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: DisciplineSettings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or DisciplineSettings()
    runtime = runtime or Runtime(settings, metadata, kit)
    register_metrics(runtime)
    runtime.confidential = True  # its dead letters quote clues: the 纪委's alone (kit restricts the routes)
    service = DisciplineService(runtime, due_working_days=settings.clue_due_working_days,
                                receipt_working_days=settings.clue_receipt_working_days,
                                escalation_commission=settings.escalation_commission)
    return runtime.build_app(
        title="sanwei discipline",
        description="纪委 党风政风监督室 (confidential): 问题线索 registered from referrals, 分办/转办 with a 办理时限, "
                    "处置, 问责决定, and the redacted 通报曝光 of outcomes.",
        routers=[build_router(runtime, service)],
        subscriptions=handlers.subscriptions(service),
        timer_handlers=handlers.timer_handlers(service),
        migrations_dir=MIGRATIONS_DIR,
    )
