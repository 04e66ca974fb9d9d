"""HTTP plumbing shared by every service: health, readiness, clock, dead letters, errors."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from sanwei_kit.auth import Role, require
from sanwei_kit.errors import DomainError
from sanwei_kit.inputs import RowId

if TYPE_CHECKING:
    from sanwei_kit.runtime import Runtime


class ClockView(BaseModel):
    now: datetime
    speed: float


class DeadLetterView(BaseModel):
    id: int
    consumer: str
    subject: str
    event_id: str | None
    reason: str
    deliveries: int
    failed_at: datetime
    replayed_at: datetime | None
    payload: str


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        detail: dict[str, Any] = {"reason": exc.reason}
        if exc.field:
            detail["field"] = exc.field
        return JSONResponse(status_code=exc.status, content={"detail": detail})


def operations_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["operations"])
    # A confidential service's dead letters quote its confidential events: its own office only.
    readers = (Role.DISCIPLINE,) if runtime.confidential else (Role.ADMIN, Role.AUDITOR)
    replayers = (Role.DISCIPLINE,) if runtime.confidential else (Role.ADMIN,)

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @router.get("/readyz", summary="Readiness: NATS connected and database reachable")
    async def readyz() -> JSONResponse:
        problems: list[str] = []
        if not runtime.started:
            problems.append("starting")
        try:
            if not runtime.broker.connection.is_connected:
                problems.append("nats disconnected")
        except Exception:
            problems.append("nats not connected")
        try:
            await runtime.db.ping()
        except Exception as exc:
            problems.append(f"database: {exc}")
        if problems:
            return JSONResponse(status_code=503, content={"status": "unavailable", "problems": problems})
        return JSONResponse(content={"status": "ready", "service": runtime.name})

    @router.get("/metrics", summary="Prometheus metrics (scraped inside the cluster; see docs/operations.md)",
                response_class=PlainTextResponse)
    async def metrics() -> Response:
        # No token: Prometheus scrapes without one, and the NetworkPolicy admits only the monitoring
        # namespace to the port. The metrics are counts by state and level, never names or content.
        from prometheus_client import CONTENT_TYPE_LATEST

        await runtime.metrics.refresh(runtime.db)
        return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/clock", response_model=ClockView, summary="The service's clock (accelerated in demos)")
    async def clock() -> ClockView:
        return ClockView(now=runtime.clock.now(), speed=runtime.clock.speed)

    @router.get("/dead-letters", response_model=list[DeadLetterView], summary="Messages that could not be handled",
                dependencies=[Depends(require(*readers))])
    async def dead_letters(include_replayed: bool = False) -> list[DeadLetterView]:
        table = runtime.tables.dead_letters
        query = select(table).order_by(table.c.id)
        if not include_replayed:
            query = query.where(table.c.replayed_at.is_(None))
        async with runtime.db.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [DeadLetterView.model_validate(dict(row)) for row in rows]

    @router.post(
        "/dead-letters/{dead_letter_id}/replay",
        response_model=DeadLetterView,
        summary="Hand a dead letter to its consumer again (after a fix)",
        dependencies=[Depends(require(*replayers))],
    )
    async def replay(dead_letter_id: RowId) -> DeadLetterView:
        from sanwei_kit.deadletters import replay_dead_letter

        try:
            row = await replay_dead_letter(runtime, dead_letter_id)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail={"reason": str(exc)}) from exc
        except ValueError as exc:
            raise HTTPException(status_code=409, detail={"reason": str(exc)}) from exc
        return DeadLetterView.model_validate(row)

    return router


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit (FastAPI re-raises HTTPExceptions)."""


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413 and a reason (pure ASGI, before any parsing).

    A declared Content-Length over the limit is refused before a byte is read; a chunked or
    lying body is counted as it streams in and cut off at the limit. Routes taking uploads keep
    their own, smaller, limits.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _reason(self) -> dict[str, Any]:
        return {"detail": {"reason": f"request body larger than {self.max_bytes} bytes", "field": "body"}}

    async def _refuse(self, send: Any) -> None:
        body = json.dumps(self._reason()).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    break  # counted while streaming instead
                if declared > self.max_bytes:
                    await self._refuse(send)
                    return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Any:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge(413, detail=self._reason()["detail"])
            return message

        async def guarded_send(message: Any) -> None:
            nonlocal started
            if exceeded and not started:
                return  # whatever the app answers to a cut-off body, the 413 below goes instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if started:
                raise
        if exceeded and not started:
            await self._refuse(send)
