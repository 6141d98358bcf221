"""A program's group chat, as the conversation layer sees it: what is said in the group and the
weekly post, in the group's language.

In a group the bot answers only ``/cohort CODE`` (link the group), and otherwise listens for the
members' run minutes after a group check-in, which it keeps without answering (a group's messages are
limited to 20 a minute, and the group needs no echo). Everything else said in a group is ignored:
nobody's private conversation with the bot ever happens there.
"""

from __future__ import annotations

from typing import Any

from conversations.i18n import use_locale
from conversations.messages import IncomingMessage, OutgoingMessage
from conversations.texts import Cohorts as T
from domain.clock import utcnow
from domain.db import Database
from domain.errors import NotFound
from domain.services import clients, cohorts
from domain.services.cohorts import WeekPost

COHORT_COMMAND = "/cohort"


def render_week(post: WeekPost) -> list[dict[str, Any]]:
    """The weekly post (steps, last week's opt-in leaderboard) and the group check-in, as two messages."""
    with use_locale(post.locale):
        lines = [
            T.WEEK.format(week=post.week, weeks=post.weeks, program=post.program)
            if post.weeks
            else T.WEEK_OPEN.format(week=post.week, program=post.program)
        ]
        lines += [T.STEP.format(day=day, title=title) for day, title in post.steps] or [T.NO_STEPS]
        if post.last_week_number > 0:
            lines.append("")
            if post.last_week:
                lines.append(T.LEADERBOARD.format(week=post.last_week_number))
                lines += [
                    T.LEADERBOARD_LINE.format(rank=rank, name=name, minutes=minutes)
                    for rank, (name, minutes) in enumerate(post.last_week, 1)
                ]
            else:
                lines.append(T.LEADERBOARD_EMPTY)
        checkin = T.CHECKIN.format(question=post.question or T.DEFAULT_QUESTION)
    return [OutgoingMessage("\n".join(lines)).to_dict(), OutgoingMessage(checkin).to_dict()]


class CohortGroups:
    """Handles what is said in group chats, and the bot joining or leaving one."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def handle(self, message: IncomingMessage, *, title: str | None = None) -> list[OutgoingMessage]:
        text = (message.text or "").strip()
        head, _, rest = text.partition(" ")
        if head.lower() == COHORT_COMMAND:
            return await self._link(message, rest.strip(), title)
        minutes = cohorts.parse_minutes(text)
        if minutes is None:
            return []
        async with self.db.unit_of_work() as session:
            group = await cohorts.cohort_of_chat(session, message.platform, message.chat_id)
            if group is not None:
                await cohorts.record_reply(
                    session,
                    group,
                    external_user_id=message.external_user_id,
                    minutes=minutes,
                    now=message.received_at or utcnow(),
                )
        return []

    async def member_reply(self, message: IncomingMessage) -> bool:
        """A message in a linked channel where only clients' run minutes count (Slack): kept, silently,
        when it is minutes from a known client; True when it was kept. Nothing is ever answered."""
        minutes = cohorts.parse_minutes((message.text or "").strip())
        if minutes is None:
            return False
        async with self.db.unit_of_work() as session:
            group = await cohorts.cohort_of_chat(session, message.platform, message.chat_id)
            if group is None:
                return False
            # Anyone can post in a channel; only people we know as clients have answers to keep.
            if (
                await clients.find_client_by_identity(session, message.platform, message.external_user_id)
                is None
            ):
                return False
            reply = await cohorts.record_reply(
                session,
                group,
                external_user_id=message.external_user_id,
                minutes=minutes,
                now=message.received_at or utcnow(),
            )
        return reply is not None

    async def _link(self, message: IncomingMessage, code: str, title: str | None) -> list[OutgoingMessage]:
        if not code:
            return [OutgoingMessage(T.USAGE)]
        async with self.db.unit_of_work() as session:
            try:
                group = await cohorts.link_by_code(
                    session,
                    code=code,
                    platform=message.platform,
                    chat_id=message.chat_id,
                    title=title,
                    now=utcnow(),
                )
            except NotFound:
                return [OutgoingMessage(T.BAD_CODE)]
            program = await cohorts.program_name(session, group.program_id)
            locale = group.locale
        with use_locale(locale):
            return [OutgoingMessage(T.LINKED.format(program=program))]

    async def joined(self, platform: str, chat_id: str) -> list[OutgoingMessage]:
        """The bot was added to a group: a linked one resumes; any other hears how to link it."""
        async with self.db.unit_of_work() as session:
            group = await cohorts.group_for_chat(session, platform, chat_id)
        if group is not None and group.status == cohorts.ACTIVE:
            return []
        return [OutgoingMessage(T.HELLO)]

    async def left(self, platform: str, chat_id: str) -> None:
        """The bot was removed from a group: its cohort stops and the coach is told (once)."""
        async with self.db.unit_of_work() as session:
            await cohorts.mark_removed(session, platform, chat_id, now=utcnow())
