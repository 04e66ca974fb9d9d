"""JetStream plumbing: streams, publishing the outbox, and reliable consumers.

Each consumer is a durable pull consumer with manual acknowledgement. We do not use
FastStream's default REJECT_ON_ERROR (it terminates a message on the first exception):

* the body is validated against the event's contract; an invalid message goes to the
  dead letters with the validation error, and is terminated (retrying cannot fix it);
* a valid message is handled in one database transaction together with its inbox row,
  so a redelivered message is recognised and only acknowledged; the messages already
  waiting are fetched and handled together, in one transaction and acknowledged after its
  commit, and if any of them fails the batch is handled again one message at a time;
* a handler that raises is retried with a growing delay (`nak(delay)`), and after
  `max_deliveries` attempts goes to the dead letters with the exception, then is
  terminated, so it never blocks the consumer behind it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import structlog
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, ServiceUnavailableError
from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sanwei_contracts import STREAMS, Envelope, EventSpec, spec_for_model
from sanwei_contracts.envelope import envelope_model
from sanwei_contracts.streams import stream_for_subject
from sanwei_kit.db import Database, KitTables
from sanwei_kit.nats_auth import durable_name
from sanwei_kit.outbox import OutgoingMessage, Publisher, take_events_added
from sanwei_kit.pull import fetch_waiting
from sanwei_kit.tracing import continued_trace

log = structlog.get_logger(__name__)

EventHandler = Callable[[AsyncConnection, Envelope[Any]], Awaitable[None]]
BatchHandler = Callable[[AsyncConnection, list[Envelope[Any]]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """A service handles events of one contract model with one handler.

    `handle_many`, when given, handles the events waiting together (in the order they came,
    in one transaction) with the same effect as `handler` on each in turn, in fewer
    statements (one query for all, bulk inserts). If it raises, the batch rolls back and
    each event goes through `handler` alone, with retries and dead letters as usual.

    `inbox=False` is for a handler that is idempotent by itself: what it stores is keyed by
    the event's id and it skips what is already stored (the audit log, webhook deliveries).
    The consumer then keeps no inbox row for the event: one lookup and one insert less per
    batch, and no inbox growing by every event of the catalogue.

    `wanted`, when given, is asked before each batch is read: False says the events would
    change nothing now (webhooks: no subscription selects the type), and the batch is
    acknowledged unread, with no parsing and no transaction. It must read what the handler
    would read, so that skipping is exactly what handling would have done; an invalid event
    skipped this way is not dead-lettered here (its other consumers do). If it raises, the
    batch is handled as usual.
    """

    model: type[BaseModel]
    handler: EventHandler
    handle_many: BatchHandler | None = None
    inbox: bool = True
    wanted: Callable[[], Awaitable[bool]] | None = None

    @property
    def spec(self) -> EventSpec:
        return spec_for_model(self.model)


async def ensure_streams(
    broker: NatsBroker, *, duplicate_window: float, replicas: int = 1, owner: str | None = None
) -> None:
    """Create every sanwei stream (any service may start first) and update the changed ones.

    With `owner`, only that service's own stream is updated: its NATS user may update no other
    (sanwei_kit.nats_auth), and another's stream with older settings is left to its producer.
    """
    js = broker.config.connection_state.stream
    for stream in STREAMS:
        await _while_jetstream_starts(partial(_ensure_stream, js, stream, duplicate_window, replicas, owner))


# What JetStream answers while a server is still starting (or a cluster electing its meta leader).
JETSTREAM_NOT_READY = (NoRespondersError, ServiceUnavailableError, NatsTimeoutError)


async def _while_jetstream_starts(call: Callable[[], Awaitable[None]], *, attempts: int = 30,
                                  delay: float = 1.0) -> None:
    """Run `call`, again while JetStream is not ready yet: a service started beside a nats-server that is
    still recovering its streams (a restart, a loaded machine) waits for it instead of failing its start."""
    for attempt in range(1, attempts + 1):
        try:
            await call()
            return
        except JETSTREAM_NOT_READY as exc:
            if attempt == attempts:
                raise
            log.warning("jetstream.not_ready", error_type=type(exc).__name__, attempt=attempt)
            await asyncio.sleep(delay)


async def _ensure_stream(js: JetStreamContext, stream: Any, duplicate_window: float, replicas: int,
                         owner: str | None) -> None:
    """Create the stream, or update it when this service produces it (see `ensure_streams`)."""
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
        if owner is not None and stream.producer != owner:
            log.info("stream.left_to_its_producer", stream=stream.name, producer=stream.producer)
            return
        await js.update_stream(config=config)


class JetStreamPublisher(Publisher):
    """Publishes outbox rows to JetStream with Nats-Msg-Id dedupe and waits for the ack."""

    def __init__(self, broker: NatsBroker, timeout: float) -> None:
        self._broker = broker
        self._timeout = timeout

    async def publish(self, subject: str, payload: bytes, msg_id: str,
                      headers: Mapping[str, str] | None = None) -> None:
        js = self._broker.config.connection_state.stream
        await js.publish(
            subject, payload, timeout=self._timeout, stream=stream_for_subject(subject).name,
            headers=_publish_headers(msg_id, headers),
        )

    async def publish_batch(self, messages: Sequence[OutgoingMessage]) -> list[BaseException | None]:
        """Send the batch with nats-py's async publish, then wait for the stream's acks together.

        One ack inbox for all, instead of a request (and its reply subscription) per message.
        No `wait_stall`: with one, nats-py waits for its in-flight slot through `asyncio.wait_for`,
        which yields to the loop after every message, so its flusher wrote each message to the
        socket alone, a system call each (a third of the registry's CPU in the quarter-end burst).
        Without it the batch is buffered and written in a few calls. A batch never holds more
        messages than the in-flight limit, so the slot is free at once; its acks are bounded below.
        """
        js = self._broker.config.connection_state.stream
        futures: list[asyncio.Future[Any]] = []
        results: list[BaseException | None] = []
        for subject, payload, msg_id, headers in messages:
            try:
                futures.append(await js.publish_async(
                    subject, payload, wait_stall=None, stream=stream_for_subject(subject).name,
                    headers=_publish_headers(msg_id, headers),
                ))
            except Exception as exc:  # not sent; what follows is not sent either, to keep the order
                results = [exc] * (len(messages) - len(futures))
                break
        acks = await asyncio.gather(
            *(asyncio.wait_for(future, timeout=self._timeout) for future in futures), return_exceptions=True
        )
        return [ack if isinstance(ack, BaseException) else None for ack in acks] + results


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
        batch_size: int = 1,
        batch_wait: float = 0.05,
        linger: float = 0.0,
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
        self._batch_size = batch_size
        self._batch_wait = batch_wait
        self._linger = linger
        self._subscriber: Any = None
        self.envelope_model = envelope_model(self.spec.model)
        self.handled_total = 0
        self.skipped_total = 0  # acknowledged unread: the subscription did not want them (see Subscription)
        self.dead_lettered_total = 0

    def register(self, broker: NatsBroker, *, ack_wait: float, inbox_prefix: str = "_INBOX") -> None:
        stream = stream_for_subject(self.spec.subject)
        subscriber = broker.subscriber(
            self.spec.subject,
            stream=JStream(name=stream.name, declare=False),
            durable=self.name,
            # One message per pull: nats-py's fetch of N waits for all N or the timeout, which
            # would delay a lone event by up to the timeout. A long poll of one returns at once.
            pull_sub=PullSub(batch_size=1, timeout=5.0),
            # Pulled messages arrive on an inbox: the service's own, the only one its NATS user may read.
            inbox_prefix=f"{inbox_prefix}.".encode(),
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

        context = broker.context

        async def on_message(*_body: Any, **_fields: Any) -> None:
            # FastStream hands over the decoded body; the message (to settle it) is in its context.
            # The broker runs without dependency injection (apply_types=False): resolving a
            # `message: NatsMessage` parameter ran a thread hop for each message (fast_depends
            # calls its synchronous context lookup through anyio's thread pool).
            await self.handle(context.get_local("message"))

        subscriber(on_message)
        self._subscriber = subscriber

    async def handle(self, message: NatsMessage) -> None:
        """Handle `message` and, in the same transaction, the messages waiting behind it."""
        first = _Delivery(message.raw_message, message.body, message.ack, message.nack, message.reject)
        batch = [first, *await self._fetch_waiting(_num_pending(message.raw_message))]
        if not await self._wanted():
            for delivery in batch:
                await delivery.ack()
            self.skipped_total += len(batch)
            log.debug("consumer.skipped_batch", consumer=self.name, events=len(batch))
            return
        valid = [(d, envelope) for d in batch if (envelope := await self._parse(d)) is not None]
        if len(valid) > 1:
            try:
                await self._handle_together(valid)
                return
            except Exception as exc:  # one of them failed: find which, with retries and dead letters as usual
                log.warning("consumer.batch_failed", consumer=self.name, error_type=type(exc).__name__,
                            size=len(valid))
        for delivery, envelope in valid:
            await self._handle_alone(delivery, envelope)

    async def _wanted(self) -> bool:
        """The subscription's `wanted`, or True; a failing `wanted` leaves the batch to the usual path."""
        wanted = self.subscription.wanted
        if wanted is None:
            return True
        try:
            return await wanted()
        except Exception as exc:
            log.warning("consumer.wanted_failed", consumer=self.name, error_type=type(exc).__name__)
            return True

    async def _fetch_waiting(self, waiting: int) -> list[_Delivery]:
        """The messages waiting behind the first (`waiting`: its num_pending), up to a batch.

        FastStream long-polls one message at a time (so a lone event is handled at once);
        behind a first message, whatever else is waiting joins its transaction. Nothing is
        fetched when nothing waits: a pull would be a round trip to the server for nothing.
        """
        subscription = getattr(self._subscriber, "subscription", None)
        if waiting <= 0 or self._batch_size <= 1 or not isinstance(subscription, JetStreamContext.PullSubscription):
            return []  # (FastStream's TestNatsBroker has no subscription: one message at a time)
        if self._linger and waiting < self._batch_size - 1:
            # Under load a short pause lets more messages join: one transaction for them all.
            await asyncio.sleep(self._linger)
        try:
            # Asks for a whole batch with a `no_wait` pull: the server sends what is there now (more
            # than `waiting` said, if more came meanwhile) and says so; nothing waits for the rest.
            raws = await fetch_waiting(subscription, self._batch_size - 1, self._batch_wait)
        except Exception as exc:  # the first message is still handled; these come back after ack_wait
            log.warning("consumer.fetch_failed", consumer=self.name, error_type=type(exc).__name__)
            return []
        return [_Delivery.of_raw(raw) for raw in raws]

    async def _parse(self, delivery: _Delivery) -> Envelope[Any] | None:
        """The message's event; an invalid one goes to the dead letters (retrying cannot fix it)."""
        try:
            envelope = self.envelope_model.model_validate_json(delivery.body)
            if envelope.type != self.spec.type:
                raise ValueError(f"type {envelope.type!r} does not match subject {self.spec.subject!r}")
        except (ValidationError, ValueError) as exc:
            await self._dead_letter(delivery, reason=f"invalid event: {exc}", deliveries=delivery.deliveries)
            await delivery.reject()
            return None
        return envelope

    async def _handle_together(self, valid: list[tuple[_Delivery, Envelope[Any]]]) -> None:
        """One transaction for the batch: one inbox query, the handlers, one inbox insert; ack after commit."""
        inbox = self._tables.inbox
        handled: list[tuple[_Delivery, Envelope[Any], str]] = []
        async with self._db.transaction() as conn:
            take_events_added(conn)
            ids = [str(envelope.id) for _, envelope in valid]  # once: str(UUID) was 4% of audit's CPU
            seen = set((await conn.execute(
                select(inbox.c.event_id).where(inbox.c.consumer == self.name, inbox.c.event_id.in_(ids))
            )).scalars()) if self.subscription.inbox else set()
            for (delivery, envelope), event_id in zip(valid, ids, strict=True):
                if event_id in seen:
                    with _event_context(envelope):
                        log.info("consumer.duplicate_ignored", consumer=self.name)
                    continue
                seen.add(event_id)
                handled.append((delivery, envelope, event_id))
            handle_many = self.subscription.handle_many
            if handle_many is not None and handled:
                # The first event's trace continues: a batch is one piece of work.
                with continued_trace(handled[0][0].headers):
                    await handle_many(conn, [envelope for _, envelope, _ in handled])
            else:
                for delivery, envelope, _ in handled:
                    with _event_context(envelope), continued_trace(delivery.headers):
                        await self.subscription.handler(conn, envelope)
            if handled and self.subscription.inbox:
                now = datetime.now(UTC)
                await conn.execute(insert(inbox), [
                    {"event_id": event_id, "consumer": self.name, "handled_at": now} for _, _, event_id in handled
                ])
            events_added = take_events_added(conn)
        for delivery, _ in valid:
            await delivery.ack()
        self.handled_total += len(handled)
        # One line for the batch: a burst of thousands is not thousands of lines (each event's at DEBUG).
        log.info("consumer.handled_batch", consumer=self.name, events=len(handled), received=len(valid))
        if log.is_enabled_for(logging.DEBUG):
            for _, envelope, event_id in handled:
                log.debug("consumer.handled", consumer=self.name, case_id=envelope.case_id, event_id=event_id,
                          event_type=envelope.type)
        if events_added:
            self._after_commit()

    async def _handle_alone(self, delivery: _Delivery, envelope: Envelope[Any]) -> None:
        deliveries = delivery.deliveries
        with _event_context(envelope), continued_trace(delivery.headers):
            try:
                handled, events_added = await self._handle_once(envelope)
            except Exception as exc:
                if deliveries >= self._max_deliveries:
                    reason = f"handler failed {deliveries} times: {exc!r}\n{traceback.format_exc(limit=5)}"
                    log.error("consumer.dead_letter", consumer=self.name, error_type=type(exc).__name__)
                    await self._dead_letter(delivery, reason=reason, deliveries=deliveries)
                    await delivery.reject()
                else:
                    delay = self._retry_delay * 2 ** (deliveries - 1)
                    log.warning("consumer.retry", consumer=self.name, error_type=type(exc).__name__, attempt=deliveries,
                                delay=delay)
                    await delivery.nack(delay)
                return
            await delivery.ack()
            if handled:
                self.handled_total += 1
                log.info("consumer.handled", consumer=self.name, attempt=deliveries)
            if events_added:
                self._after_commit()

    async def handle_once(self, envelope: Envelope[Any]) -> bool:
        """Handle `envelope` in its own transaction; False if it had been handled already."""
        handled, _ = await self._handle_once(envelope)
        return handled

    async def _handle_once(self, envelope: Envelope[Any]) -> tuple[bool, bool]:
        inbox = self._tables.inbox
        keeps_inbox = self.subscription.inbox
        async with self._db.transaction() as conn:
            take_events_added(conn)
            seen = keeps_inbox and (
                await conn.execute(
                    select(inbox.c.event_id).where(
                        inbox.c.event_id == str(envelope.id), inbox.c.consumer == self.name
                    )
                )
            ).first()
            if seen:
                log.info("consumer.duplicate_ignored", consumer=self.name)
                return False, False
            await self.subscription.handler(conn, envelope)
            if keeps_inbox:
                await conn.execute(
                    insert(inbox).values(event_id=str(envelope.id), consumer=self.name, handled_at=datetime.now(UTC))
                )
            events_added = take_events_added(conn)
        return True, events_added

    async def _dead_letter(self, delivery: _Delivery, *, reason: str, deliveries: int) -> None:
        raw = delivery.raw
        body = delivery.body
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


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__, per message
class _Delivery:
    """A pulled message and how to settle it: the one FastStream handed over, or one fetched behind it."""

    raw: Any
    body: bytes
    ack: Callable[[], Awaitable[None]]
    nack: Callable[[float], Awaitable[None]]
    reject: Callable[[], Awaitable[None]]

    @classmethod
    def of_raw(cls, raw: Msg) -> _Delivery:
        async def nak(delay: float) -> None:
            await raw.nak(delay=delay)

        return cls(raw, raw.data, raw.ack, nak, raw.term)

    @property
    def headers(self) -> Mapping[str, str] | None:
        return self.raw.headers

    @property
    def deliveries(self) -> int:
        return _num_delivered(self.raw)


def _event_context(envelope: Envelope[Any]) -> Any:
    return structlog.contextvars.bound_contextvars(
        case_id=envelope.case_id, event_id=str(envelope.id), event_type=envelope.type
    )


def _publish_headers(msg_id: str, headers: Mapping[str, str] | None) -> dict[str, str]:
    # The stored headers (traceparent) first: the dedupe id and content type are the relay's own.
    return {**(headers or {}), "Nats-Msg-Id": msg_id, "content-type": "application/cloudevents+json"}


def _num_pending(raw: Any) -> int:
    """How many messages wait on the consumer behind `raw` (0 without JetStream metadata)."""
    try:
        return int(raw.metadata.num_pending)
    except Exception:
        return 0


def _num_delivered(raw: Any) -> int:
    try:
        return int(raw.metadata.num_delivered)
    except Exception:  # core NATS or the test broker carry no JetStream metadata
        return 1
