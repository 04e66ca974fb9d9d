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

from sanwei_kit.auth import DevKeys, DisciplineLevel, Role, mint_dev_token

DEFAULT_DATA_DIR = Path(".sanwei")
# The roles of the operator at the keyboard of a dev stack when no token is given.
DEV_OPERATOR_ROLES = (Role.COMMAND, Role.MEDIA, Role.DISCIPLINE, Role.ADMIN, Role.AUDITOR, Role.INTEGRATION)


def data_dir() -> Path:
    return Path(os.environ.get("SANWEI_DATA_DIR", DEFAULT_DATA_DIR))


def dev_operator_token() -> str | None:
    """A short-lived token for the local operator, when this machine holds the dev signing key."""
    auth_dir = data_dir() / "auth"
    if not DevKeys.in_dir(auth_dir).private_key_file.exists():
        return None  # not a dev machine: never make a key here just to sign with it
    return mint_dev_token(auth_dir, *DEV_OPERATOR_ROLES, subject="dev-operator", name="本机运维",
                          level=DisciplineLevel.DISTRICT, ttl_seconds=3600)


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
        units = [unit, *(sub_unit or [])] if unit else []
        minted = mint_dev_token((directory or data_dir()) / "auth", *role, subject=subject, name=name, unit=unit,
                                units=units, level=level, ttl_seconds=ttl)
        if as_json:
            typer.echo(json.dumps({"token": minted, "roles": [str(r) for r in role], "unit": unit, "units": units,
                                   "level": level, "expires_in": ttl}, ensure_ascii=False))
        else:
            typer.echo(minted)
