"""Replaying a dead letter: run its consumer's handler again on the stored payload."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select, update

from sanwei_kit.tracing import continued_trace

if TYPE_CHECKING:
    from sanwei_kit.runtime import Runtime


async def replay_dead_letter(runtime: Runtime, dead_letter_id: int) -> dict[str, Any]:
    table = runtime.tables.dead_letters
    async with runtime.db.connect() as conn:
        row = (await conn.execute(select(table).where(table.c.id == dead_letter_id))).mappings().first()
    if row is None:
        raise LookupError(f"no dead letter {dead_letter_id}")
    if row["replayed_at"] is not None:
        raise ValueError(f"dead letter {dead_letter_id} was already replayed")
    consumer = next((c for c in runtime.consumers if c.name == row["consumer"]), None)
    if consumer is None:
        raise ValueError(f"consumer {row['consumer']} no longer exists in this service")
    try:
        envelope = consumer.envelope_model.model_validate_json(row["payload"])
    except ValidationError as exc:
        raise ValueError(f"payload is still invalid: {exc}") from exc
    try:
        # The events the replay emits stay in the trace of the message that failed.
        with continued_trace(row["headers"]):
            await consumer.handle_once(envelope)
    except Exception as exc:
        raise ValueError(f"handler failed again: {exc!r}") from exc
    runtime.committed()
    async with runtime.db.transaction() as conn:
        await conn.execute(update(table).where(table.c.id == dead_letter_id).values(replayed_at=datetime.now(UTC)))
        row = (await conn.execute(select(table).where(table.c.id == dead_letter_id))).mappings().first()
    return dict(row)  # type: ignore[arg-type]
