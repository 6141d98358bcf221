"""A coach's clients at a glance, and one client in depth: the data behind /coach, App Home and digests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.models import ChannelIdentity, CheckIn, Client, Enrollment, Goal, InsightCache, Payment, Program
from domain.models.enums import GoalStatus, PaymentStatus
from domain.services.checkins import check_in_streak, recent_check_ins

# Alert thresholds shared with the notices the rest of the system raises (issue: mood ≤ 3 is low).
LOW_MOOD = 3
MISSED_CHECK_IN_DAYS = 3
PROFILE_CHECK_INS = 7
PROFILE_PAYMENTS = 3
ZERO_DECIMAL_CURRENCIES = frozenset({"jpy", "krw", "vnd", "clp", "isk", "ugx", "xaf", "xof"})


def format_money(amount_minor: int, currency: str) -> str:
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return f"{amount_minor} {currency.upper()}"
    return f"{amount_minor / 100:.2f} {currency.upper()}"


@dataclass(frozen=True, slots=True)
class ClientGlance:
    client: Client
    last_check_in_at: datetime | None
    last_mood: int | None
    streak: int
    flags: tuple[str, ...]
    payment_status: str | None


@dataclass(frozen=True, slots=True)
class ClientProfile:
    glance: ClientGlance
    channels: tuple[str, ...]
    programs: tuple[tuple[str, str], ...]
    goals: Sequence[Goal]
    check_ins: Sequence[CheckIn]
    summary: str | None
    trend: str = field(default="")
    payments: tuple[tuple[int, str, str], ...] = ()  # (id, amount, status), newest first


def open_flags(
    *,
    last_check_in_at: datetime | None,
    last_mood: int | None,
    payment_status: str | None,
    since: datetime,
    now: datetime,
) -> tuple[str, ...]:
    """Flags a coach should see: a low mood, a run of missed check-ins, a failed payment."""
    flags: list[str] = []
    if last_mood is not None and last_mood <= LOW_MOOD:
        flags.append("low mood")
    reference = ensure_utc(last_check_in_at) if last_check_in_at else ensure_utc(since)
    missed = (now - reference).days
    if missed >= MISSED_CHECK_IN_DAYS:
        flags.append(f"{missed} days without a check-in")
    if payment_status == PaymentStatus.FAILED:
        flags.append("payment failed")
    return tuple(flags)


async def _glance(session: AsyncSession, client: Client, now: datetime) -> ClientGlance:
    last = await recent_check_ins(session, client.id, limit=1)
    latest = last[0] if last else None
    payment_status = await session.scalar(
        select(Payment.status).where(Payment.client_id == client.id).order_by(Payment.id.desc()).limit(1)
    )
    if payment_status is None:
        pending = await session.scalar(
            select(Enrollment.id).where(
                Enrollment.client_id == client.id, Enrollment.status == "pending_payment"
            )
        )
        payment_status = "awaiting payment" if pending is not None else None
    last_at = latest.created_at if latest else None
    last_mood = latest.mood if latest else None
    return ClientGlance(
        client=client,
        last_check_in_at=last_at,
        last_mood=last_mood,
        streak=await check_in_streak(session, client.id, now=now),
        flags=open_flags(
            last_check_in_at=last_at,
            last_mood=last_mood,
            payment_status=payment_status,
            since=client.created_at,
            now=now,
        ),
        payment_status=payment_status,
    )


async def coach_roster(session: AsyncSession, coach_id: int, *, now: datetime) -> list[ClientGlance]:
    clients = (
        await session.scalars(
            select(Client)
            .where(Client.coach_id == coach_id, Client.status != "archived")
            .order_by(Client.display_name)
        )
    ).all()
    return [await _glance(session, client, now) for client in clients]


def mood_trend(check_ins: Sequence[CheckIn]) -> str:
    """Oldest → newest moods and a direction arrow (newest half against oldest half)."""
    moods = [c.mood for c in reversed(check_ins)]
    if len(moods) < 2:
        return ""
    half = len(moods) // 2
    before, after = sum(moods[:half]) / half, sum(moods[half:]) / (len(moods) - half)
    arrow = "↗ improving" if after - before >= 1 else "↘ declining" if before - after >= 1 else "→ steady"
    return f"mood {' '.join(str(m) for m in moods)} ({arrow})"


async def latest_summary(session: AsyncSession, client_id: int) -> str | None:
    """The newest cached weekly summary text of the insights feature, if it wrote one."""
    rows = (
        await session.scalars(
            select(InsightCache)
            .where(InsightCache.kind.in_(("weekly_summary", "summary")))
            .order_by(InsightCache.created_at.desc())
            .limit(50)
        )
    ).all()
    for row in rows:
        content = row.content
        if (
            content.get("client_id") == client_id
            or row.key.endswith(f":{client_id}")
            or f":{client_id}:" in row.key
        ):
            text = content.get("text") or content.get("summary")
            if isinstance(text, str) and text:
                return text
    return None


async def client_profile(session: AsyncSession, client: Client, *, now: datetime) -> ClientProfile:
    channels = (
        await session.scalars(select(ChannelIdentity.platform).where(ChannelIdentity.client_id == client.id))
    ).all()
    programs = (
        await session.execute(
            select(Program.name, Enrollment.status)
            .join(Program, Program.id == Enrollment.program_id)
            .where(Enrollment.client_id == client.id)
            .order_by(Enrollment.id.desc())
        )
    ).all()
    goals = (
        await session.scalars(
            select(Goal)
            .where(Goal.client_id == client.id, Goal.status.in_((GoalStatus.ACTIVE, GoalStatus.SUGGESTED)))
            .order_by(Goal.id)
        )
    ).all()
    check_ins = await recent_check_ins(session, client.id, limit=PROFILE_CHECK_INS)
    payments = (
        await session.scalars(
            select(Payment)
            .where(Payment.client_id == client.id)
            .order_by(Payment.id.desc())
            .limit(PROFILE_PAYMENTS)
        )
    ).all()
    return ClientProfile(
        glance=await _glance(session, client, now),
        channels=tuple(sorted(set(channels))),
        programs=tuple((name, status) for name, status in programs),
        goals=goals,
        check_ins=check_ins,
        summary=await latest_summary(session, client.id),
        trend=mood_trend(check_ins),
        payments=tuple((p.id, format_money(p.amount_minor, p.currency), p.status) for p in payments),
    )


def days_ago(at: datetime | None, now: datetime, timezone: str = "UTC") -> str:
    """Calendar days in the client's own timezone: "today", "yesterday", "3 days ago"."""
    if at is None:
        return "never"
    zone = ZoneInfo(timezone)
    days = (ensure_utc(now).astimezone(zone).date() - ensure_utc(at).astimezone(zone).date()).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"
