"""Wires the supervision service: the one factory, called at start, never at import."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sanwei_kit.runtime import Runtime
from sanwei_supervision import handlers
from sanwei_supervision.adapters.metrics import register_metrics
from sanwei_supervision.adapters.tables import kit, metadata
from sanwei_supervision.api import build_router
from sanwei_supervision.service import SupervisionService
from sanwei_supervision.settings import SupervisionSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: SupervisionSettings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or SupervisionSettings()
    runtime = runtime or Runtime(settings, metadata, kit)
    register_metrics(runtime)
    service = SupervisionService(runtime, settings)
    return runtime.build_app(
        title="sanwei supervision",
        description="指挥部/督查室: 督办通知书 (numbered, 整改时限 in 工作日, 三色督办 levels that escalate), "
                    "rectification reports (整改报告) and their review, 回头看, 模拟测评 scores and rankings "
                    "(日记分, 周通报, 月小结, referral to 纪委), 双随机 draws, inspections (一抽查一通报), "
                    "督查周报 / 专报 (xlsx, PDF). See docs/supervision.md.",
        routers=[build_router(runtime, service)],
        subscriptions=handlers.subscriptions(service),
        timer_handlers=handlers.timer_handlers(service),
        migrations_dir=MIGRATIONS_DIR,
    )
