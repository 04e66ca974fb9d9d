"""The webhooks service's HTTP API: subscriptions (订阅), their secrets, and their deliveries (推送记录).

系统运维 (role admin) registers, rotates and removes subscriptions; an auditor may read them
and their deliveries, never a secret (a secret is only ever in the answer that creates or
rotates it, which only an admin gets).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AnyHttpUrl, BaseModel, Field, field_validator

from sanwei_kit.auth import Role, require
from sanwei_kit.inputs import INT64_MAX
from sanwei_webhooks.adapters.repository import Delivery
from sanwei_webhooks.domain.delivery import DeliveryState
from sanwei_webhooks.service import SubscriptionOverview, SubscriptionWithSecret, WebhookService

MAX_URL_LENGTH = 2000  # webhook_subscriptions.url


class SubscriptionRequest(BaseModel):
    url: AnyHttpUrl = Field(description="Where deliveries are POSTed (http or https).",
                            examples=["https://oa.example.gov.cn/sanwei/events"])
    event_types: list[str] = Field(
        min_length=1,
        description="Exact event types or patterns with * (e.g. sanwei.supervision.*). Confidential 纪委 events "
                    "(clues, decisions) are never delivered; the published outcome is.",
        examples=[["sanwei.supervision.notice.v1.issued", "sanwei.media.*"]],
    )
    description: str | None = Field(default=None, max_length=500, description="Who this receiver is, e.g. 区政府OA.")

    @field_validator("url")
    @classmethod
    def _url_fits_the_column(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        # Measured as stored: normalising percent-encodes a Chinese path, several times longer than typed.
        if len(str(url)) > MAX_URL_LENGTH:
            raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters (percent-encoded)")
        return url


class SubscriptionView(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    created_at: datetime
    secret_rotated_at: datetime | None
    deliveries: dict[str, int] = Field(description="Deliveries by state: pending, delivered, failing, given_up.")

    @classmethod
    def of(cls, overview: SubscriptionOverview) -> SubscriptionView:
        s = overview.subscription
        return cls(id=s.id, url=s.url, event_types=s.event_types, description=s.description,
                   created_at=s.created_at, secret_rotated_at=s.secret_rotated_at, deliveries=overview.counts)


class SubscriptionWithSecretView(SubscriptionView):
    secret: str = Field(description="The signing secret. Shown only now: store it; rotate it if it is lost.")

    @classmethod
    def with_secret(cls, created: SubscriptionWithSecret, counts: dict[str, int]) -> SubscriptionWithSecretView:
        base = SubscriptionView.of(SubscriptionOverview(created.subscription, counts))
        return cls(**base.model_dump(), secret=created.secret)


class DeliveryView(BaseModel):
    id: int
    event_id: str
    event_type: str
    case_id: str
    state: DeliveryState = Field(description="pending, delivered, failing (retrying) or given_up.")
    attempts: int
    next_attempt_at: datetime | None = Field(description="When the next attempt is due; none once closed.")
    last_attempt_at: datetime | None
    last_status: int | None = Field(description="The receiver's last HTTP status; none if it never answered.")
    last_response: str | None = Field(description="The start of the receiver's last answer.")
    last_error: str | None = Field(description="Why the last attempt got no answer (timeout, refused …).")
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryView:
        return cls(id=d.id, event_id=d.event_id, event_type=d.event_type, case_id=d.case_id, state=d.state,
                   attempts=d.attempts, next_attempt_at=d.next_attempt_at, last_attempt_at=d.last_attempt_at,
                   last_status=d.last_status, last_response=d.last_response, last_error=d.last_error,
                   created_at=d.created_at, delivered_at=d.delivered_at)


def build_router(service: WebhookService) -> APIRouter:
    router = APIRouter(tags=["webhooks"])
    admin = [Depends(require(Role.ADMIN))]
    readers = [Depends(require(Role.ADMIN, Role.AUDITOR))]

    @router.post("/subscriptions", status_code=201, response_model=SubscriptionWithSecretView, dependencies=admin,
                 summary="登记事件推送订阅: register a receiver URL and the event types it wants",
                 description="Answers with the signing secret, shown this once. Every later event of a wanted "
                             "type is POSTed to the URL, signed (Sanwei-Signature), and retried with backoff. "
                             "422 if an event type or pattern selects nothing in the catalogue, or only "
                             "confidential 纪委 events (never delivered). Admin only.")
    async def register(request: SubscriptionRequest) -> SubscriptionWithSecretView:
        created = await service.register(str(request.url), request.event_types, request.description)
        return SubscriptionWithSecretView.with_secret(created, {})

    @router.get("/subscriptions", response_model=list[SubscriptionView], dependencies=readers,
                summary="订阅列表: every subscription with its deliveries counted by state")
    async def list_subscriptions() -> list[SubscriptionView]:
        return [SubscriptionView.of(s) for s in await service.subscriptions()]

    @router.get("/subscriptions/{subscription_id}", response_model=SubscriptionView, dependencies=readers,
                summary="一个订阅: its URL, event types and deliveries counted by state")
    async def get_subscription(subscription_id: str) -> SubscriptionView:
        return SubscriptionView.of(await service.subscription(subscription_id))

    @router.post("/subscriptions/{subscription_id}/rotate-secret", response_model=SubscriptionWithSecretView,
                 dependencies=admin,
                 summary="更换签名密钥: a new secret signs every attempt from now on (shown this once)")
    async def rotate_secret(subscription_id: str) -> SubscriptionWithSecretView:
        rotated = await service.rotate_secret(subscription_id)
        overview = await service.subscription(subscription_id)
        return SubscriptionWithSecretView.with_secret(rotated, overview.counts)

    @router.delete("/subscriptions/{subscription_id}", status_code=204, dependencies=admin,
                   summary="取消订阅: no more deliveries; its delivery records are removed")
    async def remove(subscription_id: str) -> Response:
        await service.remove(subscription_id)
        return Response(status_code=204)

    @router.get("/subscriptions/{subscription_id}/deliveries", response_model=list[DeliveryView], dependencies=readers,
                summary="推送记录: a subscription's deliveries, newest first",
                description="State, attempts, the last answer (status and the start of its body) or error, "
                            "and the next attempt. Page with before_id = the smallest id you got.")
    async def deliveries(
        subscription_id: str,
        state: DeliveryState | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        before_id: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
    ) -> list[DeliveryView]:
        found = await service.deliveries(subscription_id, state=state, limit=limit, before_id=before_id)
        return [DeliveryView.of(d) for d in found]

    return router
