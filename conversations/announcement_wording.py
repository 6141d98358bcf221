"""Announcements in the client's language, for the expansion in ``domain.services.announcements``
(which cannot read the catalogue itself: the scheduler hands it :func:`announcement_payload`)."""

from __future__ import annotations

from typing import Any

from conversations.i18n import use_locale
from conversations.texts import Announcements as T
from domain.services.outbox import client_message


def announcement_payload(coach_name: str, text: str, locale: str) -> dict[str, Any]:
    """Implements ``domain.services.announcements.Wording``: the coach's words framed with their name
    and how to stop announcements; a payload in another language than English names it (``"locale"``),
    as reminders do."""
    with use_locale(locale):
        payload = client_message(T.FRAME.format(coach=coach_name, text=text))
    if locale != "en":
        payload["locale"] = locale
    return payload
