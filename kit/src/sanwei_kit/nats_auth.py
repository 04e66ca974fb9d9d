"""Who may do what on NATS: one user per service, and the nats-server configuration granting it.

The one table of NATS permissions, derived from the event catalogue and the streams. A service
may publish:

* its own events, `sanwei.<service>.>` (producers only): no service can forge another's;
* `$JS.API.STREAM.CREATE.<stream>` for every sanwei stream (any service may start first and
  create them; creating an existing stream with the same settings is a no-op), and
  `$JS.API.STREAM.UPDATE.<stream>` for its own stream only;
* for each event type it receives (`sanwei_contracts.catalog.received_by`), on its own durable
  consumer only: look it up, create it with exactly that event's subject as filter (the filter
  is part of the API subject, `$JS.API.CONSUMER.CREATE.<stream>.<durable>.<filter>`, so the
  server refuses another filter), pull from it, and acknowledge what it pulled;

and subscribe to its private reply inbox `_INBOX_<service>.>` only: every delivery is pulled
into it, nothing subscribes to event subjects. Everything else is refused: deleting or purging,
reading stream messages directly, another service's consumers, and the confidential 纪委 events
for a service that may not receive them (webhooks), which therefore cannot even create a
consumer on those subjects.

`admin` may do anything in the account (operators, the bench, tests); `sys` is the system
account's user (`nats server …` reports). deploy/k8s/generate.py renders `accounts_config` with
passwords from Secrets, the local stack (sanwei.stack) with random passwords per stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sanwei_contracts.catalog import SERVICES, EventSpec, received_by
from sanwei_contracts.streams import STREAMS, stream_for_subject

ADMIN_USER = "admin"
SYSTEM_USER = "sys"

#: Refused to every service even if an allow entry would match: nothing a service does deletes data.
SERVICE_DENY: tuple[str, ...] = (
    "$JS.API.STREAM.DELETE.>",
    "$JS.API.STREAM.PURGE.>",
    "$JS.API.STREAM.MSG.DELETE.>",
    "$JS.API.CONSUMER.DELETE.>",
)


def inbox_prefix(service: str) -> str:
    """The service's private reply-subject prefix (nats-py `connect(inbox_prefix=...)`)."""
    return f"_INBOX_{service}"


def durable_name(service: str, spec: EventSpec) -> str:
    """The durable pull consumer through which `service` receives events of `spec`."""
    return f"{service}__{spec.type.replace('.', '_')}"


@dataclass(frozen=True)
class NatsPermissions:
    user: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


def consumer_subjects(service: str, spec: EventSpec) -> list[str]:
    """The JetStream API subjects `service` needs to receive events of `spec` on its durable consumer."""
    stream = stream_for_subject(spec.subject).name
    durable = durable_name(service, spec)
    return [
        f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.{spec.subject}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
    ]


def service_permissions(service: str) -> NatsPermissions:
    own = [s for s in STREAMS if s.producer == service]
    publish = [subject for s in own for subject in s.subjects]
    publish += [f"$JS.API.STREAM.CREATE.{s.name}" for s in STREAMS]
    publish += [f"$JS.API.STREAM.UPDATE.{s.name}" for s in own]
    for spec in received_by(service):
        publish += consumer_subjects(service, spec)
    return NatsPermissions(service, tuple(publish), (f"{inbox_prefix(service)}.>",))


def permission_table(services: Iterable[str] = SERVICES) -> tuple[NatsPermissions, ...]:
    return tuple(service_permissions(service) for service in services)


def _quoted(subjects: Iterable[str]) -> str:
    return "".join(f'\n              "{subject}"' for subject in subjects)


def _service_user(permissions: NatsPermissions, password: str) -> str:
    return f"""      {{
        user: {permissions.user}
        password: {password}
        permissions: {{
          publish: {{
            allow: [{_quoted(permissions.publish)}
            ]
            deny: $SVC_JS_DENY
          }}
          subscribe: {{ allow: [{", ".join(f'"{s}"' for s in permissions.subscribe)}] }}
        }}
      }}"""


def accounts_config(password: Callable[[str], str], services: Iterable[str] = SERVICES) -> str:
    """The nats-server `accounts` block with every user and its permissions, to include in nats.conf.

    `password(user)` gives the text after `password:` for each user (each service, `admin`, `sys`):
    a `$VARIABLE` read from the environment (Kubernetes), or a quoted literal (the local stack).
    """
    deny = "".join(f'\n  "{subject}"' for subject in SERVICE_DENY)
    users = "\n".join(_service_user(p, password(p.user)) for p in permission_table(services))
    return f"""SVC_JS_DENY: [{deny}
]

accounts {{
  SANWEI {{
    jetstream: enabled
    users: [
{users}
      {{ user: {ADMIN_USER}, password: {password(ADMIN_USER)} }}
    ]
  }}
  SYS {{
    users: [
      {{ user: {SYSTEM_USER}, password: {password(SYSTEM_USER)} }}
    ]
  }}
}}
system_account: SYS
"""
