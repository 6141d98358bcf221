"""Stored states (``active``, ``pending_payment``, ``on track`` ...) as the reader's language names
them: pages show ``{{ state(value) }}``; a value not listed here is shown as stored."""

from __future__ import annotations

from bot.web.i18n import N_, gettext

STATES = {
    "active": N_("active"),
    "inactive": N_("inactive"),
    "archived": N_("archived"),
    "erased": N_("erased"),
    "paused": N_("paused"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
    "pending_payment": N_("pending payment"),
    "pending": N_("pending"),
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),
    "refunded": N_("refunded"),
    "partially_refunded": N_("partially refunded"),
    "proposed": N_("proposed"),
    "suggested": N_("suggested"),
    "done": N_("done"),
    "yes": N_("yes"),
    "partly": N_("partly"),
    "no": N_("no"),
    "sent": N_("sent"),
    "skipped": N_("skipped"),
    "queued": N_("queued"),
    "sending": N_("sending"),
    "confirmed": N_("confirmed"),
    "included": N_("included"),
    "free": N_("free"),
    "open": N_("open"),
    "closed": N_("closed"),
    "daily": N_("daily"),
    "weekdays": N_("weekdays"),
    "weekly": N_("weekly"),
    "one_off": N_("one-off"),
    "monthly": N_("monthly"),
    "on track": N_("on track"),
    "at risk": N_("at risk"),
    "off track": N_("off track"),
    "not enough data": N_("not enough data"),
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "admin": N_("admin"),
    "coach": N_("coach"),
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "expanding": N_("preparing"),
    "answered": N_("answered"),
    "flagged": N_("flagged"),
    "missed": N_("missed check-ins"),
    "unpaid": N_("unpaid"),
    "awaiting payment": N_("awaiting payment"),
    "paid": N_("paid"),
}


def state(value: object) -> str:
    """``value`` (an enum member or its string) in the reader's language."""
    text = str(getattr(value, "value", value))
    label = STATES.get(text)
    return gettext(label) if label is not None else text.replace("_", " ")
