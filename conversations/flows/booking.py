"""``/book`` and ``/sessions``: a client books a live session with their coach, and later moves or
cancels it.

``/book`` offers the next free slots as buttons, each in the *client's* timezone (the coach's hours
are kept in theirs: ``domain.booking``), asks to confirm, and holds the slot with the one conditional
insert of ``domain.services.booking`` — when another client won the slot meanwhile, the fresh free
times are offered again. The confirmation carries the meeting link and the ``.ics`` invite (also by
email when the client has an address and email is delivered), and a reminder is planned an hour
before. ``/sessions`` lists the upcoming sessions; each can be rescheduled or cancelled until the
coach's notice period begins, and the updated invite (same UID, higher SEQUENCE) goes out each time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from conversations.coach_notices import english_text
from conversations.flow import END, Flow, InvalidAnswer, Next, Step, Turn, buttons
from conversations.flows.payment import offer_payment
from conversations.i18n import format_amount, format_slot
from conversations.messages import OutgoingFile, OutgoingMessage
from conversations.registry import register_command, register_flow
from conversations.texts import Booking as T
from conversations.texts import Commands
from domain.booking.availability import Availability
from domain.booking.invite import INVITE_FILE_NAME, INVITE_MIME, invite_ics
from domain.booking.slots import within_notice
from domain.booking.video import meeting_link
from domain.clock import ensure_utc, time_zone
from domain.models import Client, Coach
from domain.models.enums import BookingPayment, Platform
from domain.services.booking import (
    BookedSession,
    buy_extra_session,
    cancel_booking,
    client_upcoming,
    extra_session_offer,
    get_availability,
    get_booking,
    hold_slot,
    included_sessions_left,
    offer_slots,
    reschedule_booking,
    schedule_session_reminder,
    session_event,
    slot_is_free,
)
from domain.services.client_email import email_delivery, email_payload
from domain.services.email_verification import email_reachable
from domain.services.notices import notify_coach
from domain.services.outbox import enqueue_message

SLOTS_OFFERED = 6  # buttons per offer: enough choice, still one screen on a phone
SESSIONS_LISTED = 10
SLOT_PREFIX = "slot:"  # a slot button's payload: slot:20261207T1400Z (well under Telegram's 64 bytes)
SESSION_PREFIX = "session:"
_SLOT_FORMAT = "%Y%m%dT%H%MZ"
YES, OTHER, RESCHEDULE, CANCEL, KEEP, BUY = "yes", "other", "reschedule", "cancel", "keep", "buy"


def slot_payload(start: datetime) -> str:
    return SLOT_PREFIX + start.astimezone(UTC).strftime(_SLOT_FORMAT)


def parse_slot(text: str) -> datetime | None:
    if not text.startswith(SLOT_PREFIX):
        return None
    try:
        return datetime.strptime(text[len(SLOT_PREFIX) :], _SLOT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


async def _client(turn: Turn) -> Client:
    assert turn.client_id is not None
    client = await (await turn.session()).get(Client, turn.client_id)
    assert client is not None
    return client


def _when(start: datetime, timezone: str) -> str:
    return format_slot(start.astimezone(time_zone(timezone)))


def _slot_buttons(turn: Turn) -> list[list[Any]]:
    zone = turn.data["zone"]
    pairs = [
        (_when(datetime.fromisoformat(s), zone), slot_payload(datetime.fromisoformat(s)))
        for s in turn.data["slots"]
    ]
    return buttons(*pairs, per_row=2)


async def _offer(turn: Turn, coach_id: int, *, ignore_booking: int | None = None) -> Availability | None:
    """Put the next free slots in ``turn.data``; the availability (None: the coach takes no bookings)."""
    availability, slots = await offer_slots(
        await turn.session(), coach_id, now=turn.now, limit=SLOTS_OFFERED, ignore_booking=ignore_booking
    )
    turn.data["slots"] = [s.isoformat() for s in slots]
    if availability is not None:
        turn.data["minutes"] = availability.session_minutes
    return availability


# --- /book -------------------------------------------------------------------------------------------


async def begin_book(turn: Turn) -> Next:
    client = await _client(turn)
    if client.coach_id is None:
        turn.say(T.NO_COACH)
        return END
    session = await turn.session()
    left = await included_sessions_left(session, client.id)
    turn.data.update(coach_id=client.coach_id, zone=client.timezone, included=left is not None)
    if left == 0:
        availability = await get_availability(session, client.coach_id)
        program = await extra_session_offer(session, client.coach_id, availability) if availability else None
        if program is None:
            turn.say(T.NONE_LEFT)
            return END
        turn.data.update(
            program=program.id,
            program_name=program.name,
            price=format_amount(program.price_minor, program.currency),
        )
        return "buy"
    if await _offer(turn, client.coach_id) is None:
        turn.say(T.NOT_BOOKABLE)
        return END
    if not turn.data["slots"]:
        turn.say(T.NO_SLOTS)
        return END
    if left is not None:
        turn.say(T.LEFT.format(count=left))
    return "pick"


async def prompt_pick(turn: Turn) -> OutgoingMessage:
    text = T.ASK_SLOT.format(minutes=turn.data["minutes"], zone=turn.data["zone"])
    return OutgoingMessage(text, tuple(tuple(row) for row in _slot_buttons(turn)))


def _chosen(turn: Turn) -> datetime:
    slot = parse_slot(turn.text)
    if slot is None or slot.isoformat() not in turn.data["slots"]:
        raise InvalidAnswer(T.PICK_A_BUTTON)
    return slot


async def answer_pick(turn: Turn) -> Next:
    turn.data["slot"] = _chosen(turn).isoformat()
    return "confirm"


async def prompt_confirm(turn: Turn) -> OutgoingMessage:
    when = _when(datetime.fromisoformat(turn.data["slot"]), turn.data["zone"])
    rows = buttons((T.BOOK_IT, YES), (T.OTHER_TIME, OTHER), per_row=2)
    return OutgoingMessage(
        T.CONFIRM.format(when=when, minutes=turn.data["minutes"]), tuple(tuple(r) for r in rows)
    )


async def _taken(turn: Turn, coach_id: int, *, ignore_booking: int | None = None) -> Next:
    await _offer(turn, coach_id, ignore_booking=ignore_booking)
    if not turn.data["slots"]:
        turn.say(T.NO_SLOTS)
        return END
    turn.say(T.TAKEN)
    return "pick"


async def answer_confirm(turn: Turn) -> Next:
    answer = turn.text.strip().lower()
    if answer == OTHER:
        return "pick"
    if answer != YES:
        raise InvalidAnswer(T.ANSWER_YES_OR_OTHER)
    session = await turn.session()
    coach_id = int(turn.data["coach_id"])
    start = datetime.fromisoformat(turn.data["slot"])
    availability = await get_availability(session, coach_id)
    if availability is None:
        turn.say(T.NOT_BOOKABLE)
        return END
    if not await slot_is_free(session, coach_id, availability, start, now=turn.now):
        return await _taken(turn, coach_id)
    client = await _client(turn)
    if turn.data.get("included") and await included_sessions_left(session, client.id) == 0:
        turn.say(T.NONE_LEFT)
        return END
    held = await hold_slot(
        session,
        coach_id=coach_id,
        client_id=client.id,
        start=start,
        minutes=availability.session_minutes,
        buffer_minutes=availability.buffer_minutes,
        video_url=meeting_link(availability.video_link),
        paid_by=BookingPayment.INCLUDED if turn.data.get("included") else BookingPayment.FREE,
        now=turn.now,
    )
    if held is None:
        return await _taken(turn, coach_id)
    await _send_invite(turn, client, held, T.BOOKED, kind="session_booked")
    return END


async def _send_invite(turn: Turn, client: Client, booking: BookedSession, text: str, *, kind: str) -> None:
    """The chat reply with the invite (or cancellation) file, the same by email, the reminder of a
    live booking, and a notice to the coach."""
    session = await turn.session()
    coach = await session.get(Coach, booking.coach_id)
    coach_name = coach.name if coach else ""
    when = _when(booking.starts_at, client.timezone)
    event = await session_event(
        session,
        booking,
        summary=T.INVITE_SUMMARY.format(coach=coach_name),
        description=T.INVITE_DESCRIPTION.format(coach=coach_name),
    )
    ics = invite_ics(event, stamp=turn.now)
    message = OutgoingMessage(
        text.format(when=when, minutes=turn.data.get("minutes", ""), link=booking.video_url),
        files=(OutgoingFile(INVITE_FILE_NAME, ics, INVITE_MIME),),
    )
    turn.replies.append(message)
    if client.email and email_delivery() and email_reachable(client):
        # To a confirmed, not unsubscribed address, with the client's id, language and the way out.
        payload = await email_payload(session, client, {**message.to_dict(), "subject": str(T.EMAIL_SUBJECT)})
        await enqueue_message(
            session,
            platform=Platform.EMAIL,
            chat_id=client.email,
            payload=payload,
            dedupe_key=f"session-invite:{booking.id}:{booking.sequence}",
        )
    if not event.cancelled:
        reminder = OutgoingMessage(T.REMINDER.format(when=when, link=booking.video_url))
        await schedule_session_reminder(session, booking, reminder.to_dict())
    # At the coach's own time, rendered in the coach's language when posted (coach_notices); the
    # stored text is the English one.
    values = {
        "name": client.display_name,
        "starts_at": ensure_utc(booking.starts_at).isoformat(),
        "zone": coach.timezone if coach else "UTC",
    }
    await notify_coach(
        session,
        coach_id=booking.coach_id,
        kind=kind,
        text=english_text(kind, values),
        client_id=client.id,
        data={"booking_id": booking.id},
        values=values,
        dedupe_key=f"{kind}:{booking.id}:{booking.sequence}",
    )


async def prompt_buy(turn: Turn) -> OutgoingMessage:
    rows = buttons((T.BUY, BUY), (T.NOT_NOW, KEEP), per_row=2)
    return OutgoingMessage(T.BUY_ONE.format(price=turn.data["price"]), tuple(tuple(r) for r in rows))


async def answer_buy(turn: Turn) -> Next:
    """One more session through the existing Checkout path: an enrollment in the coach's
    extra-session program, paid like any program (``/pay`` works for it too)."""
    answer = turn.text.strip().lower()
    if answer == KEEP:
        turn.say(T.NOT_NOW_OK)
        return END
    if answer != BUY:
        raise InvalidAnswer(T.ANSWER_BUY)
    client = await _client(turn)
    session = await turn.session()
    availability = await get_availability(session, int(turn.data["coach_id"]))
    program = (
        await extra_session_offer(session, int(turn.data["coach_id"]), availability) if availability else None
    )
    if program is None or program.id != turn.data["program"]:
        turn.say(T.NONE_LEFT)
        return END
    enrollment_id = await buy_extra_session(session, client.id, program)
    await offer_payment(turn, enrollment_id=enrollment_id, program_name=program.name)
    return END


BOOK_FLOW = Flow(
    name="book",
    version=1,
    begin=begin_book,
    steps=[
        Step("pick", prompt_pick, answer_pick),
        Step("confirm", prompt_confirm, answer_confirm),
        Step("buy", prompt_buy, answer_buy),
    ],
)


# --- /sessions ---------------------------------------------------------------------------------------


async def begin_sessions(turn: Turn) -> Next:
    client = await _client(turn)
    upcoming = await client_upcoming(await turn.session(), client.id, now=turn.now)
    if not upcoming:
        turn.say(T.NO_SESSIONS)
        return END
    turn.data.update(
        zone=client.timezone,
        sessions={str(b.id): b.starts_at.isoformat() for b in upcoming[:SESSIONS_LISTED]},
    )
    return "choose"


async def prompt_choose(turn: Turn) -> OutgoingMessage:
    zone = turn.data["zone"]
    pairs = [
        (_when(datetime.fromisoformat(start), zone), f"{SESSION_PREFIX}{booking_id}")
        for booking_id, start in turn.data["sessions"].items()
    ]
    return OutgoingMessage(T.YOUR_SESSIONS, tuple(tuple(r) for r in buttons(*pairs, per_row=1)))


async def answer_choose(turn: Turn) -> Next:
    chosen = turn.text.removeprefix(SESSION_PREFIX)
    if not turn.text.startswith(SESSION_PREFIX) or chosen not in turn.data["sessions"]:
        raise InvalidAnswer(T.PICK_A_SESSION)
    booking = await get_booking(await turn.session(), int(chosen))
    if booking is None or booking.status != "confirmed":
        turn.say(T.GONE)
        return END
    availability = await get_availability(await turn.session(), booking.coach_id)
    notice = availability.notice_hours if availability else 0
    if availability is not None and not within_notice(availability, booking.starts_at, now=turn.now):
        turn.say(T.TOO_LATE.format(hours=notice))
        return END
    turn.data.update(
        booking=booking.id,
        sequence=booking.sequence,
        coach_id=booking.coach_id,
        minutes=availability.session_minutes if availability else 0,
        start=booking.starts_at.isoformat(),
    )
    return "action"


async def prompt_action(turn: Turn) -> OutgoingMessage:
    when = _when(datetime.fromisoformat(turn.data["start"]), turn.data["zone"])
    rows = buttons((T.RESCHEDULE, RESCHEDULE), (T.CANCEL_SESSION, CANCEL), (T.KEEP, KEEP), per_row=3)
    return OutgoingMessage(T.WHAT_TO_DO.format(when=when), tuple(tuple(r) for r in rows))


async def _still_changeable(turn: Turn) -> BookedSession | None:
    """The booking as chosen, while it is unchanged and outside the notice period (else says why)."""
    session = await turn.session()
    booking = await get_booking(session, int(turn.data["booking"]))
    if booking is None or booking.status != "confirmed" or booking.sequence != turn.data["sequence"]:
        turn.say(T.GONE)
        return None
    availability = await get_availability(session, booking.coach_id)
    if availability is not None and not within_notice(availability, booking.starts_at, now=turn.now):
        turn.say(T.TOO_LATE.format(hours=availability.notice_hours))
        return None
    return booking


async def answer_action(turn: Turn) -> Next:
    answer = turn.text.strip().lower()
    if answer == KEEP:
        turn.say(T.KEPT)
        return END
    if answer == CANCEL:
        return "confirm_cancel"
    if answer != RESCHEDULE:
        raise InvalidAnswer(T.ANSWER_WHAT_TO_DO)
    if await _still_changeable(turn) is None:
        return END
    availability = await _offer(turn, int(turn.data["coach_id"]), ignore_booking=int(turn.data["booking"]))
    if availability is None or not turn.data["slots"]:
        turn.say(T.NO_SLOTS)
        return END
    return "new_slot"


async def prompt_confirm_cancel(turn: Turn) -> OutgoingMessage:
    when = _when(datetime.fromisoformat(turn.data["start"]), turn.data["zone"])
    rows = buttons((T.YES_CANCEL, YES), (T.KEEP, KEEP), per_row=2)
    return OutgoingMessage(T.CONFIRM_CANCEL.format(when=when), tuple(tuple(r) for r in rows))


async def answer_confirm_cancel(turn: Turn) -> Next:
    answer = turn.text.strip().lower()
    if answer == KEEP:
        turn.say(T.KEPT)
        return END
    if answer != YES:
        raise InvalidAnswer(T.ANSWER_YES_OR_KEEP)
    if await _still_changeable(turn) is None:
        return END
    client = await _client(turn)
    cancelled = await cancel_booking(
        await turn.session(), int(turn.data["booking"]), actor=f"client:{client.id}", now=turn.now
    )
    if cancelled is None:
        turn.say(T.GONE)
        return END
    await _send_invite(turn, client, cancelled, T.CANCELLED, kind="session_cancelled")
    return END


async def prompt_new_slot(turn: Turn) -> OutgoingMessage:
    return OutgoingMessage(
        T.ASK_NEW_SLOT.format(zone=turn.data["zone"]), tuple(tuple(r) for r in _slot_buttons(turn))
    )


async def answer_new_slot(turn: Turn) -> Next:
    turn.data["slot"] = _chosen(turn).isoformat()
    return "confirm_move"


async def prompt_confirm_move(turn: Turn) -> OutgoingMessage:
    when = _when(datetime.fromisoformat(turn.data["slot"]), turn.data["zone"])
    rows = buttons((T.MOVE_IT, YES), (T.OTHER_TIME, OTHER), per_row=2)
    return OutgoingMessage(T.CONFIRM_MOVE.format(when=when), tuple(tuple(r) for r in rows))


async def answer_confirm_move(turn: Turn) -> Next:
    answer = turn.text.strip().lower()
    if answer == OTHER:
        return "new_slot"
    if answer != YES:
        raise InvalidAnswer(T.ANSWER_YES_OR_OTHER)
    booking = await _still_changeable(turn)
    if booking is None:
        return END
    session = await turn.session()
    availability = await get_availability(session, booking.coach_id)
    if availability is None:
        turn.say(T.NOT_BOOKABLE)
        return END
    start = datetime.fromisoformat(turn.data["slot"])
    client = await _client(turn)
    moved = None
    if await slot_is_free(
        session, booking.coach_id, availability, start, now=turn.now, ignore_booking=booking.id
    ):
        moved = await reschedule_booking(
            session,
            booking.id,
            start=start,
            minutes=availability.session_minutes,
            buffer_minutes=availability.buffer_minutes,
            actor=f"client:{client.id}",
            now=turn.now,
        )
    if moved is None:
        next_step = await _taken(turn, booking.coach_id, ignore_booking=booking.id)
        return "new_slot" if next_step == "pick" else next_step
    turn.data["sequence"] = moved.sequence
    await _send_invite(turn, client, moved, T.MOVED, kind="session_moved")
    return END


SESSIONS_FLOW = Flow(
    name="sessions",
    version=1,
    begin=begin_sessions,
    steps=[
        Step("choose", prompt_choose, answer_choose),
        Step("action", prompt_action, answer_action),
        Step("confirm_cancel", prompt_confirm_cancel, answer_confirm_cancel),
        Step("new_slot", prompt_new_slot, answer_new_slot),
        Step("confirm_move", prompt_confirm_move, answer_confirm_move),
    ],
)


def register() -> None:
    """Add ``/book`` and ``/sessions``."""
    register_flow(BOOK_FLOW)
    register_flow(SESSIONS_FLOW)
    register_command("/book", flow="book", help=Commands.BOOK)
    register_command("/sessions", flow="sessions", help=Commands.SESSIONS)
