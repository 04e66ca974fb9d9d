"""Pure webhook rules: selecting event types, backoff with jitter, a delivery's next step; signatures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sanwei_contracts.webhooks import SignatureError, signature_header, verify_signature
from sanwei_kit.errors import Invalid
from sanwei_webhooks.domain.delivery import (
    AttemptOutcome,
    DeliveryState,
    NextStep,
    RetryPolicy,
    after_attempt,
    excerpt,
)
from sanwei_webhooks.domain.subscriptions import check_selectors, wants
from sanwei_webhooks.service import catalogue_types

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
NOTICE_ISSUED = "sanwei.supervision.notice.v1.issued"
CLUE_REGISTERED = "sanwei.discipline.clue.v1.registered"


def test_exact_types_and_patterns_select_events() -> None:
    assert wants([NOTICE_ISSUED], NOTICE_ISSUED, confidential=False)
    assert not wants([NOTICE_ISSUED], "sanwei.supervision.notice.v1.rectified", confidential=False)
    assert wants(["sanwei.supervision.*"], "sanwei.supervision.notice.v1.rectified", confidential=False)
    assert not wants(["sanwei.supervision.*"], "sanwei.media.exposure.v1.published", confidential=False)
    assert wants(["*.v1.published"], "sanwei.media.exposure.v1.published", confidential=False)


def test_nats_style_wildcards_select_like_star() -> None:
    assert wants(["sanwei.>"], NOTICE_ISSUED, confidential=False)
    assert wants(["sanwei.supervision.>"], NOTICE_ISSUED, confidential=False)
    assert not wants(["sanwei.media.>"], NOTICE_ISSUED, confidential=False)


def test_no_selector_ever_selects_a_confidential_event() -> None:
    for selector in ("sanwei.discipline.*", "*", "sanwei.>", ">", CLUE_REGISTERED):
        assert not wants([selector], CLUE_REGISTERED, confidential=True), selector


def test_selectors_are_checked_against_the_catalogue() -> None:
    catalogue = catalogue_types()
    assert check_selectors([" sanwei.media.* ", "sanwei.media.*", NOTICE_ISSUED], catalogue) == [
        "sanwei.media.*", NOTICE_ISSUED]
    with pytest.raises(Invalid, match="selects no event type"):
        check_selectors(["sanwei.supervision.notice.v1.issues"], catalogue)
    with pytest.raises(Invalid, match="never delivered"):
        check_selectors(["sanwei.discipline.clue.*"], catalogue)
    with pytest.raises(Invalid, match="only confidential 纪委 events"):
        check_selectors([CLUE_REGISTERED], catalogue)
    with pytest.raises(Invalid, match="only confidential 纪委 events"):
        check_selectors(["sanwei.discipline.decision.>"], catalogue)
    assert check_selectors(["sanwei.>"], catalogue) == ["sanwei.>"]
    with pytest.raises(Invalid):
        check_selectors(["  "], catalogue)


def test_backoff_doubles_up_to_the_cap_with_equal_jitter() -> None:
    policy = RetryPolicy(max_attempts=8, base_delay=5.0, max_delay=60.0)
    assert [policy.delay(n, 0.0) for n in (1, 2, 3, 4, 5)] == [2.5, 5.0, 10.0, 20.0, 30.0]
    assert [policy.delay(n, 0.999999) for n in (1, 2, 5, 9)] == pytest.approx([5.0, 10.0, 60.0, 60.0])


def test_a_failed_attempt_is_retried_then_given_up_and_2xx_delivers() -> None:
    policy = RetryPolicy(max_attempts=3, base_delay=10.0, max_delay=600.0)
    failed = AttemptOutcome(status=500, body_excerpt="boom", error=None)
    step = after_attempt(policy, 1, failed, NOW, jitter=0.5)
    assert step.state is DeliveryState.FAILING and step.next_attempt_at == NOW + timedelta(seconds=7.5)
    no_answer = AttemptOutcome(status=None, body_excerpt=None, error="timeout")
    assert after_attempt(policy, 2, no_answer, NOW, 0.0).state is DeliveryState.FAILING
    assert after_attempt(policy, 3, failed, NOW, 0.0) == NextStep(DeliveryState.GIVEN_UP, None)
    ok = AttemptOutcome(status=204, body_excerpt="", error=None)
    assert after_attempt(policy, 3, ok, NOW, 0.0).state is DeliveryState.DELIVERED
    assert not AttemptOutcome(status=302, body_excerpt="", error=None).ok


def test_excerpt_keeps_the_start() -> None:
    assert excerpt("整改进行时", 10) == "整改进行时"
    assert excerpt("x" * 20, 5) == "xxxxx…"


SECRET = "whsec_test"
BODY = b'{"id": "e1", "type": "sanwei.supervision.notice.v1.issued"}'


def test_a_fresh_signature_verifies() -> None:
    header = signature_header(SECRET, BODY, 1_790_000_000)
    assert header.startswith("t=1790000000,v1=")
    assert verify_signature(SECRET, BODY, header, now=1_790_000_010) == 1_790_000_000
    # Several v1 entries (e.g. during a rotation): one match is enough.
    other = signature_header("whsec_old", BODY, 1_790_000_000).split(",")[1]
    assert verify_signature(SECRET, BODY.decode(), f"{header},{other}", now=1_790_000_000)


def test_a_replayed_old_signature_is_refused() -> None:
    header = signature_header(SECRET, BODY, 1_790_000_000)
    with pytest.raises(SignatureError, match="replay window"):
        verify_signature(SECRET, BODY, header, now=1_790_000_000 + 301)
    assert verify_signature(SECRET, BODY, header, now=1_790_000_000 + 301, tolerance=600)


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        ("whsec_wrong", BODY, signature_header(SECRET, BODY, 1_790_000_000)),
        (SECRET, BODY + b" ", signature_header(SECRET, BODY, 1_790_000_000)),
        # The timestamp is signed: moving it forward to pass the window breaks the signature.
        (SECRET, BODY, signature_header(SECRET, BODY, 1_790_000_000).replace("t=1790000000", "t=1790000100")),
        (SECRET, BODY, "v1=abc"),
        (SECRET, BODY, "t=1790000000"),
        (SECRET, BODY, "t=soon,v1=abc"),
    ],
)
def test_forged_or_malformed_signatures_are_refused(secret: str, body: bytes, header: str) -> None:
    with pytest.raises(SignatureError):
        verify_signature(secret, body, header, now=1_790_000_000)


def test_the_webhooks_service_consumes_every_public_event_type_of_the_catalogue() -> None:
    """A new public event type must name "webhooks" among its consumers, or no receiver could subscribe to
    it; a confidential 纪委 one must not (it would never be delivered, and NATS refuses it to webhooks)."""
    from sanwei_contracts import CATALOG
    from sanwei_contracts.catalog import consumed_by

    missing = [spec.type for spec in CATALOG if not spec.confidential and spec not in consumed_by("webhooks")]
    assert missing == [], f"add 'webhooks' to the consumers of {missing} in catalog.py"
    confidential = [spec.type for spec in CATALOG if spec.confidential and spec in consumed_by("webhooks")]
    assert confidential == [], f"remove 'webhooks' from the consumers of {confidential} in catalog.py"
