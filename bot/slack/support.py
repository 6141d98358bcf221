"""``/coach support``: a coach asks the admins for help, and admins answer requests from Slack.

- ``/coach support`` — the coach's own requests (an admin: every request still open or answered)
- ``/coach support <text>`` — open a request to the admins
- ``/coach support reply <n> <text>`` — answer back on your request; an admin answers anyone's
- ``/coach support close <n>`` — close your request (an admin: any)

Texts from clients and coaches are escaped for mrkdwn; a Slack retry of the same request adds nothing
(its ``request_ref`` is the message's key)."""

from __future__ import annotations

from bot.slack import blocks
from bot.slack.commands import CommandReply, reply
from conversations.support import answer_ticket, close_ticket_by_team
from domain.db import Database
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.models import Coach
from domain.models.enums import CoachRole
from domain.services import support
from domain.services.support import Requester, TicketClosed

USAGE = (
    "`/coach support <what you need>` opens a request to the admins · `/coach support reply <n> <text>` "
    "answers on it · `/coach support close <n>` closes it"
)
LISTED = 15
PREVIEW = 200


def _reply(text: str) -> CommandReply:
    return reply(text)


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


async def support_command(db: Database, coach: Coach, rest: str, request_ref: str) -> CommandReply:
    action, _, tail = rest.strip().partition(" ")
    word = action.lower()
    is_admin = coach.role == CoachRole.ADMIN
    me = Requester(coach_id=coach.id)
    if not rest.strip():
        return await _list(db, coach, me, is_admin)
    if word in ("reply", "close"):
        number_word, _, text = tail.strip().partition(" ")
        number = support.ticket_number(number_word)
        if number is None:
            return _reply(f"Which request? {USAGE}")
        if word == "close":
            return await _close(db, coach, me, number, is_admin)
        return await _answer(db, coach, me, number, text, is_admin, request_ref)
    try:
        async with db.unit_of_work() as session:
            ticket = await support.open_ticket(session, me, rest, request_key=f"slack:{request_ref}")
    except ValidationError as exc:
        return _reply(f"{exc.message}. {USAGE}")
    return _reply(f"Support request #{ticket.id} is open: the admins have it and will answer you here.")


async def _list(db: Database, coach: Coach, me: Requester, is_admin: bool) -> CommandReply:
    async with db.sessions() as session:
        tickets = await support.list_tickets(
            session,
            statuses=frozenset({"open", "answered"}) if is_admin else None,
            requester=None if is_admin else me,
            limit=LISTED,
        )
    title = "Open support requests" if is_admin else "Your support requests"
    if not tickets:
        return CommandReply(title, [blocks.header(title), blocks.section(f"None. {USAGE}")])
    lines = [
        f"*#{t.id}* {blocks.escape(t.status)} · {blocks.escape(t.requester)} · {t.messages} message(s)\n"
        f">{blocks.escape(_preview(t.last_text))}"
        for t in tickets
    ]
    return CommandReply(
        title, [blocks.header(title), *(blocks.section(line) for line in lines), blocks.context(USAGE)]
    )


async def _answer(
    db: Database, coach: Coach, me: Requester, number: int, text: str, is_admin: bool, request_ref: str
) -> CommandReply:
    if not text.strip():
        return _reply(f"What is your reply? `/coach support reply {number} <text>`")
    key = f"slack:{request_ref}"
    try:
        async with db.unit_of_work() as session:
            ticket = await support.get_ticket(session, number)
            if me.owns(ticket):
                await support.requester_reply(session, me, number, text, request_key=key)
                return _reply(f"Your reply on support request #{number} went to the admins.")
            if not is_admin:
                raise NotFound(f"no support request #{number}")
            await answer_ticket(
                session, number, text, admin_id=coach.id, actor=f"coach:{coach.id}", request_key=key
            )
    except TicketClosed:
        return _reply(
            f"Support request #{number} is closed, so it takes no more replies. Open a new one with `/coach support <text>`."
        )
    except (NotFound, PermissionDenied):
        return _reply(f"There is no support request #{number} of yours.")
    except ValidationError as exc:
        return _reply(f"{exc.message}.")
    return _reply(f"Your answer on support request #{number} is on its way to the requester.")


async def _close(db: Database, coach: Coach, me: Requester, number: int, is_admin: bool) -> CommandReply:
    try:
        async with db.unit_of_work() as session:
            ticket = await support.get_ticket(session, number)
            if me.owns(ticket):
                _, closed = await support.close_ticket(session, number, actor=me.ref, requester=me)
            elif is_admin:
                _, closed = await close_ticket_by_team(session, number, actor=f"coach:{coach.id}")
            else:
                raise NotFound(f"no support request #{number}")
    except NotFound:
        return _reply(f"There is no support request #{number} of yours.")
    return _reply(
        f"Support request #{number} closed." if closed else f"Support request #{number} was already closed."
    )
