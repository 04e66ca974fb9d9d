"""Which events and timers the registry reacts to, and which use case handles each."""

from __future__ import annotations

from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import OnTimer
from sanwei_registry.service import TASK_DUE, TASK_REMIND, TASK_WARN, RegistryService


def subscriptions(service: RegistryService) -> list[Subscription]:
    return [Subscription(CompletionAccepted, service.on_completion_accepted)]


def timer_handlers(service: RegistryService) -> dict[str, OnTimer]:
    return {
        TASK_DUE: OnTimer(service.on_task_due, handle_many=service.on_tasks_due),
        TASK_WARN: OnTimer(service.on_task_warn),
        TASK_REMIND: OnTimer(service.on_task_remind, handle_many=service.on_tasks_remind),
    }
