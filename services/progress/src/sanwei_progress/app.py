"""Wires the progress service: the one factory, called at start, never at import."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sanwei_kit.runtime import Runtime
from sanwei_kit.unit_index import UnitIndex, UnitIndexRepair
from sanwei_progress import handlers
from sanwei_progress.adapters.metrics import register_metrics
from sanwei_progress.adapters.tables import kit, metadata, task_units, tasks
from sanwei_progress.api import build_router
from sanwei_progress.service import ProgressService
from sanwei_progress.settings import ProgressSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: ProgressSettings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or ProgressSettings()
    runtime = runtime or Runtime(settings, metadata, kit)
    register_metrics(runtime)
    service = ProgressService(runtime, settings)
    runtime.add_background(UnitIndexRepair(runtime.db, UnitIndex(task_units), tasks))
    return runtime.build_app(
        title="sanwei progress",
        description="进展调度: progress reports per task and period (最多报一次), completion claims (完成销号) "
                    "and their verification by the issuing unit.",
        routers=[build_router(runtime, service)],
        subscriptions=handlers.subscriptions(service),
        timer_handlers=handlers.timer_handlers(service),
        migrations_dir=MIGRATIONS_DIR,
    )
