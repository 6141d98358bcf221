"""A coach's clients at a glance, and one client in depth: the data behind /coach, App Home and digests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from conversations.coach_summary import describe_trend, flag_reason
from conversations.i18n import current_locale, format_amount
from conversations.texts import CoachHome as T
from domain import rules
from domain.clock import ensure_utc, time_zone
from domain.insights.facts import RiskFlag
from domain.insights.summary import WeeklySummary
from domain.models import CheckIn, Client, Goal
from domain.models.enums import GoalStatus, PaymentStatus
from domain.money import format_money
from domain.services.checkins import check_in_streaks, latest_check_ins, recent_check_ins
from domain.services.client_roster import payment_standings
from domain.services.clients import client_identities, coach_clients
from domain.services.goals import list_goals
from domain.services.program_progress import program_glances
from domain.services.roster import enrolled_programs, recent_payments

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

PROFILE_CHECK_INS = 7
CHART_DAYS = 7
SPARK_LEVELS = "▁▂▃▄▅▆▇█"
NO_CHECK_IN = "·"
CHARTED = (("mood", rules.MOOD_RANGE), ("energy", rules.ENERGY_RANGE))
OTHER_TRENDS = ("sleep_hours", "adherence_pct", "goal_progress")


class CoachInsights(Protocol):
    """What the Slack app reads from the insights service (issue 7): computed, never a model call."""

    async def flags_for_coach(
        self, coach_id: int, *, locale: str | None = None
    ) -> dict[int, list[RiskFlag]]: ...

    async def latest_summary(self, client_id: int) -> WeeklySummary: ...


PROFILE_PAYMENTS = 3


@dataclass(frozen=True, slots=True)
class ClientGlance:
    client: Client
    last_check_in_at: datetime | None
    last_mood: int | None
    streak: int
    flags: tuple[str, ...]
    payment_status: str | None
    program: str | None = None
    """Progress through the client's program with daily steps (``Couch to 5K · day 5 of 42 · …``)."""


@dataclass(frozen=True, slots=True)
class ClientProfile:
    glance: ClientGlance
    channels: tuple[str, ...]
    programs: tuple[tuple[str, str], ...]
    goals: Sequence[Goal]
    check_ins: Sequence[CheckIn]
    summary: str | None
    trend: str = field(default="")
    """The computed week-over-week trends other than the charted ones."""
    charts: tuple[tuple[str, str, str], ...] = ()
    """(metric, sparkline of the last CHART_DAYS local days, computed week-over-week trend)."""
    payments: tuple[tuple[int, str, str], ...] = ()  # (id, amount, status), newest first


def money(amount_minor: int, currency: str) -> str:
    """An amount for the coach: "49.00 USD" in English as everywhere else, Babel's for other languages."""
    if current_locale() == "en":
        return format_money(amount_minor, currency)
    return format_amount(amount_minor, currency)


def flag_texts(risk: Sequence[RiskFlag], payment_status: str | None) -> tuple[str, ...]:
    """The insights' risk flags (most urgent first) and, from billing, a failed payment."""
    ordered = sorted(risk, key=lambda f: f.severity != "act")
    flags = [f.reason for f in ordered]
    if payment_status == PaymentStatus.FAILED:
        flags.append(T.PAYMENT_FAILED)
    return tuple(flags)


async def glances(
    session: AsyncSession,
    clients: Sequence[Client],
    *,
    now: datetime,
    flags: Mapping[int, Sequence[RiskFlag]],
    programs: Mapping[int, str] | None = None,
) -> list[ClientGlance]:
    """Each client's line, read for the whole roster at once: a fixed number of queries (last
    check-ins, streaks, payment standings, programs), however many clients the coach has."""
    ids = [c.id for c in clients]
    if programs is None:
        programs = await program_glances(session, ids, now=now)
    latest = await latest_check_ins(session, ids)
    streaks = await check_in_streaks(session, [(c.id, c.timezone) for c in clients], now=now)
    standings = await payment_standings(session, ids)
    out = []
    for client in clients:
        last_at, last_mood = latest.get(client.id, (None, None))
        payment_status = standings.get(client.id)
        out.append(
            ClientGlance(
                client=client,
                last_check_in_at=last_at,
                last_mood=last_mood,
                streak=streaks.get(client.id, 0),
                flags=flag_texts(flags.get(client.id, ()), payment_status),
                payment_status=payment_status,
                program=programs.get(client.id),
            )
        )
    return out


async def coach_roster(
    session: AsyncSession, coach_id: int, *, now: datetime, flags: Mapping[int, Sequence[RiskFlag]]
) -> list[ClientGlance]:
    """``flags``: the insights' ``flags_for_coach`` (clients without an entry have none)."""
    clients = await coach_clients(session, coach_id, include_archived=False)
    return await glances(session, clients, now=now, flags=flags)


def sparkline(values: Sequence[float | None], low: int, high: int) -> str:
    """One bar per value on the scale ``low``..``high``; a dot where there is no value."""
    top = len(SPARK_LEVELS) - 1
    bars = []
    for value in values:
        if value is None:
            bars.append(NO_CHECK_IN)
            continue
        level = round((value - low) / (high - low) * top)
        bars.append(SPARK_LEVELS[max(0, min(top, level))])
    return "".join(bars)


def daily_values(check_ins: Sequence[CheckIn], metric: str, *, today: date, zone: str) -> list[float | None]:
    """The day's mean of ``metric`` for each of the last CHART_DAYS local days, oldest first."""
    tz = time_zone(zone)
    by_day: dict[date, list[float]] = {}
    for c in check_ins:
        by_day.setdefault(ensure_utc(c.created_at).astimezone(tz).date(), []).append(
            float(getattr(c, metric))
        )
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    return [sum(v) / len(v) if (v := by_day.get(d)) else None for d in days]


def charts_and_trend(
    summary: WeeklySummary, check_ins: Sequence[CheckIn], *, now: datetime, zone: str
) -> tuple[tuple[tuple[str, str, str], ...], str]:
    """Sparklines for mood and energy beside their computed trends, and the other trends as text."""
    today = ensure_utc(now).astimezone(time_zone(zone)).date()
    facts = summary.facts
    charts = tuple(
        (
            metric,
            sparkline(daily_values(check_ins, metric, today=today, zone=zone), low, high),
            describe_trend(facts.trend(metric)) or T.NO_CHECK_INS_THIS_WEEK,
        )
        for metric, (low, high) in CHARTED
    )
    others = [describe_trend(t) for t in facts.trends if t.metric in OTHER_TRENDS]  # in the current locale
    return charts, " · ".join(t for t in others if t)


async def client_profile(
    session: AsyncSession, client: Client, *, now: datetime, summary: WeeklySummary
) -> ClientProfile:
    """``summary``: the insights' ``latest_summary`` (its facts give the flags and trends)."""
    channels = [identity.platform for identity in await client_identities(session, client.id)]
    programs = await enrolled_programs(session, client.id)
    goals = await list_goals(
        session, client.id, statuses=(GoalStatus.ACTIVE, GoalStatus.SUGGESTED, GoalStatus.PROPOSED)
    )
    check_ins = await recent_check_ins(session, client.id, limit=PROFILE_CHECK_INS)
    # The chart covers days, not check-ins: someone checking in twice a day still gets a week.
    recent_days = await recent_check_ins(
        session, client.id, since=ensure_utc(now) - timedelta(days=CHART_DAYS + 1)
    )
    charts, trend = charts_and_trend(summary, recent_days, now=now, zone=client.timezone)
    payments = await recent_payments(session, client.id, limit=PROFILE_PAYMENTS)
    # The flags' reasons in the current locale, from the facts they were raised on.
    flags = [replace(f, reason=flag_reason(f, summary.facts)) for f in summary.facts.flags]
    return ClientProfile(
        glance=(await glances(session, [client], now=now, flags={client.id: flags}))[0],
        channels=tuple(sorted(set(channels))),
        programs=tuple(programs),
        goals=goals,
        check_ins=check_ins,
        summary=summary.text(),
        trend=trend,
        charts=charts,
        payments=tuple((p.id, money(p.amount_minor, p.currency), p.status) for p in payments),
    )


def days_since(at: datetime | None, now: datetime, timezone: str = "UTC") -> int | None:
    """Calendar days since ``at`` in the client's own timezone (0 today), None if it never happened."""
    if at is None:
        return None
    zone = time_zone(timezone)
    return max(0, (ensure_utc(now).astimezone(zone).date() - ensure_utc(at).astimezone(zone).date()).days)


def days_ago(at: datetime | None, now: datetime, timezone: str = "UTC") -> str:
    """Calendar days in the client's own timezone, in the current locale: "today", "yesterday", "3 days ago"."""
    days = days_since(at, now, timezone)
    if days is None:
        return T.NEVER
    if days == 0:
        return T.TODAY
    return T.YESTERDAY if days == 1 else T.DAYS_AGO.format(n=days)
