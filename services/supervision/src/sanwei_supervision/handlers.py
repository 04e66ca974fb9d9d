"""Which events and timers the supervision service reacts to, and which use case handles each."""

from __future__ import annotations

from sanwei_contracts.events.registry import TaskOverdue
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import TimerHandler
from sanwei_supervision.service import NOTICE_DUE, SupervisionService


def subscriptions(service: SupervisionService) -> list[Subscription]:
    return [Subscription(TaskOverdue, service.on_task_overdue, handle_many=service.on_tasks_overdue)]


def timer_handlers(service: SupervisionService) -> dict[str, TimerHandler]:
    return {NOTICE_DUE: service.on_notice_due}
