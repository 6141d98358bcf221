"""A coach's own settings: profile name, when their digest arrives, their timezone, their capacity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.errors import ValidationError
from domain.models import Coach
from domain.reasons import Reason
from domain.reminders.preferences import set_coach_digest_preferences
from domain.services.audit import record_audit_event
from domain.services.coaches import get_coach


@dataclass(frozen=True, slots=True)
class CoachSettings:
    name: str
    digest_time: str
    digest_cadence: str
    timezone: str
    capacity: int | None
    """The most active clients the coach takes; None is no limit."""
    locale: str | None = None
    """The language the coach reads their charts in (``domain.rules.LOCALES``); None keeps it."""


class InvalidSettings(ValidationError):
    """Every field that was wrong, each with its English message (``errors``) and its reason to say
    in the reader's language (``reasons``); nothing was saved."""

    def __init__(self, reasons: dict[str, Reason | str]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in reasons.items()))
        self.errors = {field: str(reason) for field, reason in reasons.items()}
        self.reasons = reasons


def current_settings(coach: Coach) -> CoachSettings:
    return CoachSettings(
        coach.name, coach.digest_time, coach.digest_cadence, coach.timezone, coach.capacity, coach.locale
    )


def check_settings(wanted: CoachSettings) -> CoachSettings:
    """The settings as stored (names collapsed), or :class:`InvalidSettings` naming every bad field."""
    checks: dict[str, Callable[[], str | int | None]] = {
        "name": lambda: rules.check_name(wanted.name),
        "digest_time": lambda: rules.check_time_of_day(wanted.digest_time.strip(), "digest time"),
        "digest_cadence": lambda: rules.check_cadence(wanted.digest_cadence),
        "timezone": lambda: rules.check_timezone(wanted.timezone.strip()),
        "capacity": lambda: rules.check_capacity(wanted.capacity),
        "locale": lambda: None if wanted.locale is None else rules.check_locale(wanted.locale),
    }
    clean: dict[str, Any] = {}
    errors: dict[str, Reason | str] = {}
    for field, check in checks.items():
        try:
            clean[field] = check()
        except ValidationError as exc:
            errors[field] = exc.reason or exc.message
    if errors:
        raise InvalidSettings(errors)
    return CoachSettings(**clean)


async def update_coach_settings(
    session: AsyncSession, coach_id: int, wanted: CoachSettings, *, actor: str, now: datetime
) -> Coach:
    """Save all of ``wanted`` or nothing; pending digests are re-planned for the new time and zone.
    Audited as ``coach.settings_changed`` with the names of the fields that changed."""
    coach = await get_coach(session, coach_id)
    before = current_settings(coach)
    clean = check_settings(wanted)
    if clean.locale is None:
        clean = replace(clean, locale=before.locale)
    changed = [field for field in CoachSettings.__slots__ if getattr(before, field) != getattr(clean, field)]
    if not changed:
        return coach
    coach.name = clean.name
    coach.capacity = clean.capacity
    coach.locale = clean.locale or coach.locale
    await set_coach_digest_preferences(
        session,
        coach_id,
        now=now,
        digest_time=clean.digest_time,
        cadence=clean.digest_cadence,
        timezone=clean.timezone,
    )
    await record_audit_event(
        session,
        actor=actor,
        action="coach.settings_changed",
        subject=f"coach:{coach_id}",
        details={"fields": changed},
    )
    return coach
