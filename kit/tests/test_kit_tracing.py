"""Trace context without NATS: a dead letter's replay and an HTTP request's server span."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import APIRouter
from sqlalchemy import insert

from sanwei_contracts import new_envelope
from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.deadletters import replay_dead_letter
from sanwei_kit.messaging import Subscription
from sanwei_kit.testing import anonymous_client, probe_runtime
from sanwei_kit.tracing import current_trace_headers

pytestmark = pytest.mark.unit

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


async def test_a_replayed_dead_letter_continues_the_trace_it_failed_in(tmp_path):
    seen: list[dict[str, str]] = []

    async def handler(conn, event) -> None:  # type: ignore[no-untyped-def]
        seen.append(current_trace_headers())

    runtime, _app = probe_runtime(tmp_path, subscriptions=[Subscription(CompletionAccepted, handler)])
    now = datetime.now(UTC)
    envelope = new_envelope(CompletionAccepted(claim_id="c1", task_id="t1", unit="区发改局", accepted_by="督查室",
                                               accepted_at=now), subject="completion/c1", case_id="t1", time=now)
    try:
        async with runtime.db.transaction() as conn:
            await conn.run_sync(runtime.metadata.create_all)
            await conn.execute(insert(runtime.tables.dead_letters).values(
                id=1, consumer=runtime.consumers[0].name, subject=envelope.type, event_id=str(envelope.id),
                payload=envelope.model_dump_json(), headers={"traceparent": TRACEPARENT}, reason="failed",
                deliveries=5, failed_at=now))
        await replay_dead_letter(runtime, 1)
    finally:
        await runtime.db.dispose()
    assert seen == [{"traceparent": TRACEPARENT}]


async def test_with_tracing_on_a_request_is_a_server_span_in_the_callers_trace(tmp_path, monkeypatch):
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    router = APIRouter()
    seen: list[dict[str, str]] = []

    @router.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        seen.append(current_trace_headers())
        return {"id": thing_id}

    runtime, app = probe_runtime(tmp_path, routers=[router], otel_enabled=True)
    spans = InMemorySpanExporter()
    assert runtime.tracer_provider is not None
    runtime.tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    async with anonymous_client(app) as client:
        response = await client.get("/things/42", headers={"traceparent": TRACEPARENT})
    assert response.status_code == 200
    (span,) = spans.get_finished_spans()
    assert span.name == "GET /things/{thing_id}"  # the route, not the id
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert seen == [{"traceparent": f"00-{TRACE_ID}-{format(span.context.span_id, '016x')}-01"}]
    runtime.tracer_provider.shutdown()
