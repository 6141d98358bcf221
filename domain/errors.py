"""Typed domain errors. Channel layers turn them into friendly replies; they never leak as tracebacks."""

from __future__ import annotations

from domain.reasons import Reason


class DomainError(Exception):
    """A rule of the coaching domain was broken.

    ``message`` is English; raised with a :class:`~domain.reasons.Reason` instead, the error keeps it
    as ``reason`` so a channel can say it in the reader's language
    (:func:`conversations.reasons.explain`)."""

    code = "domain_error"

    def __init__(self, message: str | Reason, *, field: str | None = None) -> None:
        text = str(message)
        super().__init__(text)
        self.message = text
        self.reason = message if isinstance(message, Reason) else None
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
