"""W3C trace context through HTTP, the outbox and NATS; OpenTelemetry spans when enabled.

The trace context always travels, whether tracing is on or off: a request's `traceparent`
header (or the span of a request or message being handled) is stored with each event the
request emits (the outbox row's headers), published as a NATS header with the event, and
made current again by the consumer that handles it, so the events it emits in turn carry
the same trace. Passing a header along costs nothing and lets a caller's trace continue
through sanwei even where sanwei itself records no spans.

With `otel_enabled` each Runtime has its own TracerProvider (no global one) that records
spans for HTTP requests (`TraceContextMiddleware`) and for NATS messages (FastStream's
NatsTelemetryMiddleware) and exports them as the standard OTEL_* variables say.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import context, propagate, trace

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from starlette.types import ASGIApp, Receive, Scope, Send

    from sanwei_kit.settings import ServiceSettings

# The W3C Trace Context headers; baggage is not carried (it could hold anything a caller put there).
TRACE_HEADERS = ("traceparent", "tracestate")


def current_trace_headers() -> dict[str, str]:
    """The W3C headers of the current span or remote parent; empty outside any trace."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {name: value for name, value in carrier.items() if name in TRACE_HEADERS}


@contextmanager
def continued_trace(headers: Mapping[str, str] | None) -> Iterator[None]:
    """Make the trace carried in `headers` current, unless a span is already (FastStream's or ours)."""
    carried = {name: value for name, value in (headers or {}).items() if name.lower() in TRACE_HEADERS}
    if not carried or trace.get_current_span().get_span_context().is_valid:
        yield
        return
    token = context.attach(propagate.extract(carried))
    try:
        yield
    finally:
        context.detach(token)


def tracer_provider(settings: ServiceSettings) -> TracerProvider:
    """A provider for one Runtime: service name, sampler (OTEL_TRACES_SAMPLER) and exporter from OTEL_*."""
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: f"sanwei-{settings.service_name}"}
    provider = TracerProvider(resource=Resource.create(attributes))
    exporter = span_exporter(os.environ.get("OTEL_TRACES_EXPORTER", "otlp"))
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def span_exporter(name: str) -> SpanExporter | None:
    """OTEL_TRACES_EXPORTER: `otlp` (HTTP/protobuf, OTEL_EXPORTER_OTLP_* variables), `console` or `none`."""
    name = name.strip().lower()
    if name == "none":
        return None
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    raise ValueError(f"OTEL_TRACES_EXPORTER={name!r}: sanwei knows otlp, console and none")


def nats_telemetry_middleware(provider: TracerProvider) -> Any:
    from faststream.nats.opentelemetry import NatsTelemetryMiddleware

    return NatsTelemetryMiddleware(tracer_provider=provider)


class TraceContextMiddleware:
    """ASGI middleware: continue the caller's `traceparent`; with a provider, record a server span."""

    def __init__(self, app: ASGIApp, provider: TracerProvider | None = None) -> None:
        self.app = app
        self.tracer = provider.get_tracer("sanwei_kit.http") if provider is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope.get("headers", ())
                   if key.decode("latin-1") in TRACE_HEADERS}
        parent = propagate.extract(headers)
        if self.tracer is None:
            token = context.attach(parent)
            try:
                await self.app(scope, receive, send)
            finally:
                context.detach(token)
            return
        method = scope.get("method", "HTTP")
        with self.tracer.start_as_current_span(method, context=parent, kind=trace.SpanKind.SERVER,
                                               attributes={"http.request.method": method,
                                                           "url.path": scope.get("path", "")}) as span:
            await self.app(scope, receive, send)
            # Named by the route's template once routing found it, so ids stay out of span names.
            route = getattr(scope.get("route"), "path", None)
            if route:
                span.update_name(f"{method} {route}")
