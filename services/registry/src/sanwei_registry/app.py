"""Wires the registry service: the one factory, called at start, never at import."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sanwei_kit.runtime import Runtime
from sanwei_kit.unit_index import UnitIndex, UnitIndexRepair
from sanwei_registry import handlers
from sanwei_registry.adapters.calendar_repository import CalendarRefresher, file_overrides
from sanwei_registry.adapters.metrics import register_metrics
from sanwei_registry.adapters.tables import kit, metadata, task_units, tasks
from sanwei_registry.api import build_router
from sanwei_registry.service import RegistryService
from sanwei_registry.settings import RegistrySettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: RegistrySettings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    runtime = runtime or Runtime(settings, metadata, kit)
    register_metrics(runtime)
    base_overrides = file_overrides(settings.calendar_overrides_file)
    refresher = CalendarRefresher(runtime, settings.calendar_refresh_seconds, base_overrides)
    service = RegistryService(runtime, yellow_days=settings.yellow_warning_working_days,
                              reminder_hour=settings.reminder_hour, base_overrides=base_overrides)
    runtime.add_background(refresher)
    runtime.add_background(UnitIndexRepair(runtime.db, UnitIndex(task_units), tasks))
    return runtime.build_app(
        title="sanwei registry",
        description="任务清单 (清单式管理): task lists, tasks, 牵头单位/配合单位, deadlines in 工作日.",
        routers=[build_router(runtime, service, settings.max_upload_bytes)],
        subscriptions=handlers.subscriptions(service),
        timer_handlers=handlers.timer_handlers(service),
        migrations_dir=MIGRATIONS_DIR,
    )
