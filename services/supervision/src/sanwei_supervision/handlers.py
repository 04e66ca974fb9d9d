"""Which events and timers the supervision service reacts to, and which use case handles each."""

from __future__ import annotations

from sanwei_contracts.events.registry import TaskOverdue
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import OnTimer
from sanwei_supervision.service import NOTICE_DUE, SupervisionService


def subscriptions(service: SupervisionService) -> list[Subscription]:
    return [Subscription(TaskOverdue, service.on_task_overdue, handle_many=service.on_tasks_overdue)]


def timer_handlers(service: SupervisionService) -> dict[str, OnTimer]:
    return {NOTICE_DUE: OnTimer(service.on_notice_due, handle_many=service.on_notices_due)}
