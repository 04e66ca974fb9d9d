"""JetStream plumbing: streams, publishing the outbox, and reliable consumers.

Each consumer is a durable pull consumer with manual acknowledgement. We do not use
FastStream's default REJECT_ON_ERROR (it terminates a message on the first exception):

* the body is validated against the event's contract; an invalid message goes to the
  dead letters with the validation error, and is terminated (retrying cannot fix it);
* a valid message is handled in one database transaction together with its inbox row,
  so a redelivered message is recognised and only acknowledged;
* a handler that raises is retried with a growing delay (`nak(delay)`), and after
  `max_deliveries` attempts goes to the dead letters with the exception, then is
  terminated, so it never blocks the consumer behind it.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.js.api import ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError
from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import STREAMS, Envelope, EventSpec, spec_for_model
from sanwei_contracts.streams import stream_for_subject
from sanwei_kit.db import Database, KitTables

log = structlog.get_logger(__name__)

EventHandler = Callable[[AsyncConnection, Envelope[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """A service handles events of one contract model with one handler."""

    model: type[BaseModel]
    handler: EventHandler

    @property
    def spec(self) -> EventSpec:
        return spec_for_model(self.model)


def durable_name(service: str, spec: EventSpec) -> str:
    return f"{service}__{spec.type.replace('.', '_')}"


async def ensure_streams(broker: NatsBroker, *, duplicate_window: float, replicas: int = 1) -> None:
    """Create or update every sanwei stream; any service may start first."""
    js = broker.config.connection_state.stream
    for stream in STREAMS:
        config = StreamConfig(
            name=stream.name,
            subjects=stream.subjects,
            storage=StorageType.FILE,
            duplicate_window=duplicate_window,
            num_replicas=replicas,
        )
        try:
            await js.add_stream(config=config)
        except BadRequestError:
            await js.update_stream(config=config)


class JetStreamPublisher:
    """Publishes outbox rows to JetStream with Nats-Msg-Id dedupe and waits for the ack."""

    def __init__(self, broker: NatsBroker, timeout: float) -> None:
        self._broker = broker
        self._timeout = timeout

    async def publish(self, subject: str, payload: bytes, msg_id: str) -> None:
        js = self._broker.config.connection_state.stream
        await js.publish(
            subject,
            payload,
            timeout=self._timeout,
            stream=stream_for_subject(subject).name,
            headers={"Nats-Msg-Id": msg_id, "content-type": "application/cloudevents+json"},
        )


class ReliableConsumer:
    """Turns one Subscription into a FastStream subscriber with inbox and dead letters."""

    def __init__(
        self,
        service: str,
        subscription: Subscription,
        db: Database,
        tables: KitTables,
        *,
        max_deliveries: int,
        retry_delay: float,
        after_commit: Callable[[], None],
    ) -> None:
        self.service = service
        self.subscription = subscription
        self.spec = subscription.spec
        self.name = durable_name(service, self.spec)
        self._db = db
        self._tables = tables
        self._max_deliveries = max_deliveries
        self._retry_delay = retry_delay
        self._after_commit = after_commit
        self.envelope_model = Envelope[self.spec.model]  # type: ignore[name-defined]
        self.handled_total = 0
        self.dead_lettered_total = 0

    def register(self, broker: NatsBroker, *, ack_wait: float) -> None:
        stream = stream_for_subject(self.spec.subject)
        subscriber = broker.subscriber(
            self.spec.subject,
            stream=JStream(name=stream.name, declare=False),
            durable=self.name,
            # One message per pull: nats-py's fetch of N waits for all N or the timeout, which
            # would delay a lone event by up to the timeout. A long poll of one returns at once.
            pull_sub=PullSub(batch_size=1, timeout=5.0),
            ack_policy=AckPolicy.MANUAL,
            config=ConsumerConfig(
                ack_wait=ack_wait,
                max_deliver=-1,
                deliver_policy=DeliverPolicy.ALL,
                filter_subject=self.spec.subject,
            ),
            title=self.name,
            description=f"{self.service} handles {self.spec.type}: {self.spec.summary}",
        )

        async def on_message(message: NatsMessage) -> None:  # FastStream injects the message
            await self.handle(message)

        subscriber(on_message)

    async def handle(self, message: NatsMessage) -> None:
        raw = message.raw_message
        body: bytes = message.body
        deliveries = _num_delivered(raw)
        try:
            envelope = self.envelope_model.model_validate_json(body)
            if envelope.type != self.spec.type:
                raise ValueError(f"type {envelope.type!r} does not match subject {self.spec.subject!r}")
        except (ValidationError, ValueError) as exc:
            await self._dead_letter(message, reason=f"invalid event: {exc}", deliveries=deliveries)
            await message.reject()
            return
        with structlog.contextvars.bound_contextvars(
            case_id=envelope.case_id, event_id=str(envelope.id), event_type=envelope.type
        ):
            try:
                handled = await self.handle_once(envelope)
            except Exception as exc:
                if deliveries >= self._max_deliveries:
                    reason = f"handler failed {deliveries} times: {exc!r}\n{traceback.format_exc(limit=5)}"
                    log.error("consumer.dead_letter", consumer=self.name, error_type=type(exc).__name__)
                    await self._dead_letter(message, reason=reason, deliveries=deliveries)
                    await message.reject()
                else:
                    delay = self._retry_delay * 2 ** (deliveries - 1)
                    log.warning("consumer.retry", consumer=self.name, error_type=type(exc).__name__, attempt=deliveries,
                                delay=delay)
                    await message.nack(delay=delay)
                return
            await message.ack()
            if handled:
                self.handled_total += 1
                log.info("consumer.handled", consumer=self.name, attempt=deliveries)
                self._after_commit()

    async def handle_once(self, envelope: Envelope[Any]) -> bool:
        inbox = self._tables.inbox
        async with self._db.transaction() as conn:
            seen = (
                await conn.execute(
                    select(inbox.c.event_id).where(
                        inbox.c.event_id == str(envelope.id), inbox.c.consumer == self.name
                    )
                )
            ).first()
            if seen:
                log.info("consumer.duplicate_ignored", consumer=self.name)
                return False
            await self.subscription.handler(conn, envelope)
            await conn.execute(
                insert(inbox).values(event_id=str(envelope.id), consumer=self.name, handled_at=datetime.now(UTC))
            )
        return True

    async def _dead_letter(self, message: NatsMessage, *, reason: str, deliveries: int) -> None:
        raw = message.raw_message
        body = message.body
        event_id = None
        try:
            event_id = str(json.loads(body).get("id"))
        except Exception:
            event_id = (raw.headers or {}).get("Nats-Msg-Id")
        async with self._db.transaction() as conn:
            await conn.execute(
                insert(self._tables.dead_letters).values(
                    consumer=self.name,
                    subject=raw.subject,
                    event_id=event_id,
                    payload=body.decode("utf-8", errors="replace"),
                    headers=dict(raw.headers or {}),
                    reason=reason,
                    deliveries=deliveries,
                    failed_at=datetime.now(UTC),
                )
            )
        self.dead_lettered_total += 1
        # The reason (with the exception or validation message) stays in the dead-letter row: messages
        # and validation errors may quote confidential content, so the log line names no more than that.
        log.error("consumer.dead_lettered", consumer=self.name, deliveries=deliveries)


def _num_delivered(raw: Any) -> int:
    try:
        return int(raw.metadata.num_delivered)
    except Exception:  # core NATS or the test broker carry no JetStream metadata
        return 1
