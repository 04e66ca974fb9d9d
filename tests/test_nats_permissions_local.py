"""The per-service NATS users of the local stack, on a real nats-server with the config `Stack` writes.

No service runs here: each test connects with nats-py as a service's user (its password and its
inbox prefix, as the service would) and tries what the service does, or what it must not do.
The Kubernetes config is rendered from the same table (sanwei_kit.nats_auth).
"""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import nats
import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.js.api import ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from sanwei.stack import SERVICES, Stack, free_port
from sanwei_contracts import STREAMS, spec_for_type, stream_for_subject
from sanwei_contracts.catalog import CATALOG, EventSpec, received_by
from sanwei_kit.messaging import ensure_streams
from sanwei_kit.nats_auth import durable_name, inbox_prefix, service_permissions

pytestmark = pytest.mark.integration

CLUE_REGISTERED = "sanwei.discipline.clue.v1.registered"
OUTCOME_PUBLISHED = "sanwei.discipline.outcome.v1.published"
NOT_ALLOWED = (nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.js.errors.APIError)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """nats-server alone, with the users and permissions the local stack gives it."""
    running = Stack(tmp_path_factory.mktemp("nats-permissions"), nats_port=free_port())
    running.start_nats()
    try:
        yield running
    finally:
        running.stop()


class Session:
    """A connection as one user, recording the permission violations the server reports."""

    def __init__(self, client: Client, errors: list[str]) -> None:
        self.client = client
        self.js = client.jetstream(timeout=2)
        self.errors = errors

    async def violations(self) -> list[str]:
        await self.client.flush()  # the server answers a PING after any -ERR it sent before
        # nats-py lower-cases the server's message: "permissions violation for publish to "…""
        return [e for e in self.errors if "permissions violation" in e]

    def refused(self, violations: list[str], what: str) -> bool:
        return any(what.lower() in v for v in violations)


@asynccontextmanager
async def connected(stack: Stack, user: str) -> AsyncIterator[Session]:
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    prefix = inbox_prefix(user) if user in SERVICES else "_INBOX"
    client = await nats.connect(stack.nats_url_for(user), inbox_prefix=prefix, error_cb=on_error,
                                max_reconnect_attempts=0)
    try:
        yield Session(client, errors)
    finally:
        await client.close()


async def ensure_sanwei_streams(stack: Stack) -> None:
    async with connected(stack, "admin") as admin:
        for stream in STREAMS:
            config = StreamConfig(name=stream.name, subjects=stream.subjects, storage=StorageType.FILE,
                                  duplicate_window=3600.0)
            try:
                await admin.js.add_stream(config=config)
            except nats.js.errors.BadRequestError:
                await admin.js.update_stream(config=config)


def envelope(spec: EventSpec) -> bytes:
    return json.dumps({"type": spec.type}).encode()


def consumer_config(spec: EventSpec) -> ConsumerConfig:
    """The consumer the kit's ReliableConsumer creates for an event type."""
    return ConsumerConfig(ack_wait=30, max_deliver=-1, deliver_policy=DeliverPolicy.ALL, filter_subject=spec.subject)


def test_the_stack_writes_its_nats_config_privately_and_gives_each_service_its_own_user(stack: Stack) -> None:
    config = stack.data_dir / "nats.conf"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    text = config.read_text()
    assert "user: webhooks" in text and stack.nats_passwords["webhooks"] in text
    env = stack.service_env("registry")
    assert env["SANWEI_NATS_URL"] == f"nats://registry:{stack.nats_passwords['registry']}@127.0.0.1:{stack.nats_port}"
    assert env["SANWEI_NATS_INBOX_PREFIX"] == "_INBOX_registry"
    assert stack.nats_url == stack.nats_url_for("admin")
    bare = Stack(stack.data_dir / "without-auth", nats_auth=False)
    assert bare.service_env("registry")["SANWEI_NATS_URL"] == "nats://127.0.0.1:4222"


async def test_no_one_connects_without_a_password_or_with_anothers(stack: Stack) -> None:
    bare = f"nats://127.0.0.1:{stack.nats_port}"
    wrong = f"nats://registry:{stack.nats_passwords['discipline']}@127.0.0.1:{stack.nats_port}"
    for url in (bare, wrong):
        with pytest.raises((nats.errors.NoServersError, nats.errors.AuthorizationError, nats.errors.Error)):
            await nats.connect(url, max_reconnect_attempts=0, allow_reconnect=False, connect_timeout=5)


async def test_registry_cannot_publish_or_read_discipline_events(stack: Stack) -> None:
    await ensure_sanwei_streams(stack)
    clue = spec_for_type(CLUE_REGISTERED)
    async with connected(stack, "registry") as registry:
        with pytest.raises(NOT_ALLOWED):
            await registry.js.publish(clue.subject, envelope(clue), stream="SANWEI_DISCIPLINE", timeout=1)
        await registry.client.subscribe("sanwei.discipline.>")
        with pytest.raises(NOT_ALLOWED):
            await registry.js.pull_subscribe(clue.subject, durable=durable_name("registry", clue),
                                             stream="SANWEI_DISCIPLINE", config=consumer_config(clue))
        violations = await registry.violations()
        assert registry.refused(violations, f'publish to "{clue.subject}"'), violations
        assert registry.refused(violations, 'subscription to "sanwei.discipline.>"'), violations
        assert registry.refused(violations, "$JS.API.CONSUMER.INFO.SANWEI_DISCIPLINE."), violations
    async with connected(stack, "admin") as admin:
        assert (await admin.js.stream_info("SANWEI_DISCIPLINE")).state.messages == 0


async def test_webhooks_cannot_read_confidential_discipline_events(stack: Stack) -> None:
    await ensure_sanwei_streams(stack)
    clue, outcome = spec_for_type(CLUE_REGISTERED), spec_for_type(OUTCOME_PUBLISHED)
    async with connected(stack, "discipline") as discipline:
        seq = (await discipline.js.publish(clue.subject, envelope(clue), stream="SANWEI_DISCIPLINE")).seq
    async with connected(stack, "audit") as audit:  # audit may: its durable now exists, with the clue in it
        await audit.js.pull_subscribe(clue.subject, durable=durable_name("audit", clue), stream="SANWEI_DISCIPLINE",
                                      config=consumer_config(clue))
    async with connected(stack, "webhooks") as webhooks:
        own_clue = durable_name("webhooks", clue)
        with pytest.raises(NOT_ALLOWED):  # a consumer of its own on the confidential subject
            await webhooks.js.pull_subscribe(clue.subject, durable=own_clue, stream="SANWEI_DISCIPLINE",
                                             config=consumer_config(clue))
        with pytest.raises(NOT_ALLOWED):
            config = consumer_config(clue)
            config.name = config.durable_name = own_clue
            await webhooks.js.add_consumer("SANWEI_DISCIPLINE", config=config)
        # Its permitted consumer (the subject it may call) asked for a wider filter: the server refuses.
        wider = ConsumerConfig(name=durable_name("webhooks", outcome), durable_name=durable_name("webhooks", outcome),
                               filter_subject="sanwei.discipline.>")
        reply = await webhooks.client.request(
            f"$JS.API.CONSUMER.CREATE.SANWEI_DISCIPLINE.{durable_name('webhooks', outcome)}.{outcome.subject}",
            json.dumps({"stream_name": "SANWEI_DISCIPLINE", "config": wider.as_dict()}).encode(), timeout=2,
        )
        assert "error" in json.loads(reply.data), reply.data
        with pytest.raises(NOT_ALLOWED):  # pulling from audit's consumer, which holds the clue
            sub = await webhooks.js.pull_subscribe_bind(durable=durable_name("audit", clue), stream="SANWEI_DISCIPLINE")
            await sub.fetch(1, timeout=1)
        with pytest.raises(NOT_ALLOWED):  # reading the stream directly
            await webhooks.js.get_msg("SANWEI_DISCIPLINE", seq)
        await webhooks.client.subscribe(clue.subject)
        await webhooks.client.subscribe(f"{inbox_prefix('audit')}.>")  # audit's replies carry the clues
        violations = await webhooks.violations()
        for denied in (f"$JS.API.CONSUMER.INFO.SANWEI_DISCIPLINE.{own_clue}",
                       f"$JS.API.CONSUMER.CREATE.SANWEI_DISCIPLINE.{own_clue}.{clue.subject}",
                       f"$JS.API.CONSUMER.MSG.NEXT.SANWEI_DISCIPLINE.{durable_name('audit', clue)}",
                       "$JS.API.STREAM.MSG.GET.SANWEI_DISCIPLINE",
                       f'subscription to "{clue.subject}"', 'subscription to "_INBOX_audit.>"'):
            assert webhooks.refused(violations, denied), (denied, violations)
    async with connected(stack, "admin") as admin:
        names = {c.name for c in await admin.js.consumers_info("SANWEI_DISCIPLINE")}
    assert not {name for name in names if name.startswith("webhooks__")} - {durable_name("webhooks", outcome)}


def test_the_table_gives_webhooks_no_confidential_subject() -> None:
    confidential = [spec.subject for spec in CATALOG if spec.confidential]
    allowed = service_permissions("webhooks").publish
    assert confidential and not [s for s in allowed if any(c in s for c in confidential)]
    assert [s for s in service_permissions("audit").publish if CLUE_REGISTERED in s]


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_can_do_its_own_job(stack: Stack, service: str) -> None:
    """Publish its own events (acknowledged by JetStream); create, pull from and ack each of its consumers."""
    await ensure_sanwei_streams(stack)
    specs = received_by(service)
    async with connected(stack, service) as own:
        for spec in [s for s in CATALOG if s.producer == service][:3]:
            ack = await own.js.publish(spec.subject, envelope(spec), stream=stream_for_subject(spec.subject).name)
            assert ack.stream == stream_for_subject(spec.subject).name
        for spec in specs:
            async with connected(stack, spec.producer) as producer:
                await producer.js.publish(spec.subject, envelope(spec), stream=stream_for_subject(spec.subject).name)
            sub = await own.js.pull_subscribe(spec.subject, durable=durable_name(service, spec),
                                              stream=stream_for_subject(spec.subject).name,
                                              config=consumer_config(spec))
            messages = await sub.fetch(1, timeout=5)
            assert json.loads(messages[0].data)["type"] == spec.type
            for message in messages:
                await message.ack_sync()
            await sub.unsubscribe()
        assert await own.violations() == []
    assert specs  # every service consumes something


async def test_ensure_streams_as_a_service_updates_only_its_own_stream(stack: Stack) -> None:
    await ensure_sanwei_streams(stack)
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    broker = NatsBroker(stack.nats_url_for("media"), inbox_prefix=inbox_prefix("media"), error_cb=on_error,
                        logger=None)
    await broker.connect()
    try:
        await ensure_streams(broker, duplicate_window=60.0, owner="media")
        await asyncio.sleep(0)
    finally:
        await broker.stop()
    assert not [e for e in errors if "permissions violation" in e.lower()], errors
    async with connected(stack, "admin") as admin:
        assert (await admin.js.stream_info("SANWEI_MEDIA")).config.duplicate_window == 60.0
        assert (await admin.js.stream_info("SANWEI_REGISTRY")).config.duplicate_window == 3600.0
