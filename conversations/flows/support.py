"""``/support``: a client asks the team that runs the service (the admins), not their coach.

``/support`` lists the client's unclosed requests with Reply and Close buttons (or asks for a new one
when there are none); ``/support new``, ``/support reply N`` and ``/support close N`` go straight
there (the buttons of an admin's answer use them). Text is checked like any note: not empty, not a
button, at most ``rules.NOTE_MAX_CHARS``. A reply to a closed request is refused with a pointer to a
new one. Storage, notices to the admins and the audit trail are :mod:`domain.services.support`'s.
"""

from __future__ import annotations

from conversations.flow import END, Flow, InvalidAnswer, Next, Step, Turn, ask, buttons
from conversations.i18n import format_day
from conversations.messages import OutgoingMessage
from conversations.registry import register_command, register_flow
from conversations.texts import Support as T
from domain import rules
from domain.errors import NotFound, ValidationError
from domain.services import support
from domain.services.support import Requester, TicketClosed, TicketStatus

NAME = "support"
TICKET_KEY = "ticket"
ACTIVE = frozenset({TicketStatus.OPEN.value, TicketStatus.ANSWERED.value})
LISTED = 5  # requests shown by /support; older ones are still answered from their Reply buttons


def _requester(turn: Turn) -> Requester:
    assert turn.client_id is not None
    return Requester(client_id=turn.client_id)


async def _begin(turn: Turn) -> Next:
    action, _, rest = str(turn.data.get("args", "")).strip().partition(" ")
    action = action.lower()
    if action == "new":
        return "text"
    if action in ("reply", "close"):
        number = support.ticket_number(rest)
        if number is None:
            return await _list(turn)
        return await (_start_reply(turn, number) if action == "reply" else _close(turn, number))
    return await _list(turn)


async def _list(turn: Turn) -> Next:
    tickets = await support.list_tickets(
        await turn.session(), statuses=ACTIVE, requester=_requester(turn), limit=LISTED
    )
    if not tickets:
        return "text"
    lines = [T.YOUR_TICKETS]
    pairs: list[tuple[str, str]] = []
    for ticket in tickets:
        status = T.STATUS.get(ticket.status, ticket.status)
        lines.append(
            T.TICKET_LINE.format(ticket=ticket.id, status=status, when=format_day(ticket.updated_at))
        )
        pairs += [
            (T.REPLY.format(ticket=ticket.id), f"/support reply {ticket.id}"),
            (T.CLOSE.format(ticket=ticket.id), f"/support close {ticket.id}"),
        ]
    turn.say("\n".join(lines), [*buttons(*pairs, per_row=2), *buttons((T.NEW, "/support new"))])
    return END


async def _start_reply(turn: Turn, number: int) -> Next:
    try:
        ticket = await support.requester_ticket(await turn.session(), _requester(turn), number)
    except NotFound:
        turn.say(T.NOT_FOUND.format(ticket=number))
        return END
    if ticket.status == TicketStatus.CLOSED:
        turn.say(T.CLOSED_REFUSED.format(ticket=number))
        return END
    turn.data[TICKET_KEY] = number
    return "reply"


async def _close(turn: Turn, number: int) -> Next:
    requester = _requester(turn)
    try:
        _, closed = await support.close_ticket(
            await turn.session(), number, actor=requester.ref, requester=requester
        )
    except NotFound:
        turn.say(T.NOT_FOUND.format(ticket=number))
        return END
    turn.say((T.CLOSED_NOW if closed else T.ALREADY_CLOSED).format(ticket=number))
    return END


def _typed_text(turn: Turn) -> str:
    text = (turn.message.text or "").strip()
    if not text or turn.message.button_payload is not None:
        raise InvalidAnswer(T.EMPTY)
    if len(text) > rules.NOTE_MAX_CHARS:
        raise InvalidAnswer(T.TOO_LONG.format(limit=rules.NOTE_MAX_CHARS))
    return text


async def answer_text(turn: Turn) -> Next:
    text = _typed_text(turn)
    try:
        ticket = await support.open_ticket(
            await turn.session(), _requester(turn), text, request_key=f"chat:{turn.message.idempotency_key}"
        )
    except ValidationError:
        raise InvalidAnswer(T.EMPTY) from None
    turn.say(T.OPENED.format(ticket=ticket.id))
    return END


async def ask_reply(turn: Turn) -> OutgoingMessage:
    return OutgoingMessage(T.ASK_REPLY.format(ticket=turn.data.get(TICKET_KEY)))


async def answer_reply(turn: Turn) -> Next:
    text = _typed_text(turn)
    number = int(turn.data[TICKET_KEY])
    try:
        await support.requester_reply(
            await turn.session(),
            _requester(turn),
            number,
            text,
            request_key=f"chat:{turn.message.idempotency_key}",
        )
    except TicketClosed:
        turn.say(T.CLOSED_REFUSED.format(ticket=number))
        return END
    except NotFound:
        turn.say(T.NOT_FOUND.format(ticket=number))
        return END
    turn.say(T.REPLIED.format(ticket=number))
    return END


FLOW = Flow(
    name=NAME,
    version=1,
    begin=_begin,
    steps=[Step("text", ask(T.ASK), answer_text), Step("reply", ask_reply, answer_reply)],
)


def register() -> None:
    """Add ``/support``."""
    register_flow(FLOW)
    register_command(f"/{NAME}", flow=NAME, help=T.HELP)
