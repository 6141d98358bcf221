"""``/coach announce``: a message to many clients, shown as a preview with Send and Cancel buttons.

``/coach announce [--program ID] [--segment NAME] [--at ISO] TEXT`` stores a draft
(:mod:`domain.services.announcements`) and answers with its preview; Send schedules it (pressed twice,
it is scheduled once), Cancel leaves the draft unsent. The delivery report comes later as a notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.slack import blocks
from bot.slack.auth import linked_coach, record_refusal
from conversations.i18n import use_locale
from conversations.reasons import explain
from conversations.texts import CoachTools as T
from domain.clock import Clock, ensure_utc
from domain.db import Database
from domain.errors import DomainError
from domain.models import Coach
from domain.reasons.announcements import AnnouncementProblems
from domain.services import announcements as ann

if TYPE_CHECKING:
    from bot.slack.commands import CommandReply

ANNOUNCE_SEND = "announce_send"  # value: the draft's id
ANNOUNCE_CANCEL = "announce_cancel"
FLAGS = ("--program", "--segment", "--at")


def usage() -> str:
    """How the command is written, in the current locale (the coach's)."""
    return T.ANNOUNCE_USAGE.format(segments=", ".join(ann.SEGMENTS))


class Usage(ValueError):
    """The command was not written as :func:`usage` says."""


def parse(text: str) -> tuple[dict[str, str], str]:
    """Leading ``--flag value`` pairs, then the announcement exactly as typed (line breaks kept)."""
    options: dict[str, str] = {}
    rest = text.strip()
    while rest.startswith("--"):
        flag, value, rest = (*rest.split(maxsplit=2), "", "")[:3]
        if flag not in FLAGS:
            raise Usage(T.UNKNOWN_FLAG.format(flag=flag))
        if not value:
            raise Usage(T.FLAG_NEEDS_VALUE.format(flag=flag))
        options[flag] = value
    return options, rest


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Usage(T.NOT_A_TIME.format(value=value)) from None
    if parsed.tzinfo is None:
        raise Usage(T.NEEDS_OFFSET)
    return ensure_utc(parsed)


def preview_blocks(draft: ann.AnnouncementView, audience_size: int) -> list[blocks.Block]:
    when = T.AT.format(moment=f"{draft.send_at:%Y-%m-%d %H:%M}") if draft.send_at else T.ON_SEND
    shown = blocks.escape(draft.text)
    clipped = len(shown) > blocks.SECTION_TEXT_MAX
    people = T.PEOPLE.format(n=audience_size)
    who = T.UP_TO.format(people=people) if draft.segment else people
    lines = [T.TO.format(audience=blocks.escape(explain(draft.audience)), who=who, when=when)]
    if clipped:
        lines.append(T.SHORTENED)
    lines.append(T.OPTED_OUT)
    return [
        blocks.header(T.PREVIEW_TITLE),
        blocks.section(shown),
        blocks.context(" ".join(lines)),
        blocks.actions(
            [
                blocks.button(T.SEND, ANNOUNCE_SEND, str(draft.id), style="primary"),
                blocks.button(T.CANCEL, ANNOUNCE_CANCEL, str(draft.id)),
            ],
            block_id="announcement_preview",
        ),
    ]


@dataclass
class SlackAnnouncements:
    db: Database
    clock: Clock

    def register(self, app: AsyncApp) -> None:
        app.action(ANNOUNCE_SEND)(self.send)
        app.action(ANNOUNCE_CANCEL)(self.cancel)

    async def command(self, coach: Coach, rest: str) -> CommandReply:
        from bot.slack.commands import CommandReply, reply

        try:
            options, text = parse(rest)
            program_id = options.get("--program")
            if program_id is not None and not program_id.isdigit():
                raise Usage(T.PROGRAM_ID.format(value=program_id))
            send_at = _instant(options["--at"]) if "--at" in options else None
        except Usage as exc:
            return reply(T.USAGE_AFTER.format(problem=exc, usage=usage()))
        async with self.db.unit_of_work() as session:
            try:
                draft = await ann.create_announcement(
                    session,
                    coach_id=coach.id,
                    text=text,
                    now=self.clock(),
                    actor=f"coach:{coach.id}",
                    program_id=int(program_id) if program_id else None,
                    segment=options.get("--segment"),
                    send_at=send_at,
                    draft=True,
                )
            except DomainError as exc:
                return reply(T.NOT_SENT.format(reason=explain(exc), usage=usage()))
            view = await ann.announcement_view(session, draft)
            size = await ann.audience_size(session, coach_id=coach.id, program_id=draft.program_id)
        return CommandReply(T.PREVIEW_TEXT.format(text=ann.preview(view.text)), preview_blocks(view, size))

    async def _coach(self, body: dict[str, Any], attempted: str) -> Coach | str:
        """The coach pressing the button; else the refusal to answer with."""
        user_id = str(body["user"]["id"])
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            if coach is None:
                return await record_refusal(session, slack_user_id=user_id, attempted=attempted)
            return coach

    async def send(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        coach = await self._coach(body, "send announcement")
        if isinstance(coach, str):
            await respond(text=coach, response_type="ephemeral", replace_original=False)
            return
        value = str(action.get("value", ""))
        try:
            async with self.db.unit_of_work() as session:
                if not value.isdigit():
                    raise DomainError(AnnouncementProblems.BUTTON_EXPIRED())
                confirmed = await ann.confirm_announcement(
                    session, int(value), coach_id=coach.id, now=self.clock(), actor=f"coach:{coach.id}"
                )
                view = await ann.announcement_view(session, confirmed)
        except DomainError as exc:
            with use_locale(coach.locale):
                text = T.NOT_SENT_AGAIN.format(reason=explain(exc))
            await respond(text=blocks.fallback(text), blocks=blocks.text_blocks(text), replace_original=True)
            return
        with use_locale(coach.locale):
            when = (
                T.NOW
                if view.send_at is None or view.send_at <= self.clock()
                else T.AT.format(moment=f"{view.send_at:%Y-%m-%d %H:%M}")
            )
            text = T.GOES_OUT.format(
                id=view.id, audience=explain(view.audience), when=when, preview=view.preview
            )
        await respond(text=blocks.fallback(text), blocks=blocks.text_blocks(text), replace_original=True)

    async def cancel(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        user_id = str(body["user"]["id"])
        async with self.db.sessions() as session:
            coach = await linked_coach(session, user_id)
        with use_locale(coach.locale if coach else None):
            text = T.NOT_SENT_CANCELLED
        await respond(text=text, blocks=blocks.text_blocks(text), replace_original=True)
