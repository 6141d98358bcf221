"""Reminder messages in the client's language, for the reminders dispatcher (which lives in the domain
and so cannot read the catalogue itself: it is handed :func:`reminder_payload`)."""

from __future__ import annotations

from typing import Any

from conversations.i18n import use_locale
from conversations.texts import Reminders as T
from domain.reminders.dispatch import CHECKIN_BUTTON_PAYLOAD, SETTINGS_BUTTON_PAYLOAD, message_payload
from domain.reminders.kinds import ReminderKind


def reminder_payload(kind: str, locale: str) -> dict[str, Any]:
    """Implements ``domain.reminders.dispatch.ReminderWording``; a payload in another language than
    English names it (``"locale"``), so an email's frame is worded to match."""
    payload = _payload(kind, locale)
    if locale != "en":
        payload["locale"] = locale
    return payload


def _payload(kind: str, locale: str) -> dict[str, Any]:
    with use_locale(locale):
        if kind == ReminderKind.REENGAGEMENT:
            return message_payload(
                T.REENGAGE, [(T.CHECK_IN_NOW, CHECKIN_BUTTON_PAYLOAD), (T.SETTINGS, SETTINGS_BUTTON_PAYLOAD)]
            )
        if kind == ReminderKind.CHECKIN_FOLLOWUP:
            return message_payload(T.FOLLOWUP, [(T.CHECK_IN, CHECKIN_BUTTON_PAYLOAD)])
        if kind == ReminderKind.SESSION:
            return message_payload(T.SESSION)
        return message_payload(T.CHECKIN, [(T.CHECK_IN_NOW, CHECKIN_BUTTON_PAYLOAD)])
