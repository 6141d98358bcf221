"""A coach notice's sentence in the coach's language, rendered when it is posted.

Writers that live in the domain (reminders, announcements, program progress) and the payment and
booking notices store the notice's ``kind`` and its ``values`` (names, counts, an instant) next to an
English ``text``; the channel renders the sentence here in the current locale (the coach's, set by
the caller), so a coach who changes language reads the next notice posted in the new one. A notice
queued before its values were stored (or of a kind without a renderer) keeps its stored text.
The details line under a notice is rendered here too: each stored value with its label, codes such
as a platform or a ticket status by their names in the coach's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from conversations.i18n import DEFAULT_LOCALE, format_decimal, format_slot, use_locale
from conversations.texts import CoachNotices as T
from domain.clock import ensure_utc, time_zone

Values = Mapping[str, Any]


def platform_name(platform: str) -> str:
    """A channel's name for the reader ("telegram" → "Telegram"); an unknown one as stored."""
    return T.PLATFORMS.get(platform) or platform


# Details whose values are codes, with the names they are read by.
_VALUE_NAMES: dict[str, Callable[[], Mapping[str, str]]] = {
    "platform": lambda: T.PLATFORMS,
    "status": lambda: T.TICKET_STATUSES,
}
_HIDDEN_DETAILS = frozenset({"goal_id"})  # the goal's buttons carry it


def details(data: Values) -> list[tuple[str, str]]:
    """The notice's details line in the current locale: (label, value) of each scalar stored value."""
    labels = T.DETAILS
    shown = []
    for key, value in data.items():
        if key in _HIDDEN_DETAILS or not isinstance(value, str | int | float) or isinstance(value, bool):
            continue
        names = _VALUE_NAMES.get(key)
        text = str(value)
        if names is not None:
            text = names().get(text) or text
        shown.append((labels.get(key) or key.replace("_", " "), text))
    return shown


def _missed(v: Values) -> str:
    return T.MISSED_CHECK_INS.format(name=v["name"], missed=T.MISSED.format(n=int(v["missed"])))


def _completed(v: Values) -> str:
    return T.PROGRAM_COMPLETED.format(
        name=v["name"],
        program=v["program"],
        done=int(v["tasks_done"]),
        tasks=T.TASKS_OF.format(n=int(v["tasks_total"])),
        check_ins=T.CHECK_INS.format(n=int(v["check_ins"])),
    )


def report_counts(v: Values) -> str:
    """The counts ("2 sent, 0 failed, 0 opted out, 0 blocked"), then the waiting and on their way."""
    parts = [
        T.SENT.format(n=int(v["sent"])),
        T.FAILED.format(n=int(v["failed"])),
        T.OPTED_OUT.format(n=int(v["opted_out"])),
        T.BLOCKED.format(n=int(v["blocked"])),
    ]
    if int(v.get("held") or 0):
        parts.append(T.HELD.format(n=int(v["held"])))
    if int(v.get("pending") or 0):
        parts.append(T.PENDING.format(n=int(v["pending"])))
    return ", ".join(parts)


def _report(v: Values) -> str:
    return T.ANNOUNCEMENT_REPORT.format(preview=v["preview"], counts=report_counts(v))


def _slot(v: Values) -> str:
    """The session's start at the coach's own time, written the coach's way."""
    start = ensure_utc(datetime.fromisoformat(str(v["starts_at"])))
    return format_slot(start.astimezone(time_zone(str(v["zone"]))))


def _erased(v: Values) -> str:
    if v.get("days") is None:
        return T.CLIENT_ERASED.format(first_name=v["first_name"])
    days = T.DAYS.format(n=int(v["days"]))
    return T.CLIENT_ERASED_RETENTION.format(first_name=v["first_name"], days=days)


def _cohort_removed(v: Values) -> str:
    if v.get("title"):
        return T.COHORT_REMOVED_TITLED.format(program=v["program"], title=v["title"])
    return T.COHORT_REMOVED.format(program=v["program"])


def _support(v: Values) -> str:
    if v.get("reply") is None:
        return T.SUPPORT_CLOSED.format(ticket=v["ticket"])
    return T.SUPPORT_REPLIED.format(ticket=v["ticket"], reply=v["reply"])


def _ticket(v: Values) -> str:
    who = T.FROM_CLIENT if v["from"] == "client" else T.FROM_COACH
    requester = who.format(id=v["from_id"], name=v["name"])
    text = T.SUPPORT_NEW if v.get("new") else T.SUPPORT_FOLLOW_UP
    return text.format(ticket=v["ticket"], requester=requester, text=v["text"])


def _goal(v: Values) -> str:
    goal = str(v["goal"])
    if v.get("target"):
        target = f"{format_decimal(float(v['target']))} {v.get('unit') or ''}".strip()
        goal = T.GOAL_TARGET.format(goal=goal, target=target)
    if v.get("due"):
        goal = T.GOAL_DUE.format(goal=goal, due=v["due"])  # ISO, as the digest's dates
    return (T.GOAL_AI if v.get("ai") else T.GOAL_COMPUTED).format(name=v["name"], goal=goal)


_RENDERERS: dict[str, Callable[[Values], str]] = {
    "payment_failed": lambda v: str(T.PAYMENT_FAILED),
    "subscription_ended": lambda v: T.SUBSCRIPTION_ENDED.format(program=v["program"]),
    "paused_unpaid": lambda v: T.PAUSED_UNPAID.format(program=v["program"]),
    "payment_for_cancelled": lambda v: T.PAYMENT_FOR_CANCELLED.format(
        program=v["program"], payment=v["payment"]
    ),
    "payments_not_configured": lambda v: T.NOT_SET_UP.format(name=v["name"], program=v["program"]),
    "missed_checkins": _missed,
    "program_completed": _completed,
    "announcement_report": _report,
    "session_booked": lambda v: T.BOOKED.format(name=v["name"], when=_slot(v)),
    "session_moved": lambda v: T.MOVED.format(name=v["name"], when=_slot(v)),
    "session_cancelled": lambda v: T.CANCELLED.format(name=v["name"], when=_slot(v)),
    "delivery_failed": lambda v: T.DELIVERY_FAILED.format(
        name=v["name"], platform=platform_name(str(v["platform"]))
    ),
    "client_erased": _erased,
    "cohort_removed": _cohort_removed,
    "support_reply": _support,
    "goal_approval": _goal,
    "support_ticket": _ticket,
    "coaches_full": lambda v: T.EVERYONE_FULL.format(coaches=v["coaches"]),
}


def english_text(kind: str, values: Values) -> str:
    """The sentence in English: the text stored with the notice (the fallback, the audit's words)."""
    with use_locale(DEFAULT_LOCALE):
        return notice_text(kind, values, "")


def notice_text(kind: str, values: Values | None, stored: str) -> str:
    """The notice's sentence in the current locale; ``stored`` (the text written with it) when the
    notice carries no values for its kind."""
    render = _RENDERERS.get(kind)
    if render is None or values is None:
        return stored
    try:
        return render(values)
    except (KeyError, TypeError, ValueError):  # a row written before its values were, or by hand
        return stored
