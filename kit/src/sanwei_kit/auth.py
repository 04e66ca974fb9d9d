"""Who is calling: bearer JWTs, roles, unit scope and 纪委 level.

Every non-public endpoint needs `Authorization: Bearer <jwt>` signed by the configured
issuer: an OIDC provider's JWKS URL in production, a local public key in development
(`sanwei token` mints tokens with the matching private key that `task up` generates).
The token's claims say who the caller is:

- `sub`, `name`: the person (or system account) — recorded as the actor of what they do;
- `roles`: any of `Role` (a person may hold several);
- `unit`: the caller's own unit; `units`: the units a 责任单位 operator may act for (their
  unit and its sub-units; defaults to `unit` alone) — the issuer writes it;
- `level`: for 纪委 staff, `district` (区纪委监委: every clue) or `agency` (派驻纪检监察组 /
  街道纪工委: only clues 分办/转办 to `unit`).

Denials answer 403 with the reason and are logged; a missing, expired, wrongly signed or
wrong-audience token answers 401.
"""

from __future__ import annotations

import asyncio
import contextvars
import stat
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sanwei_kit.text import normalize_unit

log = structlog.get_logger(__name__)

ALGORITHMS = ["ES256", "RS256", "EdDSA"]
DEV_ISSUER = "sanwei-dev"
DEV_AUDIENCE = "sanwei"


class Role(StrEnum):
    """The roles of the 三位一体 offices and of the systems around them."""

    COMMAND = "command"  # 指挥部 / 督查室: task lists, 督办通知书, inspections, rankings
    UNIT = "unit"  # 责任单位 operator: their own unit's tasks, reports, rectifications
    MEDIA = "media"  # 曝光台 editor: clue triage, exposures, re-exposure
    DISCIPLINE = "discipline"  # 纪委: clues, 分办, 处置, decisions, publication (by level)
    AUDITOR = "auditor"  # read-only everywhere except 纪委's confidential data
    ADMIN = "admin"  # 运维: dead letters, webhooks, calendar corrections
    INTEGRATION = "integration"  # an external system: OA task pushes, 12345 tickets

    @property
    def label(self) -> str:
        return {
            "command": "指挥部/督查室", "unit": "责任单位", "media": "媒体监督（曝光台）", "discipline": "纪委",
            "auditor": "审计（只读）", "admin": "系统运维", "integration": "外部系统",
        }[self.value]


class DisciplineLevel(StrEnum):
    DISTRICT = "district"  # 区纪委监委: every clue of the district
    AGENCY = "agency"  # 派驻纪检监察组 / 街道纪工委: the clues assigned to it


STAFF_ROLES = frozenset({Role.COMMAND, Role.MEDIA, Role.DISCIPLINE, Role.AUDITOR, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    subject: str
    name: str
    roles: frozenset[Role]
    unit: str | None = None
    units: tuple[str, ...] = ()
    level: DisciplineLevel | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def role_label(self) -> str:
        return ",".join(sorted(self.roles))

    @property
    def unit_scoped(self) -> bool:
        """True when the caller acts only for their own units (a 责任单位 operator and nothing more)."""
        return not (self.roles & STAFF_ROLES)

    def covers_unit(self, unit_name: str | None) -> bool:
        """May this caller act for `unit_name`? Staff may act for any; a unit operator for theirs."""
        if not self.unit_scoped:
            return True
        if not unit_name:
            return False
        return normalize_unit(unit_name) in {normalize_unit(u) for u in self.units}

    def covers_any(self, unit_names: Iterable[str]) -> bool:
        return any(self.covers_unit(name) for name in unit_names)

    @property
    def actor(self) -> str:
        """How the caller is named in events, timelines and 督办 records."""
        return self.name or self.subject


SYSTEM = Principal(subject="system", name="system", roles=frozenset())

# The caller of the request being handled, for the event writer to record who acted
# (actor, role, unit) without threading the principal through every domain call.
current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "sanwei_current_principal", default=None
)


class AuthError(Exception):
    """A token that does not prove who the caller is (→ 401)."""


class TokenVerifier:
    """Checks signature, issuer, audience, expiry; turns the claims into a Principal."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        public_key: Any | None = None,
        jwks_url: str | None = None,
        leeway: float = 30.0,
    ) -> None:
        if public_key is None and not jwks_url:
            raise ValueError(
                "no token issuer configured: set SANWEI_AUTH_JWKS_URL (production) or "
                "SANWEI_AUTH_PUBLIC_KEY_FILE (development; `sanwei token --init` writes one)"
            )
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self._public_key = public_key
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300) if jwks_url else None

    @classmethod
    def from_settings(cls, settings: Any) -> TokenVerifier:
        key: Any | None = None
        if settings.auth_public_key:
            key = load_public_key(settings.auth_public_key.encode())
        elif settings.auth_public_key_file:
            key = load_public_key(Path(settings.auth_public_key_file).read_bytes())
        return cls(issuer=settings.auth_issuer, audience=settings.auth_audience, public_key=key,
                   jwks_url=settings.auth_jwks_url, leeway=settings.auth_leeway)

    async def verify(self, token: str) -> Principal:
        if self._jwks is not None:
            # PyJWKClient fetches (and caches) the provider's keys with blocking I/O.
            try:
                key = (await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)).key
            except jwt.PyJWTError as exc:
                raise AuthError(f"cannot find the token's signing key: {exc}") from exc
        else:
            key = self._public_key
        try:
            claims = jwt.decode(
                token, key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                leeway=self.leeway, options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthError(f"token is not for this audience (expected {self.audience!r})") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthError(f"token is not from the configured issuer ({self.issuer!r})") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthError("token signature does not verify") from exc
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    roles: set[Role] = set()
    raw_roles = claims.get("roles") or []
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    for raw in raw_roles:
        try:
            roles.add(Role(str(raw)))
        except ValueError:
            continue  # roles of other applications at the same issuer
    unit = claims.get("unit") or None
    units = tuple(str(u) for u in (claims.get("units") or ([unit] if unit else [])))
    level: DisciplineLevel | None = None
    if Role.DISCIPLINE in roles:
        try:
            level = DisciplineLevel(claims.get("level") or DisciplineLevel.AGENCY)
        except ValueError:
            level = DisciplineLevel.AGENCY  # an unknown level gets the narrowest view
    return Principal(subject=str(claims["sub"]), name=str(claims.get("name") or claims["sub"]),
                     roles=frozenset(roles), unit=unit, units=units, level=level, claims=claims)


# -- keys and dev tokens --------------------------------------------------------------

def load_public_key(pem: bytes) -> Any:
    return serialization.load_pem_public_key(pem)


def generate_signing_key() -> tuple[bytes, bytes]:
    """A new ES256 key pair as (private PEM, public PEM)."""
    private = ec.generate_private_key(ec.SECP256R1())
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    return private_pem, public_pem


@dataclass(frozen=True)
class DevKeys:
    private_key_file: Path
    public_key_file: Path

    @classmethod
    def in_dir(cls, directory: Path) -> DevKeys:
        """Where the development key pair lives in `directory` (whether made yet or not)."""
        return cls(directory / "signing-key.pem", directory / "signing-key.pub.pem")


def ensure_dev_keys(directory: Path) -> DevKeys:
    """The development signing key pair in `directory`, made on first use (private key 0600)."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = DevKeys.in_dir(directory)
    if not (keys.private_key_file.exists() and keys.public_key_file.exists()):
        private_pem, public_pem = generate_signing_key()
        keys.private_key_file.write_bytes(private_pem)
        keys.private_key_file.chmod(stat.S_IRUSR | stat.S_IWUSR)
        keys.public_key_file.write_bytes(public_pem)
    return keys


def mint_token(
    private_pem: bytes,
    *,
    subject: str,
    roles: Iterable[str],
    issuer: str,
    audience: str,
    name: str | None = None,
    unit: str | None = None,
    units: Iterable[str] = (),
    level: str | None = None,
    ttl_seconds: float = 8 * 3600,
    now: float | None = None,
) -> str:
    """A signed ES256 token with sanwei's claims (development and tests only)."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": issuer, "aud": audience, "sub": subject, "name": name or subject,
        "roles": [str(Role(r)) for r in roles], "iat": issued, "nbf": issued,
        "exp": issued + int(ttl_seconds), "jti": uuid.uuid4().hex,
    }
    if unit:
        claims["unit"] = unit
    unit_list = list(units) or ([unit] if unit else [])
    if unit_list:
        claims["units"] = unit_list
    if level:
        claims["level"] = str(DisciplineLevel(level))
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the development signing key must be an EC (P-256) key for ES256")
    return jwt.encode(claims, key, algorithm="ES256")


def mint_dev_token(auth_dir: Path, *roles: str, subject: str | None = None, **claims: Any) -> str:
    """A token from the development key pair in `auth_dir` (made on first use), for the dev issuer and
    audience the local stack's services accept; `claims` as `mint_token` takes them."""
    keys = ensure_dev_keys(auth_dir)
    return mint_token(keys.private_key_file.read_bytes(), subject=subject or f"dev-{'-'.join(roles)}",
                      roles=roles, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, **claims)


# -- FastAPI dependencies ---------------------------------------------------------------

def _verifier(request: Request) -> TokenVerifier:
    return request.app.state.runtime.auth


# Declares the scheme in each service's OpenAPI (integrators see which operations need a token);
# auto_error is off so that a missing token gets sanwei's own 401 with a reason.
bearer_scheme = HTTPBearer(auto_error=False, bearerFormat="JWT",
                           description="A JWT from the configured issuer (development: `sanwei token`).")


async def authenticated(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)
) -> Principal:
    """The verified caller, or 401 with the reason."""
    if credentials is None or not credentials.credentials.strip():
        raise HTTPException(status_code=401, detail={"reason": "bearer token required"},
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        principal = await _verifier(request).verify(credentials.credentials.strip())
    except AuthError as exc:
        log.warning("authentication refused", path=request.url.path, reason=str(exc))
        raise HTTPException(status_code=401, detail={"reason": str(exc)},
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc
    current_principal.set(principal)
    structlog.contextvars.bind_contextvars(actor=principal.actor)
    return principal


def deny(principal: Principal, reason: str, **context: Any) -> HTTPException:
    """A 403 with its reason, logged with who was refused what."""
    log.warning("access denied", actor=principal.actor, subject=principal.subject,
                roles=principal.role_label, unit=principal.unit, reason=reason, **context)
    return HTTPException(status_code=403, detail={"reason": reason})


def require(*roles: Role) -> Callable[..., Any]:
    """A dependency: the caller must hold one of `roles` (403 otherwise)."""
    allowed = frozenset(roles)
    needed = "、".join(role.label for role in roles)

    async def dependency(request: Request, principal: Principal = Depends(authenticated)) -> Principal:
        if not principal.roles & allowed:
            raise deny(principal, f"this needs the role {' or '.join(roles)} ({needed})",
                       method=request.method, path=request.url.path)
        return principal

    return dependency


def require_unit(principal: Principal, *unit_names: str | None, what: str = "this") -> None:
    """403 unless the caller may act for one of `unit_names` (their own unit or a sub-unit)."""
    names = [n for n in unit_names if n]
    if principal.covers_any(names):
        return
    raise deny(principal, f"{what} belongs to {'、'.join(names) or 'no unit'}; "
                          f"your scope is {'、'.join(principal.units) or 'no unit'}")


class CallerScope:
    """ASGI middleware: the caller recorded for events is the one of this request only.

    Under uvicorn each request runs in its own task, but an in-process client (tests,
    ASGI transports) runs the app in the caller's task: without this the last caller
    would linger and be recorded as the actor of a later timer's events.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        token = current_principal.set(None)
        try:
            await self.app(scope, receive, send)
        finally:
            current_principal.reset(token)
            structlog.contextvars.unbind_contextvars("actor")
