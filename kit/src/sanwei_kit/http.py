"""HTTP plumbing shared by every service: health, readiness, clock, dead letters, errors."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from sanwei_kit.auth import Role, require
from sanwei_kit.errors import DomainError

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
    async def replay(dead_letter_id: int) -> DeadLetterView:
        from sanwei_kit.deadletters import replay_dead_letter

        try:
            row = await replay_dead_letter(runtime, dead_letter_id)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail={"reason": str(exc)}) from exc
        except ValueError as exc:
            raise HTTPException(status_code=409, detail={"reason": str(exc)}) from exc
        return DeadLetterView.model_validate(row)

    return router
