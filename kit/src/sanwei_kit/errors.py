"""Errors the domain raises and the HTTP layer turns into 4xx answers with a reason."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. `status` is the HTTP status it maps to."""

    status = 422

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The resource is in a state that does not allow this (e.g. accepting a closed notice)."""

    status = 409


class Invalid(DomainError):
    status = 422


class TooLarge(DomainError):
    """More than the service reads: a body, an upload, a sheet's rows or its expanded size (→ 413)."""

    status = 413
