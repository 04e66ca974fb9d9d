"""Webhook metrics: gauges of this service's state on /metrics, counted at each scrape."""

from __future__ import annotations

from sanwei_kit.metrics import count_by
from sanwei_kit.runtime import Runtime
from sanwei_webhooks.adapters.tables import deliveries
from sanwei_webhooks.domain.delivery import DeliveryState


def register_metrics(runtime: Runtime) -> None:
    runtime.add_metric("sanwei_webhooks_deliveries", "Webhook deliveries by state.", ["state"],
                       count_by(deliveries.c.state, known=[s.value for s in DeliveryState]))
