"""Metrics and trace context on a real nats-server: FastStream's counters, traceparent through the outbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from opentelemetry import context, propagate
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.messaging import Subscription
from sanwei_kit.runtime import Runtime
from sanwei_kit.testing import started_probe_runtime
from sanwei_kit.tracing import current_trace_headers

pytestmark = pytest.mark.integration

SUBJECT = "sanwei.progress.completion.v1.accepted"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


async def _runtime(tmp_path: Path, nats_url: str, subscriptions: list[Subscription], **settings: object) -> Runtime:
    return await started_probe_runtime(tmp_path, nats_url, subscriptions, outbox_poll_interval=0.05, **settings)


async def _eventually(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def _emit_in_a_callers_trace(runtime: Runtime) -> None:
    """Emit an event while the trace of a caller's `traceparent` is current (as in a request)."""
    token = context.attach(propagate.extract({"traceparent": TRACEPARENT}))
    try:
        async with runtime.db.transaction() as conn:
            now = datetime.now(UTC)
            data = CompletionAccepted(claim_id="c1", task_id="t1", unit="区发改局", accepted_by="督查室", accepted_at=now)
            await runtime.events.emit(conn, data, subject="completion/c1", case_id="t1", actor="test")
    finally:
        context.detach(token)
    runtime.committed()


def _samples(runtime: Runtime) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(runtime.metrics.render().decode()) for s in family.samples}


async def test_traceparent_travels_through_the_outbox_and_nats_to_the_consumer(tmp_path, nats_server):
    seen: list[dict[str, str]] = []

    async def handler(conn, event) -> None:  # type: ignore[no-untyped-def]
        seen.append(current_trace_headers())

    runtime = await _runtime(tmp_path, nats_server, [Subscription(CompletionAccepted, handler)])
    try:
        await _emit_in_a_callers_trace(runtime)
        async with runtime.db.connect() as conn:
            stored = (await conn.execute(select(runtime.tables.outbox.c.headers))).scalar_one()
        assert stored == {"traceparent": TRACEPARENT}

        await _eventually(lambda: len(seen) == 1)
        # No spans are recorded with tracing off: the handler continues the caller's trace as it came.
        assert seen == [{"traceparent": TRACEPARENT}]

        client = await nats.connect(nats_server)
        try:
            published = await client.jetstream().get_last_msg("SANWEI_PROGRESS", SUBJECT)
        finally:
            await client.close()
        assert published.headers is not None
        assert published.headers["traceparent"] == TRACEPARENT
        assert "Nats-Msg-Id" in published.headers

        metrics = _samples(runtime)
        labels = {("app_name", "probe"), ("broker", "nats"), ("handler", SUBJECT)}
        assert metrics[("faststream_received_messages_total", frozenset(labels))] == 1
        assert metrics[("faststream_received_processed_messages_total", frozenset(labels | {("status", "acked")}))] == 1
        assert metrics[("sanwei_consumer_handled_total", frozenset({("consumer", "probe__" + SUBJECT.replace(".", "_"))}))] == 1
    finally:
        await runtime.stop()


async def test_with_tracing_on_the_consumer_records_a_span_in_the_callers_trace(tmp_path, nats_server, monkeypatch):
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    seen: list[dict[str, str]] = []

    async def handler(conn, event) -> None:  # type: ignore[no-untyped-def]
        seen.append(current_trace_headers())

    runtime = await _runtime(tmp_path, nats_server, [Subscription(CompletionAccepted, handler)], otel_enabled=True)
    spans = InMemorySpanExporter()
    assert runtime.tracer_provider is not None
    runtime.tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    try:
        await _emit_in_a_callers_trace(runtime)
        await _eventually(lambda: len(seen) == 1)
    finally:
        await runtime.stop()
    (consumer_span,) = [s for s in spans.get_finished_spans() if s.attributes.get("messaging.operation") == "process"]
    assert format(consumer_span.context.trace_id, "032x") == TRACE_ID
    assert format(consumer_span.parent.span_id, "016x") == PARENT_ID
    # What the handler emits continues from the consumer's span, in the same trace.
    assert seen[0]["traceparent"].startswith(f"00-{TRACE_ID}-{format(consumer_span.context.span_id, '016x')}-")
