"""The catalogue: every event type, its data model, its producer and its consumers.

An event's type is also its NATS subject: `sanwei.<producer>.<resource>.v1.<action>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from sanwei_contracts.events import discipline, media, progress, registry, supervision

#: Every sanwei service: the producers of events and the consumers the catalogue names.
SERVICES: tuple[str, ...] = ("registry", "progress", "supervision", "media", "discipline", "audit", "webhooks")


@dataclass(frozen=True)
class EventSpec:
    producer: str
    resource: str
    action: str
    model: type[BaseModel]
    summary: str
    consumers: tuple[str, ...] = field(default=())
    version: int = 1
    confidential: bool = False

    @property
    def type(self) -> str:
        return f"sanwei.{self.producer}.{self.resource}.v{self.version}.{self.action}"

    @property
    def subject(self) -> str:
        return self.type


def _spec(producer: str, resource: str, action: str, model: type[BaseModel], **kw: object) -> EventSpec:
    summary = (model.__doc__ or "").strip().splitlines()[0]
    return EventSpec(producer, resource, action, model, summary, **kw)  # type: ignore[arg-type]


# Confidential 纪委 events (all but the published outcome) name people and findings: only the 纪委 and
# audit (which shows them to the 纪委 alone) consume them; never webhooks, which feeds outside systems.
CATALOG: tuple[EventSpec, ...] = (
    _spec("registry", "task", "assigned", registry.TaskAssigned, consumers=("progress", "audit", "webhooks")),
    _spec("registry", "task", "deadline_set", registry.TaskDeadlineSet, consumers=("progress", "audit", "webhooks")),
    _spec("registry", "task", "overdue", registry.TaskOverdue, consumers=("supervision", "audit", "webhooks")),
    _spec("registry", "task", "completed", registry.TaskCompleted, consumers=("progress", "audit", "webhooks")),
    _spec("registry", "task", "updated", registry.TaskUpdated, consumers=("progress", "audit", "webhooks")),
    _spec("registry", "task", "decomposed", registry.TaskDecomposed, consumers=("audit", "webhooks")),
    _spec("registry", "task", "paused", registry.TaskPaused, consumers=("progress", "audit", "webhooks")),
    _spec("registry", "task", "resumed", registry.TaskResumed, consumers=("progress", "audit", "webhooks")),
    _spec("registry", "task", "extension_requested", registry.TaskExtensionRequested, consumers=("audit", "webhooks")),
    _spec("registry", "task", "extension_approved", registry.TaskExtensionApproved,
          consumers=("progress", "audit", "webhooks")),
    _spec("registry", "task", "extension_refused", registry.TaskExtensionRefused, consumers=("audit", "webhooks")),
    _spec("registry", "task", "deadline_warned", registry.TaskDeadlineWarned, consumers=("audit", "webhooks")),
    _spec("registry", "task", "reminded", registry.TaskReminded, consumers=("audit", "webhooks")),
    _spec("progress", "report", "submitted", progress.ReportSubmitted, consumers=("audit", "webhooks")),
    _spec("progress", "report", "missed", progress.ReportMissed, consumers=("audit", "webhooks")),
    _spec("progress", "completion", "claimed", progress.CompletionClaimed, consumers=("audit", "webhooks")),
    _spec("progress", "completion", "accepted", progress.CompletionAccepted, consumers=("registry", "audit", "webhooks")),
    _spec("progress", "completion", "rejected", progress.CompletionRejected, consumers=("audit", "webhooks")),
    _spec("supervision", "notice", "issued", supervision.NoticeIssued, consumers=("audit", "webhooks")),
    _spec("supervision", "notice", "rectification_submitted", supervision.RectificationSubmitted, consumers=("audit", "webhooks")),
    _spec("supervision", "notice", "rectification_returned", supervision.RectificationReturned, consumers=("audit", "webhooks")),
    _spec("supervision", "notice", "rectified", supervision.NoticeRectified, consumers=("audit", "webhooks")),
    _spec("supervision", "notice", "unrectified", supervision.NoticeUnrectified, consumers=("media", "audit", "webhooks")),
    _spec("supervision", "notice", "escalated", supervision.NoticeEscalated, consumers=("audit", "webhooks")),
    _spec("supervision", "notice", "reopened", supervision.NoticeReopened, consumers=("audit", "webhooks")),
    _spec("supervision", "ranking", "published", supervision.RankingPublished, consumers=("audit", "webhooks")),
    _spec("supervision", "referral", "requested", supervision.RankingReferralRequested,
          consumers=("discipline", "audit", "webhooks")),
    _spec("supervision", "draw", "published", supervision.DrawPublished, consumers=("audit", "webhooks")),
    _spec("supervision", "inspection", "closed", supervision.InspectionClosed, consumers=("audit", "webhooks")),
    _spec("media", "exposure", "published", media.ExposurePublished, consumers=("audit", "webhooks")),
    _spec("media", "exposure", "followed_up", media.ExposureFollowedUp, consumers=("audit", "webhooks")),
    _spec("media", "exposure", "rectified", media.ExposureRectified, consumers=("audit", "webhooks")),
    _spec("media", "exposure", "unrectified", media.ExposureUnrectified, consumers=("audit", "webhooks")),
    _spec("media", "exposure", "republished", media.ExposureRepublished, consumers=("audit", "webhooks")),
    _spec("media", "referral", "requested", media.ReferralRequested, consumers=("discipline", "audit", "webhooks")),
    _spec("media", "clue", "received", media.CitizenClueReceived, consumers=("audit", "webhooks")),
    _spec("media", "clue", "dismissed", media.CitizenClueDismissed, consumers=("audit", "webhooks")),
    _spec("discipline", "clue", "registered", discipline.ClueRegistered, consumers=("audit",), confidential=True),
    _spec("discipline", "clue", "assigned", discipline.ClueAssigned, consumers=("audit",), confidential=True),
    _spec("discipline", "clue", "disposed", discipline.ClueDisposed, consumers=("audit",), confidential=True),
    _spec("discipline", "clue", "source_added", discipline.ClueSourceAdded, consumers=("audit",), confidential=True),
    _spec("discipline", "clue", "escalated", discipline.ClueEscalated, consumers=("audit",), confidential=True),
    _spec("discipline", "clue", "reopened", discipline.ClueReopened, consumers=("audit",), confidential=True),
    _spec("discipline", "decision", "made", discipline.DecisionMade, consumers=("audit",), confidential=True),
    _spec("discipline", "outcome", "published", discipline.OutcomePublished, consumers=("media", "audit", "webhooks")),
)

_BY_TYPE = {spec.type: spec for spec in CATALOG}
_BY_MODEL = {spec.model: spec for spec in CATALOG}


class UnknownEventType(LookupError):
    pass


def spec_for_type(event_type: str) -> EventSpec:
    try:
        return _BY_TYPE[event_type]
    except KeyError:
        raise UnknownEventType(f"unknown event type {event_type!r}") from None


def spec_for_model(model: type[BaseModel]) -> EventSpec:
    try:
        return _BY_MODEL[model]
    except KeyError:
        raise UnknownEventType(f"{model.__name__} is not in the event catalogue") from None


def consumed_by(service: str) -> tuple[EventSpec, ...]:
    return tuple(spec for spec in CATALOG if service in spec.consumers)


#: The services trusted with confidential 纪委 events: the 纪委's own, and audit, which keeps them in
#: its chain and shows them to the 纪委 only. Webhooks feeds outside systems, so it never gets them.
CONFIDENTIAL_READERS: frozenset[str] = frozenset({"discipline", "audit"})


def may_receive(service: str, spec: EventSpec) -> bool:
    """Whether `service` may receive events of `spec`: it consumes them, and if they are confidential
    it is trusted with them. The NATS permissions (sanwei_kit.nats_auth) are derived from this."""
    return service in spec.consumers and (not spec.confidential or service in CONFIDENTIAL_READERS)


def received_by(service: str) -> tuple[EventSpec, ...]:
    """The event types `service` subscribes to: those it consumes and may receive."""
    return tuple(spec for spec in CATALOG if may_receive(service, spec))
