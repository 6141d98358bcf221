"""The coach digest and the summary labels in the coach's language.

:class:`domain.insights.digest.Digest` says it in English for the domain (grounding, models, tests);
the coach reads this rendering, through the :class:`~conversations.texts.CoachDigest` catalogue in
``coaches.locale``, with numbers and percentages formatted for that language. English reads the same.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates

from conversations.coach_summary import flag_reason
from conversations.i18n import current_locale, format_decimal, format_percent, use_locale
from conversations.texts import CoachDigest as T
from domain.clock import ensure_utc
from domain.insights.daily import DayFacts
from domain.insights.digest import Digest, DigestLine
from domain.insights.facts import Direction
from domain.insights.period import AFTERNOON_ENDS, MORNING_ENDS, DigestPeriod, DigestWindow

_ARROWS = {Direction.UP: "↑", Direction.DOWN: "↓", Direction.FLAT: "→", Direction.UNKNOWN: ""}


def summary_label(model: str | None, locale: str | None) -> str:
    """ "Computed summary (not AI-generated)", or the AI label naming ``model``, in ``locale``."""
    with use_locale(locale):
        return str(T.COMPUTED_LABEL if model is None else T.AI_LABEL.format(model=model))


def _title(period: DigestPeriod, as_of: date) -> str:
    # ISO dates, as the English title has always had them (they sort and read in every language).
    template = T.TITLE_DAY if period is DigestPeriod.DAY else T.TITLE_WEEK
    return template.format(day=as_of.isoformat())


def _weekday(day: date) -> str:
    return str(babel_dates.format_date(day, format="EEEE", locale=current_locale()))


def window_words(window: DigestWindow, timezone: str) -> str:
    """How a daily digest names its window ("since yesterday morning", "seit gestern Morgen"); the
    same arithmetic as :func:`domain.insights.period.digest_window`, which says it in English."""
    zone = ZoneInfo(timezone)
    local_start = ensure_utc(window.start).astimezone(zone)
    local_end = ensure_utc(window.end).astimezone(zone)
    if local_end.time() == time.min:
        first, last = local_start.date(), local_end.date().fromordinal(local_end.date().toordinal() - 1)
        if first == last:
            return T.WINDOW_ON.format(day=first.isoformat())
        return T.WINDOW_FROM_TO.format(first=first.isoformat(), last=last.isoformat())
    hour = local_start.hour
    part = "morning" if hour < MORNING_ENDS else "afternoon" if hour < AFTERNOON_ENDS else "evening"
    if (local_end.date() - local_start.date()).days == 1:
        return T.WINDOW_SINCE_YESTERDAY[part]
    return T.WINDOW_SINCE_DAY[part].format(weekday=_weekday(local_start.date()))


def _overview(digest: Digest, timezone: str) -> str:
    counts = digest.counts()
    if not counts["clients"]:
        return T.NO_CLIENTS
    clients = T.CLIENTS.format(n=counts["clients"])
    if digest.window is None:
        return T.OVERVIEW_WEEK.format(
            clients=clients,
            checked_in=counts["checked_in"],
            flagged=counts["flagged"],
            need_action=counts["need_action"],
            mood_up=counts["mood_up"],
            mood_down=counts["mood_down"],
        )
    return T.OVERVIEW_DAY.format(
        checked_in=counts["checked_in"],
        clients=clients,
        window=window_words(digest.window, timezone),
        flagged=counts["flagged"],
        need_action=counts["need_action"],
        newly_flagged=counts["newly_flagged"],
        mood_up=counts["mood_up"],
        mood_down=counts["mood_down"],
    )


def _week(line: DigestLine) -> str:
    facts = line.summary.facts
    week = facts.week
    parts = [
        T.CHECK_INS_OF.format(check_ins=week.check_ins, expected=week.expected)
        if week.expected
        else T.CHECK_INS.format(n=week.check_ins)
    ]
    mood = facts.trend("mood")
    if mood.this_week is not None:
        if mood.change:
            parts.append(
                T.MOOD_CHANGE.format(
                    value=format_decimal(mood.this_week),
                    arrow=_ARROWS[mood.direction],
                    change=format_decimal(abs(mood.change)),
                )
            )
        else:
            parts.append(T.MOOD.format(value=format_decimal(mood.this_week)))
    if week.adherence_pct is not None:
        parts.append(T.PLAN_PERCENT.format(percent=format_percent(week.adherence_pct / 100)))
    # A program's own questions and answers are the coach's words: as they are.
    parts += [a.text() for a in facts.program_answers]
    return ", ".join(parts)


def _ago(days: int | None) -> str:
    if days is None:
        return T.NEVER_CHECKED_IN
    if days <= 1:
        return T.LAST_TODAY if days == 0 else T.LAST_YESTERDAY
    return T.LAST_DAYS_AGO.format(n=days)


def _day(line: DigestLine, day: DayFacts) -> str:
    if not day.checked_in:
        return T.NO_CHECK_IN.format(ago=_ago(line.summary.facts.days_since_last_check_in))
    said = T.CHECKED_IN_ONCE if day.check_ins == 1 else T.CHECKED_IN_TIMES.format(n=day.check_ins)
    parts = [
        T.MOOD.format(value=day.mood),
        T.ENERGY.format(value=day.energy),
        T.PLAN.get(day.adherence or "", ""),
    ]
    return T.DAY_LINE.format(said=said, parts=", ".join(p for p in parts if p))


def line_status(line: DigestLine) -> str:
    if line.day is None:
        return f"{line.name}: {_week(line)}"
    return T.STATUS_DAY.format(name=line.name, day=_day(line, line.day), week=_week(line))


def _reasons(line: DigestLine) -> list[str]:
    facts = line.summary.facts
    new = line.day.new_flags if line.day else ()
    return [
        T.NEW_FLAG.format(reason=flag_reason(f, facts)) if f in new else flag_reason(f, facts)
        for f in facts.flags
    ]


def _text(digest: Digest, timezone: str) -> str:
    out = [_title(digest.period, digest.as_of), _overview(digest, timezone), ""]
    for line in digest.lines:
        mark = "‼ " if line.needs_action else ("⚠ " if line.summary.facts.flags else "• ")
        reasons = _reasons(line)
        out.append(mark + line_status(line) + (" — " + "; ".join(reasons) if reasons else ""))
        if line.summary.is_ai:
            out.append(f"    {line.summary.bullets[0]} [AI]")
    return "\n".join(out).rstrip()


def digest_text(digest: Digest, timezone: str, locale: str | None) -> str:
    """The plain-text digest (scheduled digests, email, the CLI) in ``locale``."""
    with use_locale(locale):
        return _text(digest, timezone)


def digest_payload(digest: Digest, timezone: str, locale: str | None) -> dict[str, Any]:
    """:meth:`Digest.to_dict` with the words in ``locale`` (the Slack ``/coach digest`` payload)."""
    payload = digest.to_dict()
    with use_locale(locale):
        payload["title"] = _title(digest.period, digest.as_of)
        payload["overview"] = _overview(digest, timezone)
        for item, line in zip(payload["lines"], digest.lines, strict=True):
            item["status"] = line_status(line)
            item["flags"] = [flag_reason(f, line.summary.facts) for f in line.summary.facts.flags]
    return payload
