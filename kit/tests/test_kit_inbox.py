"""The consumer's inbox: an event handled once is ignored when it comes again, unless the
subscription says its handler is idempotent by itself (inbox=False): then no inbox row is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from sanwei_contracts import new_envelope
from sanwei_contracts.events.progress import CompletionAccepted
from sanwei_kit.db import Database, KitTables, new_metadata
from sanwei_kit.messaging import ReliableConsumer, Subscription
from sanwei_kit.testing import test_database_url

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)


def _event():  # type: ignore[no-untyped-def]
    data = CompletionAccepted(claim_id="c1", task_id="t1", unit="区发改局", accepted_by="督查室", accepted_at=NOW)
    return new_envelope(data, subject="completion/c1", case_id="t1", time=NOW)


@pytest.mark.parametrize("inbox", [True, False])
async def test_a_redelivered_event_reaches_the_handler_again_only_without_an_inbox(tmp_path, inbox: bool) -> None:
    metadata = new_metadata()
    tables = KitTables(metadata)
    db = Database(test_database_url(tmp_path, "inbox"))
    async with db.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    calls: list[str] = []

    async def handler(conn, event) -> None:  # type: ignore[no-untyped-def]
        calls.append(str(event.id))

    consumer = ReliableConsumer("probe", Subscription(CompletionAccepted, handler, inbox=inbox), db, tables,
                                max_deliveries=3, retry_delay=0.1, after_commit=lambda: None)
    event = _event()
    try:
        assert await consumer.handle_once(event) is True
        assert await consumer.handle_once(event) is (not inbox)
        async with db.connect() as conn:
            rows = (await conn.execute(select(func.count()).select_from(tables.inbox))).scalar_one()
    finally:
        await db.dispose()
    assert calls == [str(event.id)] * (1 if inbox else 2)  # without an inbox the handler must skip it itself
    assert rows == (1 if inbox else 0)
