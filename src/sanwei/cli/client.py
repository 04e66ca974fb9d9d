"""Talking to the services' HTTP APIs from the command line, with clear errors."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import typer
from rich.console import Console

from sanwei.stack import SERVICES

err = Console(stderr=True)


def service_url(service: str) -> str:
    """`SANWEI_<SERVICE>_URL` if set, else the port `sanwei up` uses on this machine."""
    return os.environ.get(f"SANWEI_{service.upper()}_URL", f"http://127.0.0.1:{SERVICES[service]}").rstrip("/")


def authorization() -> dict[str, str]:
    """`SANWEI_TOKEN` if set; else, on a machine running `sanwei up`, a dev operator token."""
    from sanwei.cli.tokens import dev_operator_token

    token = os.environ.get("SANWEI_TOKEN") or dev_operator_token()
    return {"Authorization": f"Bearer {token}"} if token else {}


def call(method: str, service: str, path: str, **kwargs: Any) -> Any:
    url = service_url(service) + path
    kwargs["headers"] = {**authorization(), **kwargs.get("headers", {})}
    try:
        response = httpx.request(method, url, timeout=60, **kwargs)
    except httpx.HTTPError as exc:
        err.print(f"[red]cannot reach {service} at {url}: {exc}[/red] (is the stack up? `uv run task up`)")
        raise typer.Exit(3) from exc
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        err.print(f"[red]{service} answered {response.status_code}:[/red] {detail}")
        if response.status_code == 401:
            err.print("give a token in SANWEI_TOKEN (`sanwei token --role …` mints one on a dev machine)")
        raise typer.Exit(1 if response.status_code < 500 else 4)
    if not response.content:
        return None
    return response.json() if "json" in response.headers.get("content-type", "") else response.content


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
