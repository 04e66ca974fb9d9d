"""Which events and timers the registry reacts to, and which use case handles each."""

from __future__ import annotations

from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import TimerHandler
from sanwei_registry.service import TASK_DUE, TASK_REMIND, TASK_WARN, RegistryService


def subscriptions(service: RegistryService) -> list[Subscription]:
    return [Subscription(CompletionAccepted, service.on_completion_accepted)]


def timer_handlers(service: RegistryService) -> dict[str, TimerHandler]:
    return {TASK_DUE: service.on_task_due, TASK_WARN: service.on_task_warn, TASK_REMIND: service.on_task_remind}
