"""Signing and verifying sanwei webhook deliveries (pure: no I/O, no clock of its own).

Every delivery is an HTTP POST whose body is the event envelope (JSON) and whose
`Sanwei-Signature` header reads `t=<unix seconds>,v1=<hex>`, where `<hex>` is
HMAC-SHA256, keyed with the subscription's secret, of the bytes `"<t>." + body`.
Signing the timestamp with the body lets a receiver refuse a replayed old delivery:
accept only if the signature matches AND `t` is within `tolerance` seconds of now.

    from sanwei_contracts.webhooks import verify_signature
    verify_signature(secret, request_body, request.headers["Sanwei-Signature"], time.time())

Several `v1=` entries may appear (e.g. while a secret is rotated); one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Sanwei-Signature"
EVENT_ID_HEADER = "Sanwei-Event-Id"
EVENT_TYPE_HEADER = "Sanwei-Event-Type"
DEFAULT_TOLERANCE = 300


class SignatureError(ValueError):
    """The delivery is not authentic: malformed header, wrong signature, or outside the replay window."""


def compute_signature(secret: str, body: bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 of `"<timestamp>.<body>"` with the secret."""
    signed = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The `Sanwei-Signature` header value for a body sent at `timestamp` (unix seconds)."""
    return f"t={int(timestamp)},v1={compute_signature(secret, body, timestamp)}"


def parse_signature_header(header: str) -> tuple[int, list[str]]:
    """(`t`, every `v1` signature) of a header; SignatureError if it has no timestamp or no v1."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError(f"timestamp is not an integer: {value!r}") from None
        elif key == "v1":
            signatures.append(value.strip())
    if timestamp is None:
        raise SignatureError("signature header has no t=<timestamp>")
    if not signatures:
        raise SignatureError("signature header has no v1=<signature>")
    return timestamp, signatures


def verify_signature(
    secret: str,
    body: bytes | str,
    header: str,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE,
) -> int:
    """Check a delivery; returns its timestamp, raises SignatureError if it must be refused.

    `now` is the receiver's current unix time; deliveries signed more than `tolerance`
    seconds before (or after) it are refused, so a captured request cannot be replayed later.
    Receivers should also remember `Sanwei-Event-Id`s they processed: a retry after a lost
    response carries the same event id with a fresh signature.
    """
    raw = body.encode() if isinstance(body, str) else body
    timestamp, signatures = parse_signature_header(header)
    expected = compute_signature(secret, raw, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("signature does not match the body and secret")
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"timestamp {timestamp} is outside the {tolerance:g} s replay window")
    return timestamp
