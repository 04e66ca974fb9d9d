"""Which events the progress service reacts to, and which use case handles each."""

from __future__ import annotations

from sanwei_contracts.events.registry import (
    TaskAssigned,
    TaskCompleted,
    TaskDeadlineSet,
    TaskExtensionApproved,
    TaskPaused,
    TaskResumed,
    TaskUpdated,
)
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import TimerHandler
from sanwei_progress.service import REPORT_DUE, ProgressService


def subscriptions(service: ProgressService) -> list[Subscription]:
    return [
        Subscription(TaskAssigned, service.on_task_assigned),
        Subscription(TaskDeadlineSet, service.on_task_deadline_set),
        Subscription(TaskUpdated, service.on_task_updated),
        Subscription(TaskCompleted, service.on_task_completed),
        Subscription(TaskPaused, service.on_task_paused),
        Subscription(TaskResumed, service.on_task_resumed),
        Subscription(TaskExtensionApproved, service.on_task_extension_approved),
    ]


def timer_handlers(service: ProgressService) -> dict[str, TimerHandler]:
    return {REPORT_DUE: service.on_report_due}
