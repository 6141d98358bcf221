"""Cohort groups: a program's group chat, linked by a one-time code (``/cohort CODE`` in the group)
or by the operator (``coach cohort link``), the week's post and group check-in, the members'
answers, and a leaderboard of only those who opted in.

A group the bot was removed from (Telegram's ``my_chat_member`` update, or a send refused because
the bot was kicked) is marked ``removed`` once: nothing more is queued for it, what was queued is
dropped, and the coach is told.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc, utcnow
from domain.errors import NotFound, ValidationError
from domain.models import ChannelIdentity, Client, Coach, CohortGroup, CohortReply, OutboundMessage, Program
from domain.models.enums import ClientStatus, DeliveryStatus
from domain.programs.questions import QuestionType
from domain.reasons.programs import ProgramRefusals
from domain.reminders.schedule import local_date, local_instant
from domain.services.audit import record_audit_event
from domain.services.notices import notify_coach
from domain.services.outbox import enqueue_message
from domain.services.program_versions import published_version, version_steps

PENDING, ACTIVE, REMOVED = "pending", "active", "removed"
PLATFORMS = frozenset({"telegram", "slack"})
LINK_CODE_BYTES = 4  # 8 hexadecimal characters: typed once into a group
# The week's post goes out on the cohort's weekday at this time in the coach's timezone.
WEEK_POST_AT = time(9, 0)
# A reply is minutes of running in one week: at most the minutes a week has.
REPLY_MINUTES_MAX = 7 * 24 * 60
LEADERBOARD_MAX = 10
_TELEGRAM_GROUP = re.compile(r"^-\d{1,20}$")
_SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,20}$")
_CODE = re.compile(r"^[0-9A-Fa-f]{8}$")
_MINUTES = re.compile(
    r"^\s*(\d{1,5})\s*(?:m|min|mins|minute|minutes|minuten|minutos|мин|минут|минуты|минута)?\.?\s*$",
    re.IGNORECASE,
)
REMOVED_NOTICE = "cohort_removed"


def check_chat_id(platform: str, chat_id: str) -> str:
    """A Telegram group's id is negative (``-100…``); a Slack channel's starts with C or G."""
    if platform not in PLATFORMS:
        raise ValidationError(ProgramRefusals.UNKNOWN_PLATFORM(platform=repr(platform)), field="platform")
    pattern = _TELEGRAM_GROUP if platform == "telegram" else _SLACK_CHANNEL
    if not pattern.match(chat_id):
        expected = (
            ProgramRefusals.TELEGRAM_GROUP_ID()
            if platform == "telegram"
            else ProgramRefusals.SLACK_CHANNEL_ID()
        )
        raise ValidationError(
            ProgramRefusals.NOT_A_GROUP_CHAT(chat=repr(chat_id[:40]), platform=platform, expected=expected),
            field="chat",
        )
    return chat_id


async def _program(session: AsyncSession, program_id: int) -> Program:
    program = await session.get(Program, program_id)
    if program is None:
        raise NotFound(ProgramRefusals.NO_PROGRAM(program=program_id), field="program")
    return program


async def group_for_chat(session: AsyncSession, platform: str, chat_id: str) -> CohortGroup | None:
    return await session.scalar(
        select(CohortGroup).where(CohortGroup.platform == platform, CohortGroup.chat_id == chat_id)
    )


async def new_link_code(
    session: AsyncSession, *, program_id: int, locale: str = "en", starts_on: date | None = None
) -> CohortGroup:
    """A pending Telegram cohort with a one-time code the coach sends as ``/cohort CODE`` in the group."""
    program = await _program(session, program_id)
    group = CohortGroup(
        program_id=program.id,
        coach_id=program.coach_id,
        platform="telegram",
        status=PENDING,
        link_code=secrets.token_hex(LINK_CODE_BYTES).upper(),
        locale=locale,
        starts_on=starts_on,
    )
    session.add(group)
    await session.flush()
    return group


async def _attach(
    session: AsyncSession,
    *,
    program: Program,
    platform: str,
    chat_id: str,
    title: str | None,
    locale: str,
    starts_on: date | None,
    now: datetime,
) -> CohortGroup:
    """The chat's cohort row, (re)linked to ``program`` and active; one row per chat."""
    group = await group_for_chat(session, platform, chat_id)
    if group is None:
        group = CohortGroup(platform=platform, chat_id=chat_id)
        session.add(group)
    group.program_id, group.coach_id = program.id, program.coach_id
    group.status, group.title, group.locale = ACTIVE, (title or group.title), locale
    group.starts_on = starts_on or local_date(now, await _coach_zone(session, program.coach_id))
    group.linked_at, group.removed_at, group.link_code = now, None, None
    await session.flush()
    await record_audit_event(
        session,
        actor="system",
        action="cohort.linked",
        subject=f"cohort:{group.id}",
        details={"program_id": program.id, "platform": platform},
    )
    return group


async def link_chat(
    session: AsyncSession,
    *,
    program_id: int,
    platform: str,
    chat_id: str,
    locale: str = "en",
    starts_on: date | None = None,
    title: str | None = None,
    now: datetime | None = None,
) -> CohortGroup:
    """The operator links a group chat to a program directly (``coach cohort link``)."""
    program = await _program(session, program_id)
    return await _attach(
        session,
        program=program,
        platform=platform,
        chat_id=check_chat_id(platform, chat_id),
        title=title,
        locale=locale,
        starts_on=starts_on,
        now=now or utcnow(),
    )


async def link_by_code(
    session: AsyncSession, *, code: str, platform: str, chat_id: str, title: str | None, now: datetime
) -> CohortGroup:
    """``/cohort CODE`` in a group: the pending cohort of that code takes this chat (the code is used up)."""
    code = code.strip().upper()
    pending = (
        await session.scalar(
            select(CohortGroup).where(CohortGroup.link_code == code, CohortGroup.status == PENDING)
        )
        if _CODE.match(code)
        else None
    )
    if pending is None:
        raise NotFound(ProgramRefusals.NO_COHORT_FOR_CODE(), field="code")
    program = await _program(session, pending.program_id)
    existing = await group_for_chat(session, platform, chat_id)
    if existing is not None:
        # The chat had a cohort (maybe removed since): it moves to the code's program; the code goes.
        locale, starts_on = pending.locale, pending.starts_on
        await session.delete(pending)
        await session.flush()
        return await _attach(
            session,
            program=program,
            platform=platform,
            chat_id=chat_id,
            title=title,
            locale=locale,
            starts_on=starts_on,
            now=now,
        )
    pending.chat_id, pending.platform = chat_id, platform
    return await _attach(
        session,
        program=program,
        platform=platform,
        chat_id=chat_id,
        title=title,
        locale=pending.locale,
        starts_on=pending.starts_on,
        now=now,
    )


async def mark_removed(
    session: AsyncSession, platform: str, chat_id: str, *, now: datetime
) -> CohortGroup | None:
    """The bot left (or was kicked from) the chat: stop sending there and tell the coach, once.
    Returns the group when this call marked it, None when it was not an active cohort."""
    group = await group_for_chat(session, platform, chat_id)
    if group is None or group.status != ACTIVE:
        return None
    group.status, group.removed_at = REMOVED, now
    # What was still queued for the chat would only be refused: it is dropped.
    await session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.platform == platform,
            OutboundMessage.chat_id == chat_id,
            OutboundMessage.status == DeliveryStatus.QUEUED,
        )
        .values(status=DeliveryStatus.FAILED, last_error="the bot was removed from this cohort group")
    )
    program = await session.get(Program, group.program_id)
    name = program.name if program is not None else f"program {group.program_id}"
    await notify_coach(
        session,
        coach_id=group.coach_id,
        kind=REMOVED_NOTICE,
        text=(
            f"The bot was removed from the cohort group of {name}"
            f"{f' ({group.title})' if group.title else ''}; nothing more is posted there. "
            "Add the bot again and send /cohort with a new code (coach cohort code) to resume."
        ),
        data={"program_id": group.program_id, "cohort_id": group.id},
        values={"program": name, "title": group.title},
        dedupe_key=f"cohort_removed:{group.id}:{now.isoformat()}",
    )
    return group


async def cohort_of_chat(session: AsyncSession, platform: str, chat_id: str) -> CohortGroup | None:
    group = await group_for_chat(session, platform, chat_id)
    return group if group is not None and group.status == ACTIVE else None


async def _coach_zone(session: AsyncSession, coach_id: int) -> ZoneInfo:
    coach = await session.get(Coach, coach_id)
    try:
        return ZoneInfo(coach.timezone if coach is not None else "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def week_of(group: CohortGroup, today: date) -> int:
    """The cohort's week on ``today``: 1 from its first day; 0 before it starts."""
    if group.starts_on is None or today < group.starts_on:
        return 0
    return (today - group.starts_on).days // 7 + 1


def parse_minutes(text: str) -> int | None:
    """``45``, ``45 min``, ``90 minutes``: whole minutes from 1 to a week's; None for anything else."""
    match = _MINUTES.match(text or "")
    if match is None:
        return None
    minutes = int(match.group(1))
    return minutes if 0 < minutes <= REPLY_MINUTES_MAX else None


async def record_reply(
    session: AsyncSession, group: CohortGroup, *, external_user_id: str, minutes: int, now: datetime
) -> CohortReply | None:
    """Keep a member's answer for the current week (a later one replaces it); None before the start."""
    week = week_of(group, local_date(now, await _coach_zone(session, group.coach_id)))
    if week <= 0:
        return None
    client_id = await session.scalar(
        select(ChannelIdentity.client_id).where(
            ChannelIdentity.platform == group.platform, ChannelIdentity.external_user_id == external_user_id
        )
    )
    reply = await session.scalar(
        select(CohortReply).where(
            CohortReply.cohort_group_id == group.id,
            CohortReply.week == week,
            CohortReply.external_user_id == external_user_id,
        )
    )
    if reply is None:
        reply = CohortReply(
            cohort_group_id=group.id, week=week, external_user_id=external_user_id, created_at=now
        )
        session.add(reply)
    reply.minutes, reply.client_id, reply.updated_at = minutes, client_id, now
    await session.flush()
    return reply


def first_name(display_name: str) -> str:
    return (display_name.split() or ["?"])[0][:40]


async def leaderboard(session: AsyncSession, group_id: int, week: int) -> list[tuple[str, int]]:
    """(first name, minutes) of the week's answers by clients who opted in, most minutes first.
    Anyone else's answer is left out entirely: not a name, not a number, not a count."""
    rows = await session.execute(
        select(Client.display_name, CohortReply.minutes)
        .join(Client, Client.id == CohortReply.client_id)
        .where(
            CohortReply.cohort_group_id == group_id,
            CohortReply.week == week,
            Client.cohort_leaderboard.is_(True),
            Client.status != ClientStatus.ERASED,
        )
        .order_by(CohortReply.minutes.desc(), CohortReply.id)
        .limit(LEADERBOARD_MAX)
    )
    return [(first_name(name), int(minutes)) for name, minutes in rows]


async def set_leaderboard(session: AsyncSession, client_id: int, *, on: bool) -> None:
    client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(ProgramRefusals.NO_CLIENT(client=client_id))
    client.cohort_leaderboard = on
    await record_audit_event(
        session,
        actor=f"client:{client_id}",
        action="cohort.leaderboard",
        subject=f"client:{client_id}",
        details={"on": on},
    )


@dataclass(frozen=True, slots=True)
class WeekPost:
    """What a cohort's weekly post says (rendered in the group's language by the conversations layer)."""

    group_id: int
    locale: str
    program: str
    week: int
    weeks: int
    steps: tuple[tuple[int, str], ...]  # (day, title) of this week's steps
    question: str | None  # the program's own number question, if it has one
    last_week: tuple[tuple[str, int], ...]  # the opted-in leaderboard of the week before
    last_week_number: int


Render = Callable[[WeekPost], Sequence[dict[str, Any]]]


async def _question(
    session: AsyncSession, program_id: int
) -> tuple[str | None, int, tuple[tuple[int, str], ...]]:
    version = await published_version(session, program_id)
    if version is None:
        return None, 0, ()
    question = next(
        (str(q.get("ask")) for q in version.checkin_questions if q.get("type") == QuestionType.NUMBER.value),
        None,
    )
    steps = tuple((s.day, s.title) for s in await version_steps(session, version.id))
    return question, version.weeks, steps


async def queue_week_posts(session: AsyncSession, *, now: datetime, render: Render) -> int:
    """Queue each active cohort's post for its current week once it is due (on the cohort's weekday
    at 09:00 in the coach's timezone); the outbox key names the cohort and the week, so a second run
    adds nothing. Returns how many posts were queued."""
    groups = (
        await session.scalars(
            select(CohortGroup)
            .where(CohortGroup.status == ACTIVE, CohortGroup.chat_id.is_not(None))
            .order_by(CohortGroup.id)
        )
    ).all()
    queued = 0
    for group in groups:
        zone = await _coach_zone(session, group.coach_id)
        week = week_of(group, local_date(now, zone))
        if week <= 0 or group.starts_on is None or group.chat_id is None:
            continue
        week_start = group.starts_on + timedelta(days=7 * (week - 1))
        if ensure_utc(now) < local_instant(week_start, WEEK_POST_AT, zone):
            continue
        question, weeks, steps = await _question(session, group.program_id)
        if weeks and week > weeks:
            continue  # the program is over
        key = f"cohort:{group.id}:week:{week}"
        if await session.scalar(select(OutboundMessage.id).where(OutboundMessage.dedupe_key == f"{key}:0")):
            continue
        program = await session.get(Program, group.program_id)
        first, last = 7 * (week - 1) + 1, 7 * week
        post = WeekPost(
            group_id=group.id,
            locale=group.locale,
            program=program.name if program is not None else "",
            week=week,
            weeks=weeks,
            steps=tuple((day, title) for day, title in steps if first <= day <= last),
            question=question,
            last_week=tuple(await leaderboard(session, group.id, week - 1)) if week > 1 else (),
            last_week_number=week - 1,
        )
        for i, payload in enumerate(render(post)):
            await enqueue_message(
                session,
                platform=group.platform,
                chat_id=group.chat_id,
                payload=payload,
                dedupe_key=f"{key}:{i}",
            )
        queued += 1
    return queued


async def cohorts(session: AsyncSession, *, coach_id: int | None = None) -> Sequence[CohortGroup]:
    query = select(CohortGroup).order_by(CohortGroup.id)
    if coach_id is not None:
        query = query.where(CohortGroup.coach_id == coach_id)
    return (await session.scalars(query)).all()


async def program_name(session: AsyncSession, program_id: int) -> str:
    program = await session.get(Program, program_id)
    return program.name if program is not None else ""
