"""Tokens: what the verifier accepts and refuses, with a local key and with an OIDC JWKS URL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from sanwei_kit.auth import (
    AuthError,
    DisciplineLevel,
    Role,
    TokenVerifier,
    ensure_dev_keys,
    generate_signing_key,
    load_public_key,
    mint_token,
    principal_from_claims,
)

pytestmark = pytest.mark.unit

ISSUER, AUDIENCE = "https://sso.example.gov.cn/realms/shizhong", "sanwei"


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, bytes]:
    return generate_signing_key()


def verifier(public_pem: bytes) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, audience=AUDIENCE, public_key=load_public_key(public_pem), leeway=0)


def token(private_pem: bytes, **overrides: object) -> str:
    claims = {"subject": "zhang.san", "roles": ["command"], "issuer": ISSUER, "audience": AUDIENCE, **overrides}
    return mint_token(private_pem, **claims)  # type: ignore[arg-type]


async def test_a_good_token_becomes_the_principal(keys: tuple[bytes, bytes]) -> None:
    principal = await verifier(keys[1]).verify(
        token(keys[0], roles=["unit"], name="李四", unit="区发改局", units=["区发改局", "区发改局投资科"]))
    assert principal.subject == "zhang.san" and principal.actor == "李四"
    assert principal.roles == {Role.UNIT} and principal.unit_scoped
    assert principal.covers_unit("区发改局投资科") and principal.covers_unit(" 区发改局 ")
    assert not principal.covers_unit("区教体局")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"ttl_seconds": -60}, "expired"),
        ({"audience": "another-app"}, "audience"),
        ({"issuer": "https://evil.example"}, "issuer"),
    ],
)
async def test_expired_foreign_or_misaddressed_tokens_are_refused(
    keys: tuple[bytes, bytes], overrides: dict[str, object], reason: str
) -> None:
    with pytest.raises(AuthError, match=reason):
        await verifier(keys[1]).verify(token(keys[0], **overrides))


async def test_a_token_signed_with_another_key_is_refused(keys: tuple[bytes, bytes]) -> None:
    other_private, _ = generate_signing_key()
    with pytest.raises(AuthError, match="signature"):
        await verifier(keys[1]).verify(token(other_private))


async def test_an_unsigned_token_is_refused(keys: tuple[bytes, bytes]) -> None:
    unsigned = jwt.encode({"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "exp": time.time() + 60, "roles": ["admin"]},
                          key=None, algorithm="none")
    with pytest.raises(AuthError):
        await verifier(keys[1]).verify(unsigned)


def test_unknown_roles_are_ignored_and_discipline_defaults_to_the_narrowest_level() -> None:
    principal = principal_from_claims({"sub": "w", "roles": ["discipline", "payroll-admin"]})
    assert principal.roles == {Role.DISCIPLINE}
    assert principal.level is DisciplineLevel.AGENCY
    assert not principal.unit_scoped  # 纪委 staff are not a 责任单位 operator


def test_a_verifier_needs_an_issuer() -> None:
    with pytest.raises(ValueError, match="no token issuer configured"):
        TokenVerifier(issuer=ISSUER, audience=AUDIENCE)


def test_dev_keys_are_made_once_and_the_private_key_is_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = ensure_dev_keys(tmp_path / "auth")
    pem = first.private_key_file.read_bytes()
    again = ensure_dev_keys(tmp_path / "auth")
    assert again.private_key_file.read_bytes() == pem
    assert first.private_key_file.stat().st_mode & 0o077 == 0


@pytest.fixture
def jwks_server(keys: tuple[bytes, bytes]) -> Iterator[str]:
    """An OIDC provider's JWKS endpoint on a free loopback port (production's way to get keys)."""
    public = load_pem_private_key(keys[0], password=None).public_key()
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "ES256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/protocol/openid-connect/certs"
    server.shutdown()


async def test_tokens_verify_against_the_providers_jwks(keys: tuple[bytes, bytes], jwks_server: str) -> None:
    private = load_pem_private_key(keys[0], password=None)
    now = int(time.time())
    signed = jwt.encode({"sub": "kc-user-1", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 300, "iat": now,
                         "roles": ["auditor"]}, private, algorithm="ES256", headers={"kid": "k1"})
    principal = await TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_server).verify(signed)
    assert principal.roles == {Role.AUDITOR}
    forged = jwt.encode({"sub": "kc-user-1", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 300, "roles": ["admin"]},
                        load_pem_private_key(generate_signing_key()[0], password=None), algorithm="ES256",
                        headers={"kid": "k1"})
    with pytest.raises(AuthError):
        await TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_server).verify(forged)
