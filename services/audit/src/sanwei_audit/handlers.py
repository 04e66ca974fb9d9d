"""Which events the audit service records: every type of the catalogue, one subscription each."""

from __future__ import annotations

from sanwei_audit.service import AuditService
from sanwei_contracts.catalog import consumed_by
from sanwei_kit.messaging import Subscription
from sanwei_kit.timers import TimerHandler


def subscriptions(service: AuditService) -> list[Subscription]:
    # No inbox: the log is keyed by event id, and an event already recorded is skipped (or refused if changed).
    return [Subscription(spec.model, service.record, handle_many=service.record_many, inbox=False)
            for spec in consumed_by("audit")]


def timer_handlers(service: AuditService) -> dict[str, TimerHandler]:
    return {}
