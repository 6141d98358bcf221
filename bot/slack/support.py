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
from conversations.reasons import explain
from conversations.support import answer_ticket, close_ticket_by_team
from conversations.texts import CoachTools as T
from domain.db import Database
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.models import Coach
from domain.models.enums import CoachRole
from domain.reasons.support import SupportProblems
from domain.services import support
from domain.services.support import Requester, TicketClosed

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
            return _reply(T.WHICH_REQUEST.format(usage=T.SUPPORT_USAGE))
        if word == "close":
            return await _close(db, coach, me, number, is_admin)
        return await _answer(db, coach, me, number, text, is_admin, request_ref)
    try:
        async with db.unit_of_work() as session:
            ticket = await support.open_ticket(session, me, rest, request_key=f"slack:{request_ref}")
    except ValidationError as exc:
        return _reply(T.REASON_USAGE.format(reason=explain(exc), usage=T.SUPPORT_USAGE))
    return _reply(T.REQUEST_OPENED.format(number=ticket.id))


async def _list(db: Database, coach: Coach, me: Requester, is_admin: bool) -> CommandReply:
    async with db.sessions() as session:
        tickets = await support.list_tickets(
            session,
            statuses=frozenset({"open", "answered"}) if is_admin else None,
            requester=None if is_admin else me,
            limit=LISTED,
        )
    title = T.OPEN_REQUESTS if is_admin else T.YOUR_REQUESTS
    if not tickets:
        return CommandReply(
            title, [blocks.header(title), blocks.section(T.NO_REQUESTS.format(usage=T.SUPPORT_USAGE))]
        )
    lines = [
        T.REQUEST_LINE.format(
            number=t.id,
            status=blocks.escape(T.REQUEST_STATUSES.get(t.status, t.status)),
            requester=blocks.escape(explain(t.requester)),
            messages=T.MESSAGES.format(n=t.messages),
        )
        + f"\n>{blocks.escape(_preview(t.last_text))}"
        for t in tickets
    ]
    return CommandReply(
        title,
        [blocks.header(title), *(blocks.section(line) for line in lines), blocks.context(T.SUPPORT_USAGE)],
    )


async def _answer(
    db: Database, coach: Coach, me: Requester, number: int, text: str, is_admin: bool, request_ref: str
) -> CommandReply:
    if not text.strip():
        return _reply(T.WHAT_REPLY.format(number=number))
    key = f"slack:{request_ref}"
    try:
        async with db.unit_of_work() as session:
            ticket = await support.get_ticket(session, number)
            if me.owns(ticket):
                await support.requester_reply(session, me, number, text, request_key=key)
                return _reply(T.REPLY_SENT.format(number=number))
            if not is_admin:
                raise NotFound(SupportProblems.NO_REQUEST(ticket=number))
            await answer_ticket(
                session, number, text, admin_id=coach.id, actor=f"coach:{coach.id}", request_key=key
            )
    except TicketClosed:
        return _reply(T.REQUEST_CLOSED_NO_REPLIES.format(number=number))
    except (NotFound, PermissionDenied):
        return _reply(T.NO_SUCH_REQUEST.format(number=number))
    except ValidationError as exc:
        return _reply(T.REASON.format(reason=explain(exc)))
    return _reply(T.ANSWER_SENT.format(number=number))


async def _close(db: Database, coach: Coach, me: Requester, number: int, is_admin: bool) -> CommandReply:
    try:
        async with db.unit_of_work() as session:
            ticket = await support.get_ticket(session, number)
            if me.owns(ticket):
                _, closed = await support.close_ticket(session, number, actor=me.ref, requester=me)
            elif is_admin:
                _, closed = await close_ticket_by_team(session, number, actor=f"coach:{coach.id}")
            else:
                raise NotFound(SupportProblems.NO_REQUEST(ticket=number))
    except NotFound:
        return _reply(T.NO_SUCH_REQUEST.format(number=number))
    return _reply((T.REQUEST_CLOSED if closed else T.ALREADY_CLOSED).format(number=number))
