"""Availability and booked sessions: storing a coach's hours, offering free slots, holding one.

The hold is one conditional INSERT … SELECT: it adds the booking only when no held session of the
coach (or the client) overlaps it, buffer included, and ``ON CONFLICT DO NOTHING`` on the unique
(coach, held_start) pair makes two concurrent holds of one slot impossible on any number of workers:
exactly one row is inserted, the other statement inserts nothing and its caller is told the slot is gone.
A cancelled booking clears ``held_start`` (NULL never collides), so its slot can be booked again.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.booking.availability import Availability, from_dict
from domain.booking.invite import SessionEvent, booking_uid
from domain.booking.slots import Interval, free_slots, is_free
from domain.clock import ensure_utc, utcnow
from domain.errors import NotFound
from domain.models import Booking, Client, Coach, CoachAvailability, Enrollment, Program, Reminder
from domain.models.base import UTCDateTime
from domain.models.enums import Billing, BookingPayment, BookingStatus, EnrollmentStatus, ReminderStatus
from domain.reasons.booking import BookingProblems
from domain.reminders.kinds import SESSION_REMINDER_BEFORE, ReminderKind
from domain.services.audit import record_audit_event
from domain.services.calendars import calendar_busy
from domain.services.enrollments import change_enrollment_status, enroll

TOKEN_BYTES = 16  # the invite UID's random part


@dataclass(frozen=True, slots=True)
class BookedSession:
    """A booking as flows and pages show it (no ORM object leaves a service)."""

    id: int
    coach_id: int
    client_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    token: str
    sequence: int
    video_url: str
    paid_by: str

    @property
    def uid(self) -> str:
        return booking_uid(self.token)


def _booked(row: Booking) -> BookedSession:
    return BookedSession(
        id=row.id,
        coach_id=row.coach_id,
        client_id=row.client_id,
        starts_at=ensure_utc(row.starts_at),
        ends_at=ensure_utc(row.ends_at),
        status=row.status,
        token=row.token,
        sequence=row.sequence,
        video_url=row.video_url,
        paid_by=row.paid_by,
    )


async def set_availability(
    session: AsyncSession, coach_id: int, availability: Availability, *, actor: str
) -> None:
    """Store (replace) a coach's availability."""
    if await session.get(Coach, coach_id) is None:
        raise NotFound(BookingProblems.NO_COACH(coach_id=coach_id))
    row = await session.get(CoachAvailability, coach_id)
    if row is None:
        session.add(
            CoachAvailability(coach_id=coach_id, settings=availability.to_dict(), updated_at=utcnow())
        )
    else:
        row.settings = availability.to_dict()
        row.updated_at = utcnow()
    await record_audit_event(
        session,
        actor=actor,
        action="availability.set",
        subject=f"coach:{coach_id}",
        details={
            "timezone": availability.timezone,
            "session_minutes": availability.session_minutes,
            "weekdays": len(availability.weekly),
        },
    )
    await session.flush()


async def get_availability(session: AsyncSession, coach_id: int) -> Availability | None:
    settings = await session.scalar(
        select(CoachAvailability.settings).where(CoachAvailability.coach_id == coach_id)
    )
    return from_dict(settings) if settings else None


async def busy_intervals(
    session: AsyncSession,
    coach_id: int,
    *,
    since: datetime,
    until: datetime,
    ignore_booking: int | None = None,
) -> list[Interval]:
    """What is taken between ``since`` and ``until``: the coach's held sessions and the busy times
    read from their own calendar."""
    query = select(Booking.starts_at, Booking.ends_at).where(
        Booking.coach_id == coach_id,
        Booking.held_start.is_not(None),
        Booking.starts_at < until,
        Booking.ends_at > since,
    )
    if ignore_booking is not None:
        query = query.where(Booking.id != ignore_booking)
    rows = (await session.execute(query)).all()
    busy = [Interval(ensure_utc(start), ensure_utc(end)) for start, end in rows]

    busy += await calendar_busy(session, coach_id, since=since, until=until)
    return busy


async def offer_slots(
    session: AsyncSession, coach_id: int, *, now: datetime, limit: int, ignore_booking: int | None = None
) -> tuple[Availability | None, list[datetime]]:
    """The coach's availability and the next ``limit`` free slots (empty without availability);
    ``ignore_booking``'s own time counts as free (offering new times for a session being moved)."""
    availability = await get_availability(session, coach_id)
    if availability is None:
        return None, []
    busy = await busy_intervals(
        session,
        coach_id,
        since=now - timedelta(days=1),
        until=now + timedelta(days=availability.horizon_days + 1),
        ignore_booking=ignore_booking,
    )
    return availability, free_slots(availability, now=now, busy=busy, limit=limit)


async def slot_is_free(
    session: AsyncSession,
    coach_id: int,
    availability: Availability,
    start: datetime,
    *,
    now: datetime,
    ignore_booking: int | None = None,
) -> bool:
    end = start + timedelta(minutes=availability.session_minutes)
    busy = await busy_intervals(
        session,
        coach_id,
        since=start - timedelta(days=1),
        until=end + timedelta(days=1),
        ignore_booking=ignore_booking,
    )
    return is_free(availability, start, now=now, busy=busy)


def _overlapping(
    coach_id: int, client_id: int, start: datetime, end: datetime, guard: timedelta, ignore: int | None
) -> Any:
    """Any held session of the coach within the buffer of [start, end), or of the client at that time."""
    other = Booking.__table__.alias("other")
    clash = and_(
        other.c.held_start.is_not(None),
        (
            (other.c.coach_id == coach_id)
            & (other.c.starts_at < literal(end + guard, UTCDateTime()))
            & (other.c.ends_at > literal(start - guard, UTCDateTime()))
        )
        | (
            (other.c.client_id == client_id)
            & (other.c.starts_at < literal(end, UTCDateTime()))
            & (other.c.ends_at > literal(start, UTCDateTime()))
        ),
    )
    if ignore is not None:
        clash = and_(clash, other.c.id != ignore)
    return exists().where(clash)


async def hold_slot(
    session: AsyncSession,
    *,
    coach_id: int,
    client_id: int,
    start: datetime,
    minutes: int,
    buffer_minutes: int,
    video_url: str,
    paid_by: str = BookingPayment.FREE,
    now: datetime | None = None,
) -> BookedSession | None:
    """Hold the slot for the client in one conditional INSERT; None when it is taken (by a concurrent
    hold, an overlapping session, or the client's own session at that time)."""
    start = ensure_utc(start)
    end = start + timedelta(minutes=minutes)
    now = now or utcnow()
    token = secrets.token_hex(TOKEN_BYTES)
    values: dict[str, Any] = {
        "coach_id": literal(coach_id),
        "client_id": literal(client_id),
        "starts_at": literal(start, UTCDateTime()),
        "ends_at": literal(end, UTCDateTime()),
        "held_start": literal(start, UTCDateTime()),
        "status": literal(BookingStatus.CONFIRMED.value),
        "token": literal(token),
        "sequence": literal(0),
        "video_url": literal(video_url),
        "paid_by": literal(str(paid_by)),
        "created_at": literal(now, UTCDateTime()),
        "updated_at": literal(now, UTCDateTime()),
    }
    chosen = select(*[v.label(k) for k, v in values.items()]).where(
        ~_overlapping(coach_id, client_id, start, end, timedelta(minutes=buffer_minutes), None)
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Booking).from_select(list(values), chosen).on_conflict_do_nothing()
    result = await session.execute(statement)
    if not getattr(result, "rowcount", 0):
        return None
    row = await session.scalar(select(Booking).where(Booking.token == token))
    assert row is not None
    await record_audit_event(
        session,
        actor=f"client:{client_id}",
        action="booking.held",
        subject=f"coach:{coach_id}",
        details={"booking_id": row.id, "starts_at": start.isoformat()},
        at=now,
    )
    return _booked(row)


async def get_booking(session: AsyncSession, booking_id: int) -> BookedSession | None:
    row = await session.get(Booking, booking_id)
    return _booked(row) if row is not None else None


async def client_upcoming(session: AsyncSession, client_id: int, *, now: datetime) -> list[BookedSession]:
    rows = await session.scalars(
        select(Booking)
        .where(
            Booking.client_id == client_id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.ends_at > now,
        )
        .order_by(Booking.starts_at)
    )
    return [_booked(r) for r in rows]


async def coach_sessions(
    session: AsyncSession, coach_id: int, *, since: datetime | None = None
) -> list[tuple[BookedSession, str]]:
    """A coach's bookings (cancelled ones too, for calendar feeds) with the client's name."""
    query = (
        select(Booking, Client.display_name)
        .join(Client, Client.id == Booking.client_id)
        .where(Booking.coach_id == coach_id)
        .order_by(Booking.starts_at)
    )
    if since is not None:
        query = query.where(Booking.ends_at > since)
    return [(_booked(b), name) for b, name in (await session.execute(query)).all()]


async def client_names_upcoming(
    session: AsyncSession, coach_id: int, *, now: datetime, limit: int
) -> list[tuple[BookedSession, str]]:
    """A coach's next held sessions with the client's name, soonest first."""
    rows = await session.execute(
        select(Booking, Client.display_name)
        .join(Client, Client.id == Booking.client_id)
        .where(Booking.coach_id == coach_id, Booking.status == BookingStatus.CONFIRMED, Booking.ends_at > now)
        .order_by(Booking.starts_at)
        .limit(limit)
    )
    return [(_booked(b), name) for b, name in rows.all()]


async def cancel_booking(
    session: AsyncSession, booking_id: int, *, actor: str, now: datetime | None = None
) -> BookedSession | None:
    """Cancel a confirmed booking: its slot is free again and its invite's SEQUENCE goes up. None when
    it was not confirmed any more (cancelled twice, or by another worker)."""
    now = now or utcnow()
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status == BookingStatus.CONFIRMED)
        .values(
            status=BookingStatus.CANCELLED,
            held_start=None,
            sequence=Booking.sequence + 1,
            cancelled_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return None
    await _drop_session_reminders(session, booking_id)
    row = await session.get(Booking, booking_id, populate_existing=True)
    assert row is not None
    await record_audit_event(
        session,
        actor=actor,
        action="booking.cancelled",
        subject=f"coach:{row.coach_id}",
        details={"booking_id": booking_id},
        at=now,
    )
    return _booked(row)


async def reschedule_booking(
    session: AsyncSession,
    booking_id: int,
    *,
    start: datetime,
    minutes: int,
    buffer_minutes: int,
    actor: str,
    now: datetime | None = None,
) -> BookedSession | None:
    """Move a confirmed booking to ``start`` (same UID, SEQUENCE + 1) in one conditional UPDATE; None
    when the new slot is taken (a concurrent hold loses on the unique pair, inside a savepoint)."""
    now = now or utcnow()
    start = ensure_utc(start)
    end = start + timedelta(minutes=minutes)
    row = await session.get(Booking, booking_id)
    if row is None or row.status != BookingStatus.CONFIRMED:
        return None
    coach_id, client_id = row.coach_id, row.client_id
    try:
        async with session.begin_nested():
            result = await session.execute(
                update(Booking)
                .where(
                    Booking.id == booking_id,
                    Booking.status == BookingStatus.CONFIRMED,
                    ~_overlapping(
                        coach_id, client_id, start, end, timedelta(minutes=buffer_minutes), booking_id
                    ),
                )
                .values(
                    starts_at=start,
                    ends_at=end,
                    held_start=start,
                    sequence=Booking.sequence + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        return None
    if not getattr(result, "rowcount", 0):
        return None
    await _drop_session_reminders(session, booking_id)
    moved = await session.get(Booking, booking_id, populate_existing=True)
    assert moved is not None
    await record_audit_event(
        session,
        actor=actor,
        action="booking.rescheduled",
        subject=f"coach:{coach_id}",
        details={"booking_id": booking_id, "starts_at": start.isoformat()},
        at=now,
    )
    return _booked(moved)


async def schedule_session_reminder(
    session: AsyncSession, booking: BookedSession, message: dict[str, Any]
) -> None:
    """The reminder ``SESSION_REMINDER_BEFORE`` the session starts, carrying its ready message
    (worded in the client's language when booked); one per booking and SEQUENCE."""
    due = booking.starts_at - SESSION_REMINDER_BEFORE
    session.add(
        Reminder(
            kind=ReminderKind.SESSION,
            client_id=booking.client_id,
            coach_id=booking.coach_id,
            due_at=due,
            status=ReminderStatus.PENDING,
            payload={"booking_id": booking.id, "sequence": booking.sequence, "message": message},
            dedupe_key=f"session:{booking.id}:{booking.sequence}",
        )
    )
    await session.flush()


async def _drop_session_reminders(session: AsyncSession, booking_id: int) -> None:
    await session.execute(
        update(Reminder)
        .where(
            Reminder.dedupe_key.like(f"session:{booking_id}:%"),
            Reminder.status == ReminderStatus.PENDING,
        )
        .values(status=ReminderStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )


async def included_sessions_left(session: AsyncSession, client_id: int) -> int | None:
    """Sessions the client still has: what their programs include (active or completed enrollments,
    extra sessions bought included) less their held and past included bookings. None when none of
    their programs includes sessions (sessions are then not counted)."""
    included = await session.scalar(
        select(func.sum(Program.sessions_included))
        .join(Enrollment, Enrollment.program_id == Program.id)
        .where(
            Enrollment.client_id == client_id,
            Enrollment.status.in_([EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED]),
        )
    )
    if not included:
        return None
    used = await session.scalar(
        select(func.count(Booking.id)).where(
            Booking.client_id == client_id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.paid_by == BookingPayment.INCLUDED,
        )
    )
    return max(0, int(included) - int(used or 0))


async def extra_session_offer(
    session: AsyncSession, coach_id: int, availability: Availability
) -> Program | None:
    """The program a client buys one more session through: the coach's, published, priced, paid
    once (a monthly one would renew a purchase as a subscription), and including at least one session
    (None: extra sessions are not sold)."""
    if availability.extra_session_program is None:
        return None
    program = await session.get(Program, availability.extra_session_program)
    if (
        program is None
        or program.coach_id != coach_id
        or not program.published
        or program.price_minor <= 0
        or program.billing != Billing.ONE_OFF
        or program.sessions_included < 1
    ):
        return None
    return program


async def is_extra_session_purchase(session: AsyncSession, enrollment_id: int) -> bool:
    """Whether an enrollment is one more session bought (its program is its coach's
    extra-session program), so the payment's thank-you points at /book rather than /checkin."""
    row = (
        await session.execute(
            select(Program.id, Program.coach_id)
            .join(Enrollment, Enrollment.program_id == Program.id)
            .where(Enrollment.id == enrollment_id)
        )
    ).first()
    if row is None:
        return False
    availability = await get_availability(session, row.coach_id)
    return availability is not None and availability.extra_session_program == row.id


async def close_paid_extra_session(session: AsyncSession, enrollment_id: int, *, actor: str) -> bool:
    """A just-paid extra-session enrollment is completed at once: it is a purchase, not a program to
    follow, and an active one (the newest) would stand in for the client's real program wherever
    "the newest active enrollment" is read (check-in questions, steps, roster). Its session keeps
    counting (completed enrollments count). True when the enrollment was one."""
    if not await is_extra_session_purchase(session, enrollment_id):
        return False
    # Marked here too: one enrolled in the extra-session program some other way was a purchase as well.
    await session.execute(update(Enrollment).where(Enrollment.id == enrollment_id).values(extra_session=True))
    await change_enrollment_status(session, enrollment_id, EnrollmentStatus.COMPLETED, actor=actor)
    return True


async def withdraw_refunded_extra_session(session: AsyncSession, enrollment_id: int, *, actor: str) -> bool:
    """A fully refunded extra session is no longer the client's to book: its (completed) purchase is
    cancelled, so :func:`included_sessions_left` stops counting it. A session already booked with it
    stays booked (the coach decides). True when the enrollment was such a purchase."""
    enrollment = await session.get(Enrollment, enrollment_id, with_for_update=True)
    if enrollment is None or not enrollment.extra_session or enrollment.status == EnrollmentStatus.CANCELLED:
        return False
    previous, enrollment.status = enrollment.status, EnrollmentStatus.CANCELLED
    enrollment.ended_at = enrollment.ended_at or utcnow()
    # Not a program's life cycle (completed ends there): a purchase given back.
    await record_audit_event(
        session,
        actor=actor,
        action="enrollment.status_changed",
        subject=f"enrollment:{enrollment.id}",
        details={"from": previous, "to": EnrollmentStatus.CANCELLED, "why": "refunded"},
    )
    return True


async def buy_extra_session(session: AsyncSession, client_id: int, program: Program) -> int:
    """An enrollment waiting for payment in the extra-session program (the existing Checkout path
    takes it from there); an earlier, paid one of the same program is completed first, so each
    purchase is its own enrollment while its sessions keep counting."""
    earlier = await session.scalars(
        select(Enrollment.id).where(
            Enrollment.client_id == client_id,
            Enrollment.program_id == program.id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
        )
    )
    for enrollment_id in earlier.all():
        await change_enrollment_status(
            session, enrollment_id, EnrollmentStatus.COMPLETED, actor=f"client:{client_id}"
        )
    enrollment = await enroll(session, client_id=client_id, program_id=program.id)
    # Marked when bought, so program metrics skip it even if the coach later names another program.
    enrollment.extra_session = True
    await session.flush()
    return enrollment.id


async def set_sessions_included(session: AsyncSession, program_id: int, count: int, *, actor: str) -> None:
    program = await session.get(Program, program_id)
    if program is None:
        raise NotFound(BookingProblems.NO_PROGRAM(program_id=program_id))
    program.sessions_included = count
    await record_audit_event(
        session,
        actor=actor,
        action="program.sessions_included",
        subject=f"program:{program_id}",
        details={"count": count},
    )
    await session.flush()


async def session_event(
    session: AsyncSession, booking: BookedSession, *, summary: str, description: str
) -> SessionEvent:
    """The calendar event of a booking, with the coach as organizer and the client as attendee."""
    coach = await session.get(Coach, booking.coach_id)
    client = await session.get(Client, booking.client_id)
    return SessionEvent(
        uid=booking.uid,
        sequence=booking.sequence,
        start=booking.starts_at,
        end=booking.ends_at,
        summary=summary,
        description=description,
        video_url=booking.video_url,
        cancelled=booking.status == BookingStatus.CANCELLED,
        organizer_email=coach.email if coach else None,
        organizer_name=coach.name if coach else None,
        attendee_email=client.email if client else None,
        attendee_name=client.display_name if client else None,
    )


async def booking_rows(session: AsyncSession, ids: Sequence[int]) -> list[BookedSession]:
    rows = await session.scalars(select(Booking).where(Booking.id.in_(ids)).order_by(Booking.starts_at))
    return [_booked(r) for r in rows]
