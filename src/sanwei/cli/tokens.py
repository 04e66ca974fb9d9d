"""`sanwei token`: mint development tokens with the local signing key.

In production the identity provider issues tokens (see the README's security section);
this key exists only for `sanwei up`, the demo, and scripts on a developer's machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from sanwei_kit.auth import DEV_AUDIENCE, DEV_ISSUER, DisciplineLevel, Role, ensure_dev_keys, mint_token

DEFAULT_DATA_DIR = Path(".sanwei")
# The roles of the operator at the keyboard of a dev stack when no token is given.
DEV_OPERATOR_ROLES = (Role.COMMAND, Role.MEDIA, Role.DISCIPLINE, Role.ADMIN, Role.AUDITOR, Role.INTEGRATION)


def data_dir() -> Path:
    return Path(os.environ.get("SANWEI_DATA_DIR", DEFAULT_DATA_DIR))


def dev_operator_token() -> str | None:
    """A short-lived token for the local operator, when this machine holds the dev signing key."""
    private_key = data_dir() / "auth" / "signing-key.pem"
    if not private_key.exists():
        return None
    return mint_token(private_key.read_bytes(), subject="dev-operator", name="本机运维", roles=DEV_OPERATOR_ROLES,
                      issuer=DEV_ISSUER, audience=DEV_AUDIENCE, level=DisciplineLevel.DISTRICT, ttl_seconds=3600)


def register(app: typer.Typer) -> None:
    @app.command("token")
    def token(
        role: Annotated[list[Role], typer.Option("--role", "-r", help="A role (repeat for several).")],
        subject: Annotated[str | None, typer.Option(help="Who the token is for (sub); default from the role.")] = None,
        name: Annotated[str | None, typer.Option(help="The person's name as recorded on what they do.")] = None,
        unit: Annotated[str | None, typer.Option(help="The caller's unit (a unit operator acts only for it).")] = None,
        sub_unit: Annotated[list[str] | None, typer.Option(
            "--sub-unit", help="A sub-unit the unit operator may also act for (repeat).")] = None,
        level: Annotated[DisciplineLevel | None, typer.Option(
            help="纪委 level: district (every clue) or agency (clues assigned to --unit).")] = None,
        ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 8 * 3600,
        directory: Annotated[Path | None, typer.Option(
            "--data-dir", help="The stack's data directory (holds auth/signing-key.pem).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the token and its claims as JSON.")] = False,
    ) -> None:
        """Mint a development token (the key is made on first use; `sanwei up` uses the same one)."""
        if Role.DISCIPLINE in role and level is None:
            level = DisciplineLevel.DISTRICT if unit is None else DisciplineLevel.AGENCY
        if Role.UNIT in role and not unit:
            typer.echo("a unit operator's token needs --unit", err=True)
            raise typer.Exit(2)
        keys = ensure_dev_keys((directory or data_dir()) / "auth")
        units = [unit, *(sub_unit or [])] if unit else []
        minted = mint_token(keys.private_key_file.read_bytes(), subject=subject or f"dev-{'-'.join(role)}",
                            name=name, roles=role, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, unit=unit, units=units,
                            level=level, ttl_seconds=ttl)
        if as_json:
            typer.echo(json.dumps({"token": minted, "roles": [str(r) for r in role], "unit": unit, "units": units,
                                   "level": level, "expires_in": ttl}, ensure_ascii=False))
        else:
            typer.echo(minted)
