"""Typed domain errors. Channel layers turn them into friendly replies; they never leak as tracebacks."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the coaching domain was broken."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class DuplicateIdentity(DomainError):
    code = "duplicate_identity"


class ProgramNotPublished(DomainError):
    code = "program_not_published"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class PermissionDenied(DomainError):
    code = "permission_denied"
