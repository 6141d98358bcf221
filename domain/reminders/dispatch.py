"""Claiming due reminders and turning each into exactly one queued message (or a recorded skip).

Exactly once: a worker claims a batch of due rows with ``SELECT … FOR UPDATE SKIP LOCKED LIMIT n`` on
PostgreSQL (other workers pass over them), moves them out of ``pending`` with compare-and-set updates
(one per outcome, ``RETURNING`` the ids it moved), and queues the messages of exactly those in the
same transaction, with one INSERT under the outbox dedupe keys ``reminder:<id>``. SQLite has a single
writer, so concurrent claimers are serialised by the database; the compare-and-set and the unique
outbox key still make a second delivery impossible.

Downtime policy: a reminder found overdue is sent once if it is still relevant — within its grace
window (``CHECKIN_GRACE`` / ``DIGEST_GRACE``), outside quiet hours, not paused, and for check-ins only
while the client has not checked in that local day — otherwise it is marked ``skipped`` as stale.
Claims are ordered by due time and capped per tick, so recovery never bursts old reminders.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc, time_zone
from domain.insights.period import digest_title, digest_window, period_for_cadence
from domain.models import Booking, CheckIn, Client, Coach, OutboundMessage, Reminder
from domain.models.enums import BookingStatus, ClientStatus, Platform, ReminderStatus
from domain.reminders import batch
from domain.reminders.batch import ClaimedReminder, ClientFacts
from domain.reminders.kinds import (
    CHECKIN_GRACE,
    DIGEST_GRACE,
    MAX_ATTEMPTS,
    REENGAGE_AFTER_MISSED,
    SESSION_REMINDER_BEFORE,
    ReminderKind,
)
from domain.reminders.schedule import in_quiet_hours, local_date, start_of_local_day
from domain.reminders.sequences import SEQUENCE_GRACE, sequence_email
from domain.services.client_email import email_extras, email_payload, unsubscribe_secret
from domain.services.email_verification import email_reachable
from domain.services.notices import notify_coach
from domain.services.outbox import enqueue_for_client, enqueue_message
from domain.services.policies import clients_asked

log = logging.getLogger(__name__)

DigestComposer = Callable[[AsyncSession, Coach, datetime], Awaitable[str]]
# The client's weekly progress summary as a message payload (with its "subject"), or None when there
# is nothing to tell (conversations.progress_summary.weekly_summary_payload).
SummaryComposer = Callable[[AsyncSession, Client, datetime], Awaitable[dict[str, Any] | None]]
CHECKIN_BUTTON_PAYLOAD = "/checkin"
# Claimed within this long of its due time a reminder is simply "due" (ticks run every few seconds).
ON_TIME = timedelta(minutes=2)
SETTINGS_BUTTON_PAYLOAD = "/settings"
# Check-in reminders (and their follow-ups and re-engagements) wait while the client is asked to accept
# a new privacy policy: each would bring the question back, and it is the last thing they were sent.
POLICY_PENDING = "waiting for the client's privacy policy answer"


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """Where messages may go and when a reminder is still worth sending."""

    slack_enabled: bool = True
    email_enabled: bool = False
    reengage_after: int = REENGAGE_AFTER_MISSED
    batch_size: int = 500


@dataclass(frozen=True, slots=True)
class Outcome:
    reminder_id: int
    kind: str
    status: str
    reason: str


class _Skip(Exception):
    def __init__(self, reason: str, status: str = ReminderStatus.SKIPPED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def message_payload(text: str, buttons: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The JSON form of ``conversations.messages.OutgoingMessage`` (the domain cannot import it)."""
    return {
        "text": text,
        "buttons": [[{"label": label, "payload": payload}] for label, payload in buttons or []],
        "url_buttons": [],
        "files": [],
    }


CHECKIN_TEXT = "Time for your check-in. It takes about a minute."
SESSION_TEXT = "Your session with your coach starts in an hour."
FOLLOWUP_TEXT = "A gentle nudge: today's check-in is still open whenever you are ready."
REENGAGE_TEXT = (
    "We have not heard from you for a few check-ins, and that is okay. Want to pick up again? "
    "A quick check-in is enough, or change or pause your reminders in /settings."
)


async def checked_in_on(session: AsyncSession, client: Client, day: date) -> bool:
    zone = time_zone(client.timezone)
    start = start_of_local_day(day, zone)
    end = start_of_local_day(date.fromordinal(day.toordinal() + 1), zone)
    found = await session.scalar(
        select(CheckIn.id)
        .where(CheckIn.client_id == client.id, CheckIn.created_at >= start, CheckIn.created_at < end)
        .limit(1)
    )
    return found is not None


async def missed_streak(
    session: AsyncSession, client: Client, *, before: datetime
) -> tuple[int, datetime | None]:
    """Check-in reminders sent since the client's last check-in (before ``before``), and the first one."""
    last_checkin = await session.scalar(
        select(func.max(CheckIn.created_at)).where(CheckIn.client_id == client.id)
    )
    query = select(func.count(Reminder.id), func.min(Reminder.due_at)).where(
        Reminder.client_id == client.id,
        Reminder.kind == ReminderKind.CHECKIN,
        Reminder.status == ReminderStatus.SENT,
        Reminder.due_at < before,
    )
    if last_checkin is not None:
        query = query.where(Reminder.due_at > last_checkin)
    count, first = (await session.execute(query)).one()
    return int(count or 0), (ensure_utc(first) if first else None)


async def _queue_email(
    session: AsyncSession, client: Client, payload: dict[str, Any], key: str
) -> OutboundMessage | None:
    """An email to the client's confirmed address, framed for them (footer, unsubscribe link);
    None when ``key`` was queued before."""
    assert client.email is not None
    return await enqueue_message(
        session,
        platform=Platform.EMAIL,
        chat_id=client.email,
        payload=await email_payload(session, client, payload),
        dedupe_key=key,
    )


async def _queue_for_client(
    session: AsyncSession, client: Client, payload: dict[str, Any], key: str, policy: DispatchPolicy
) -> OutboundMessage:
    if client.preferred_channel == Platform.EMAIL and policy.email_enabled and email_reachable(client):
        row: OutboundMessage | None = await _queue_email(session, client, payload, key)
    else:
        row = await enqueue_for_client(session, client.id, payload, dedupe_key=key)
    if row is None:
        existing = await session.scalar(select(OutboundMessage).where(OutboundMessage.dedupe_key == key))
        if existing is None:
            raise _Skip("no reachable channel", ReminderStatus.FAILED)
        return existing
    return row


MONDAY = 0  # the weekly business summary comes with the first digest of the week

# Kinds decided set-wise in a batch; the rest (digests, kinds added later) go one by one.
_SET_BASED_KINDS = frozenset(
    {ReminderKind.CHECKIN.value, ReminderKind.CHECKIN_FOLLOWUP.value, ReminderKind.REENGAGEMENT.value}
)


class _Person(Protocol):
    @property
    def timezone(self) -> str: ...
    @property
    def paused_until(self) -> datetime | None: ...
    @property
    def quiet_hours_start(self) -> str | None: ...
    @property
    def quiet_hours_end(self) -> str | None: ...


def _gate(client: _Person, due_at: datetime, now: datetime) -> str | None:
    """Why a client's reminder due at ``due_at`` must not go out at ``now`` (None: it may)."""
    if client.paused_until is not None and ensure_utc(client.paused_until) > now:
        return "paused"
    if in_quiet_hours(now, time_zone(client.timezone), client.quiet_hours_start, client.quiet_hours_end):
        return "stale: now inside quiet hours"
    if now - ensure_utc(due_at) > CHECKIN_GRACE:
        return "stale: overdue beyond grace window"
    return None


def _lateness(due_at: datetime, now: datetime) -> str:
    return "due" if now - ensure_utc(due_at) < ON_TIME else "overdue within grace window"


def _local_day(reminder: ClaimedReminder, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds of the client's local day the reminder is for."""
    stored = reminder.payload.get("local_date")
    day = date.fromisoformat(str(stored)) if stored else local_date(reminder.due_at, zone)
    return start_of_local_day(day, zone), start_of_local_day(day + timedelta(days=1), zone)


def _outbox_key(reminder: ClaimedReminder) -> str:
    return f"reminder:{reminder.id}"


# What a client reminder says, by kind and the client's language: (kind, locale) → message payload.
# The conversations layer injects its translated catalogue; without it reminders are English.
ReminderWording = Callable[[str, str], dict[str, Any]]


def english_wording(kind: str, _locale: str = "en") -> dict[str, Any]:
    if kind == ReminderKind.REENGAGEMENT:
        return message_payload(
            REENGAGE_TEXT, [("Check in now", CHECKIN_BUTTON_PAYLOAD), ("Settings", SETTINGS_BUTTON_PAYLOAD)]
        )
    if kind == ReminderKind.CHECKIN_FOLLOWUP:
        return message_payload(FOLLOWUP_TEXT, [("Check in", CHECKIN_BUTTON_PAYLOAD)])
    if kind == ReminderKind.SESSION:
        return message_payload(SESSION_TEXT)
    return message_payload(CHECKIN_TEXT, [("Check in now", CHECKIN_BUTTON_PAYLOAD)])


async def basic_digest(session: AsyncSession, coach: Coach, now: datetime) -> str:
    """A plain digest (one line per client) used when no richer composer is injected.

    Like the insights digest it covers the coach's period: the day since the previous digest for
    daily and weekdays cadences, the week for a weekly one.
    """
    period = period_for_cadence(coach.digest_cadence)
    window = digest_window(period, now, coach.timezone, coach.digest_cadence)
    in_window = and_(CheckIn.created_at >= window.start, CheckIn.created_at < window.end)
    rows = (
        await session.execute(
            select(
                Client.display_name,
                func.coalesce(func.sum(case((in_window, 1), else_=0)), 0),
                func.max(CheckIn.created_at),
            )
            .outerjoin(CheckIn, CheckIn.client_id == Client.id)
            .where(Client.coach_id == coach.id, Client.status == ClientStatus.ACTIVE)
            .group_by(Client.id, Client.display_name)
            .order_by(Client.display_name, Client.id)
        )
    ).all()
    zone = time_zone(coach.timezone)
    checked_in = sum(1 for _, count, _ in rows if count)
    lines = [
        digest_title(period, local_date(now, zone)),
        f"{checked_in} of {len(rows)} active clients checked in {window.words}."
        if rows
        else "No active clients yet.",
    ]
    for name, count, last in rows:
        did = "no check-in" if not count else "checked in" + (f" {count} times" if count > 1 else "")
        when = f"last check-in {local_date(last, zone).isoformat()}" if last else "never checked in"
        lines.append(f"- {name}: {did} ({when})")
    return "\n".join(lines)


class ReminderDispatcher:
    """Claims due reminders and queues their messages; one instance per worker.

    A batch is decided with set-based reads (:mod:`domain.reminders.batch`): the skips (inactive,
    paused, quiet hours, stale, already checked in, unreachable), then one compare-and-set per outcome
    and one INSERT of every message. Digests, re-engagements and kinds it does not know go one by one
    (each in a savepoint, retried up to ``MAX_ATTEMPTS``): they are few and do more.
    """

    def __init__(
        self,
        policy: DispatchPolicy | None = None,
        digest: DigestComposer | None = None,
        wording: ReminderWording | None = None,
        summary: SummaryComposer | None = None,
    ) -> None:
        self.policy = policy or DispatchPolicy()
        self.digest = digest or basic_digest
        self.wording = wording or english_wording
        self.summary = summary

    async def claim_due(
        self, session: AsyncSession, *, now: datetime, limit: int | None = None
    ) -> list[ClaimedReminder]:
        return await batch.claim_due(session, now=ensure_utc(now), limit=limit or self.policy.batch_size)

    async def dispatch_due(self, session: AsyncSession, *, now: datetime) -> list[Outcome]:
        """Claim and handle one batch in the caller's transaction; outcomes in claim order."""
        now = ensure_utc(now)
        claimed = await self.claim_due(session, now=now)
        by_set = [r for r in claimed if r.kind in _SET_BASED_KINDS]
        one_by_one = [r for r in claimed if r.kind not in _SET_BASED_KINDS]
        # Before this batch writes anything: a big coach's digest takes seconds to compose, and on
        # SQLite the first write holds the database's only write lock until the commit.
        composed = await self._compose_digests(session, one_by_one, now)
        outcomes, needs_care = await self._dispatch_together(session, by_set, now)
        for reminder in sorted(one_by_one + needs_care, key=lambda r: (r.due_at, r.id)):
            outcome = await self._handle(session, reminder, now, composed)
            if outcome is not None:
                outcomes.append(outcome)
        order = {r.id: n for n, r in enumerate(claimed)}
        return sorted(outcomes, key=lambda o: order[o.reminder_id])

    async def _compose_digests(
        self, session: AsyncSession, reminders: list[ClaimedReminder], now: datetime
    ) -> dict[int, str]:
        """The text of each digest in ``reminders`` that will be sent (reads only). One that fails
        here is left out: the one-by-one path composes it again and records the failure."""
        texts: dict[int, str] = {}
        for reminder in reminders:
            if reminder.kind != ReminderKind.COACH_DIGEST or reminder.coach_id is None:
                continue
            if now - ensure_utc(reminder.due_at) > DIGEST_GRACE:
                continue
            coach = await session.get(Coach, reminder.coach_id)
            if coach is None or not (
                (coach.slack_user_id and self.policy.slack_enabled)
                or (self.policy.email_enabled and coach.email)
            ):
                continue
            try:
                async with session.begin_nested():  # a failed read must not abort the batch's transaction
                    texts[reminder.id] = await self.digest(session, coach, now)
            except Exception:  # composed again, and reported, on the one-by-one path
                log.debug("digest for reminder %s not composed ahead", reminder.id, exc_info=True)
        return texts

    async def _dispatch_together(
        self, session: AsyncSession, claimed: list[ClaimedReminder], now: datetime
    ) -> tuple[list[Outcome], list[ClaimedReminder]]:
        """Decide and queue client reminders set-wise; returns the outcomes and the reminders that
        need the one-by-one path (a re-engagement is due)."""
        if not claimed:
            return [], []
        facts = await batch.client_facts(session, {r.client_id for r in claimed if r.client_id is not None})
        asked = await clients_asked(session, facts)
        decided: dict[int, tuple[str, str]] = {}  # reminder id -> (status, reason)
        open_days: dict[int, tuple[datetime, datetime]] = {}  # reminder id -> its local day
        for reminder in claimed:
            client = facts.get(reminder.client_id) if reminder.client_id is not None else None
            if reminder.client_id is None:
                decided[reminder.id] = (ReminderStatus.FAILED, "no recipient")
            elif client is None or client.status != ClientStatus.ACTIVE:
                decided[reminder.id] = (ReminderStatus.SKIPPED, "client not active")
            elif (skip := _gate(client, reminder.due_at, now)) is not None:
                decided[reminder.id] = (ReminderStatus.SKIPPED, skip)
            elif client.id in asked:
                decided[reminder.id] = (ReminderStatus.SKIPPED, POLICY_PENDING)
            elif reminder.kind == ReminderKind.REENGAGEMENT:
                decided[reminder.id] = (ReminderStatus.SENT, _lateness(reminder.due_at, now))
            else:
                open_days[reminder.id] = _local_day(reminder, time_zone(client.timezone))
        if open_days:
            checked_in = await batch.check_in_times(
                session,
                {r.client_id for r in claimed if r.id in open_days and r.client_id is not None},
                since=min(start for start, _ in open_days.values()),
                until=max(end for _, end in open_days.values()),
            )
            for reminder in claimed:
                if reminder.id in open_days:
                    start, end = open_days[reminder.id]
                    if any(start <= at < end for at in checked_in.get(reminder.client_id or 0, ())):
                        decided[reminder.id] = (ReminderStatus.SKIPPED, "already checked in today")
                    else:
                        decided[reminder.id] = (ReminderStatus.SENT, _lateness(reminder.due_at, now))
        needs_care = await self._due_for_reengagement(session, claimed, decided, now)
        return await self._apply(session, claimed, decided, facts, now), needs_care

    async def _due_for_reengagement(
        self,
        session: AsyncSession,
        claimed: list[ClaimedReminder],
        decided: dict[int, tuple[str, str]],
        now: datetime,
    ) -> list[ClaimedReminder]:
        """Check-in reminders whose client missed enough in a row: taken out of ``decided``."""
        checkins = [
            r
            for r in claimed
            if r.kind == ReminderKind.CHECKIN and decided.get(r.id, ("",))[0] == ReminderStatus.SENT
        ]
        if not checkins:
            return []
        streaks = await batch.missed_streaks(
            session, {r.client_id for r in checkins if r.client_id}, before=now
        )
        care = []
        for reminder in checkins:
            missed, first = streaks.get(reminder.client_id or 0, (0, None))
            if missed >= self.policy.reengage_after and first is not None:
                care.append(reminder)
                del decided[reminder.id]
        return care

    async def _apply(
        self,
        session: AsyncSession,
        claimed: list[ClaimedReminder],
        decided: dict[int, tuple[str, str]],
        facts: dict[int, ClientFacts],
        now: datetime,
    ) -> list[Outcome]:
        sending = [r for r in claimed if decided.get(r.id, ("",))[0] == ReminderStatus.SENT]
        targets = await batch.chat_targets(
            session,
            [facts[c] for c in {r.client_id for r in sending if r.client_id is not None}],
            email_enabled=self.policy.email_enabled,
        )
        unreachable = [r for r in sending if r.client_id not in targets]
        already = await batch.queued_keys(session, (_outbox_key(r) for r in unreachable))
        for reminder in unreachable:
            if _outbox_key(reminder) not in already:
                decided[reminder.id] = (ReminderStatus.FAILED, "no reachable channel")
        groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for reminder_id, (status, reason) in decided.items():
            groups[(status, None if status == ReminderStatus.SENT else reason)].append(reminder_id)
        ours: set[int] = set()
        for (status, error), ids in groups.items():
            ours |= await batch.finish(session, ids, status=status, now=now, error=error)
        secret = (
            await unsubscribe_secret(session)
            if any(platform == Platform.EMAIL for platform, _chat in targets.values())
            else b""
        )

        def payload(r: ClaimedReminder) -> dict[str, Any]:
            assert r.client_id is not None
            wording = self.wording(r.kind, facts[r.client_id].locale)
            platform, address = targets[r.client_id]
            if platform != Platform.EMAIL:
                return wording
            return wording | email_extras(secret, r.client_id, address, facts[r.client_id].locale)

        await batch.queue_messages(
            session,
            [
                (*targets[r.client_id], payload(r), _outbox_key(r))
                for r in claimed
                if r.id in ours
                and decided[r.id][0] == ReminderStatus.SENT
                and r.client_id is not None
                and r.client_id in targets
            ],
        )
        return [Outcome(r.id, r.kind, decided[r.id][0], decided[r.id][1]) for r in claimed if r.id in ours]

    async def _finish(
        self, session: AsyncSession, reminder_id: int, status: str, now: datetime, error: str | None = None
    ) -> bool:
        """Compare-and-set out of ``pending``: False when another worker already took the reminder."""
        result = await session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PENDING)
            .values(
                status=status,
                attempts=Reminder.attempts + 1,
                sent_at=now if status == ReminderStatus.SENT else None,
                last_error=error,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def _handle(
        self,
        session: AsyncSession,
        reminder: ClaimedReminder,
        now: datetime,
        composed: Mapping[int, str] | None = None,
    ) -> Outcome | None:
        # Captured up front: a rolled-back savepoint expires the ORM object.
        kind, reminder_id, attempts = reminder.kind, reminder.id, reminder.attempts
        try:
            async with session.begin_nested():
                if not await self._finish(session, reminder_id, ReminderStatus.SENT, now):
                    return None
                reason = await self._deliver(session, reminder, now, composed or {})
            return Outcome(reminder_id, kind, ReminderStatus.SENT, reason)
        except _Skip as skip:
            if not await self._finish(session, reminder_id, skip.status, now, skip.reason):
                return None
            return Outcome(reminder_id, kind, skip.status, skip.reason)
        except Exception as exc:  # one broken reminder must not hold back the batch
            log.exception("reminder %s (%s) failed to dispatch", reminder_id, kind)
            attempts += 1
            if attempts >= MAX_ATTEMPTS:
                await self._finish(session, reminder_id, ReminderStatus.FAILED, now, type(exc).__name__)
                return Outcome(reminder_id, kind, ReminderStatus.FAILED, type(exc).__name__)
            await session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id)
                .values(attempts=attempts, last_error=type(exc).__name__)
                .execution_options(synchronize_session=False)
            )
            return Outcome(reminder_id, kind, ReminderStatus.PENDING, "will retry")

    async def _deliver(
        self, session: AsyncSession, reminder: ClaimedReminder, now: datetime, composed: Mapping[int, str]
    ) -> str:
        if reminder.kind == ReminderKind.COACH_DIGEST:
            return await self._deliver_digest(session, reminder, now, composed.get(reminder.id))
        if reminder.client_id is None:
            raise _Skip("no recipient", ReminderStatus.FAILED)
        client = await session.get(Client, reminder.client_id)
        if client is None or client.status != ClientStatus.ACTIVE:
            raise _Skip("client not active")
        if reminder.kind == ReminderKind.SESSION:
            return await self._deliver_session(session, client, reminder, now)
        if reminder.kind == ReminderKind.EMAIL_SEQUENCE:
            return await self._deliver_sequence_email(session, client, reminder, now)
        if reminder.kind == ReminderKind.WEEKLY_SUMMARY:
            return await self._deliver_weekly_summary(session, client, reminder, now)
        reason = self._client_gate(client, reminder, now)
        if await clients_asked(session, [client.id]):
            raise _Skip(POLICY_PENDING)
        key = f"reminder:{reminder.id}"
        if reminder.kind == ReminderKind.REENGAGEMENT:
            await _queue_for_client(
                session, client, self.wording(ReminderKind.REENGAGEMENT, client.locale), key, self.policy
            )
            return reason
        day = (
            date.fromisoformat(str(reminder.payload.get("local_date")))
            if reminder.payload.get("local_date")
            else local_date(reminder.due_at, time_zone(client.timezone))
        )
        if await checked_in_on(session, client, day):
            raise _Skip("already checked in today")
        if reminder.kind == ReminderKind.CHECKIN_FOLLOWUP:
            await _queue_for_client(
                session,
                client,
                self.wording(ReminderKind.CHECKIN_FOLLOWUP, client.locale),
                key,
                self.policy,
            )
            return reason
        if await self._reengage(session, client, reminder, now):
            return "re-engagement after missed check-ins"
        await _queue_for_client(
            session,
            client,
            self.wording(ReminderKind.CHECKIN, client.locale),
            key,
            self.policy,
        )
        return reason

    async def _deliver_session(
        self, session: AsyncSession, client: Client, reminder: ClaimedReminder, now: datetime
    ) -> str:
        """A booked session starts soon: its ready message (meeting link included), unless the booking
        was cancelled or moved since (a moved booking has its own reminder) or the session has begun.
        Quiet hours and pauses do not hold it back: the client chose the session's time."""
        booking_id = int(reminder.payload.get("booking_id", 0))
        sequence = int(reminder.payload.get("sequence", 0))
        current = await session.scalar(
            select(Booking.id).where(
                Booking.id == booking_id,
                Booking.status == BookingStatus.CONFIRMED,
                Booking.sequence == sequence,
            )
        )
        if current is None:
            raise _Skip("session cancelled or moved")
        if now >= ensure_utc(reminder.due_at) + SESSION_REMINDER_BEFORE:
            raise _Skip("stale: the session has started")
        # The booking flow stores the message in the client's language; without one, the wording says it.
        message = reminder.payload.get("message") or self.wording(ReminderKind.SESSION, client.locale)
        await _queue_for_client(session, client, message, _outbox_key(reminder), self.policy)
        return _lateness(reminder.due_at, now)

    async def _deliver_sequence_email(
        self, session: AsyncSession, client: Client, reminder: ClaimedReminder, now: datetime
    ) -> str:
        """One email of the program's sequence, to the client's confirmed address only (it is an
        email sequence: nothing goes to the chat instead). Quiet hours do not apply to email."""
        if now - ensure_utc(reminder.due_at) > SEQUENCE_GRACE:
            raise _Skip("stale: overdue beyond grace window")
        if not self.policy.email_enabled:
            raise _Skip("email is not configured")
        if not email_reachable(client):
            raise _Skip("no confirmed email address")
        email = await sequence_email(session, reminder.payload)
        if email is None:
            raise _Skip("no longer in the program")
        payload = message_payload(str(email["text"])) | {"subject": str(email["subject"])}
        await _queue_email(session, client, payload, _outbox_key(reminder))
        return _lateness(reminder.due_at, now)

    async def _deliver_weekly_summary(
        self, session: AsyncSession, client: Client, reminder: ClaimedReminder, now: datetime
    ) -> str:
        """The client's computed week, by email to a client who chose email (their chat has
        /progress any time); nothing when they changed their mind or there is nothing to tell."""
        if now - ensure_utc(reminder.due_at) > SEQUENCE_GRACE:
            raise _Skip("stale: overdue beyond grace window")
        if not self.policy.email_enabled:
            raise _Skip("email is not configured")
        if client.preferred_channel != Platform.EMAIL or not email_reachable(client):
            raise _Skip("email not chosen or not confirmed")
        if self.summary is None:
            raise _Skip("no summary composer")
        payload = await self.summary(session, client, now)
        if payload is None:
            raise _Skip("no check-ins to sum up")
        await _queue_email(session, client, payload, _outbox_key(reminder))
        return _lateness(reminder.due_at, now)

    def _client_gate(self, client: Client, reminder: ClaimedReminder, now: datetime) -> str:
        skip = _gate(client, reminder.due_at, now)
        if skip is not None:
            raise _Skip(skip)
        return _lateness(reminder.due_at, now)

    async def _reengage(
        self, session: AsyncSession, client: Client, reminder: ClaimedReminder, now: datetime
    ) -> bool:
        """Replace today's reminder by a re-engagement message once per streak of missed check-ins."""
        missed, first = await missed_streak(session, client, before=ensure_utc(reminder.due_at))
        if missed < self.policy.reengage_after or first is None:
            return False
        key = f"reengage:{client.id}:{first.isoformat()}"
        already = await session.scalar(select(OutboundMessage.id).where(OutboundMessage.dedupe_key == key))
        if already is not None:
            return False
        await _queue_for_client(
            session,
            client,
            self.wording(ReminderKind.REENGAGEMENT, client.locale),
            key,
            self.policy,
        )
        if client.coach_id is not None:
            await notify_coach(
                session,
                coach_id=client.coach_id,
                kind="missed_checkins",
                text=f"{client.display_name} has missed {missed} check-ins in a row.",
                client_id=client.id,
                data={"missed": missed, "since": first.isoformat()},
                values={"name": client.display_name, "missed": missed},
                dedupe_key=f"notice:{key}",
            )
        return True

    async def _deliver_digest(
        self, session: AsyncSession, reminder: ClaimedReminder, now: datetime, composed: str | None = None
    ) -> str:
        coach = await session.get(Coach, reminder.coach_id) if reminder.coach_id else None
        if coach is None:
            raise _Skip("no coach", ReminderStatus.FAILED)
        if now - ensure_utc(reminder.due_at) > DIGEST_GRACE:
            raise _Skip("stale: overdue beyond grace window")
        text = composed if composed is not None else await self.digest(session, coach, now)
        period = period_for_cadence(coach.digest_cadence)
        key = f"reminder:{reminder.id}"
        target = coach.slack_user_id if self.policy.slack_enabled else None
        if target:
            payload = {
                "type": "coach_digest",
                "coach_id": coach.id,
                "cadence": reminder.payload.get("cadence", coach.digest_cadence),
                "period": period.value,
                "local_date": reminder.payload.get("local_date"),
                "text": text,
            }
            await enqueue_message(
                session, platform=Platform.SLACK, chat_id=target, payload=payload, dedupe_key=key
            )
            if await _weekly_summary(session, coach, reminder, target, now):
                return "digest and weekly business summary to Slack"
            return "digest to Slack"
        if self.policy.email_enabled and coach.email:
            payload = message_payload(text) | {"subject": f"Your {period.adjective} coaching digest"}
            await enqueue_message(
                session, platform=Platform.EMAIL, chat_id=coach.email, payload=payload, dedupe_key=key
            )
            return "digest by email"
        raise _Skip("no digest channel configured")


async def _weekly_summary(
    session: AsyncSession, coach: Coach, reminder: ClaimedReminder, target: str, now: datetime
) -> bool:
    """Monday's digest brings the coach's numbers week over week (once per week, by its outbox key)."""
    # Imported here: domain.analytics reads domain.reminders.schedule, so a module-level import is circular.
    from domain.analytics.weekly import weekly_numbers

    day_text = reminder.payload.get("local_date")
    day = date.fromisoformat(str(day_text)) if day_text else local_date(now, time_zone(coach.timezone))
    if day.weekday() != MONDAY:
        return False
    numbers = await weekly_numbers(session, coach.id, now=now)
    await enqueue_message(
        session,
        platform=Platform.SLACK,
        chat_id=target,
        payload=numbers.to_dict(),
        dedupe_key=f"business_summary:{coach.id}:{day.isoformat()}",
    )
    return True
