"""A client proves an email address is theirs before anything is sent to it: a 6-digit code goes to
the address, and the address becomes the client's (``Client.email``) only when the code comes back.

The code is kept as an HMAC (keyed with a server secret, bound to the client and the address), never
as it is: a database copy does not give the codes away, and 6 digits cannot be guessed offline without
the key. A code expires after :data:`CODE_TTL`; :data:`MAX_ATTEMPTS` wrong answers end the attempt; a
new code for the same address is sent at most once per :data:`RESEND_INTERVAL` and
:data:`MAX_SENDS` times per attempt. Until the code comes back nothing about the client changes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.clock import ensure_utc
from domain.models import Client, EmailVerification
from domain.services.app_secrets import app_secret
from domain.services.audit import record_audit_event
from domain.services.clients import get_client

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=15)
MAX_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=60)
MAX_SENDS = 5
SECRET_NAME = "email-verification"


class Outcome(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"  # attempts remain
    EXPIRED = "expired"
    TOO_MANY = "too_many"  # the attempt is over: start again with the address
    NOTHING_PENDING = "nothing_pending"


@dataclass(frozen=True, slots=True)
class CodeToSend:
    """A new code for ``email``: the caller words the email and queues it in the same transaction."""

    email: str
    code: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Throttled:
    """No new code yet: try again after ``retry_after`` (or, with ``exhausted``, start over later)."""

    retry_after: timedelta
    exhausted: bool = False


@dataclass(frozen=True, slots=True)
class CheckResult:
    outcome: Outcome
    attempts_left: int = 0
    email: str | None = None


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


async def _hash(session: AsyncSession, client_id: int, email: str, code: str) -> str:
    key = await app_secret(session, SECRET_NAME)
    return hmac.new(key, f"{client_id}:{email}:{code}".encode(), hashlib.sha256).hexdigest()


async def pending_verification(session: AsyncSession, client_id: int) -> EmailVerification | None:
    return await session.get(EmailVerification, client_id)


async def start_verification(
    session: AsyncSession, client_id: int, email: str, *, now: datetime
) -> CodeToSend | Throttled:
    """A code for ``email`` (checked, lower-cased; raises ``ValidationError`` for a bad address).
    Asking again for the same address within :data:`RESEND_INTERVAL` is throttled; another address
    starts a new attempt (its sends still count, so switching addresses cannot flood anyone)."""
    address = rules.check_email(email)
    now = ensure_utc(now)
    pending = await pending_verification(session, client_id)
    sends = 0
    if pending is not None:
        waited = now - ensure_utc(pending.last_sent_at)
        if waited < RESEND_INTERVAL:
            return Throttled(RESEND_INTERVAL - waited)
        sends = pending.sends if waited < CODE_TTL else 0
        if sends >= MAX_SENDS:
            return Throttled(CODE_TTL - waited, exhausted=True)
    code = _new_code()
    code_hash = await _hash(session, client_id, address, code)
    if pending is None:
        pending = EmailVerification(client_id=client_id)
        session.add(pending)
    pending.email = address
    pending.code_hash = code_hash
    pending.expires_at = now + CODE_TTL
    pending.attempts = 0
    pending.sends = sends + 1
    pending.last_sent_at = now
    pending.created_at = now
    await session.flush()
    await record_audit_event(
        session, actor=f"client:{client_id}", action="client.email_code_sent", subject=f"client:{client_id}"
    )
    return CodeToSend(address, code, pending.expires_at)


async def resend_code(
    session: AsyncSession, client_id: int, *, now: datetime
) -> CodeToSend | Throttled | None:
    """A new code for the pending address (None when nothing is pending)."""
    pending = await pending_verification(session, client_id)
    if pending is None:
        return None
    return await start_verification(session, client_id, pending.email, now=now)


async def check_code(session: AsyncSession, client_id: int, typed: str, *, now: datetime) -> CheckResult:
    """Compare ``typed`` with the pending code. Right: the address becomes the client's (verified now,
    any earlier unsubscribe lifted, the pending row gone). Wrong: one attempt fewer, stored."""
    pending = await pending_verification(session, client_id)
    if pending is None:
        return CheckResult(Outcome.NOTHING_PENDING)
    now = ensure_utc(now)
    if now >= ensure_utc(pending.expires_at):
        return CheckResult(Outcome.EXPIRED, email=pending.email)
    if pending.attempts >= MAX_ATTEMPTS:
        return CheckResult(Outcome.TOO_MANY, email=pending.email)
    code = "".join(ch for ch in typed if not ch.isspace())
    expected = pending.code_hash
    if not (code.isdigit() and len(code) == CODE_DIGITS) or not hmac.compare_digest(
        await _hash(session, client_id, pending.email, code), expected
    ):
        pending.attempts += 1
        await session.flush()
        left = MAX_ATTEMPTS - pending.attempts
        if left <= 0:
            await record_audit_event(
                session,
                actor=f"client:{client_id}",
                action="client.email_code_refused",
                subject=f"client:{client_id}",
            )
            return CheckResult(Outcome.TOO_MANY, email=pending.email)
        return CheckResult(Outcome.WRONG, attempts_left=left, email=pending.email)
    client = await get_client(session, client_id)
    client.email = pending.email
    client.email_verified_at = now
    client.email_unsubscribed_at = None
    await session.delete(pending)
    await session.flush()
    await record_audit_event(
        session, actor=f"client:{client_id}", action="client.email_verified", subject=f"client:{client_id}"
    )
    return CheckResult(Outcome.VERIFIED, email=client.email)


async def cancel_verification(session: AsyncSession, client_id: int) -> None:
    await session.execute(delete(EmailVerification).where(EmailVerification.client_id == client_id))


class _HasEmail(Protocol):
    @property
    def email(self) -> str | None: ...
    @property
    def email_verified_at(self) -> datetime | None: ...
    @property
    def email_unsubscribed_at(self) -> datetime | None: ...


def email_reachable(client: _HasEmail) -> bool:
    """Whether email may go to the client: a verified address they have not unsubscribed."""
    return bool(
        client.email and client.email_verified_at is not None and client.email_unsubscribed_at is None
    )


async def verified_email(session: AsyncSession, client_id: int) -> str | None:
    """The address email to the client goes to, or None (unverified, unsubscribed or none)."""
    row = (
        await session.execute(
            select(Client.email, Client.email_verified_at, Client.email_unsubscribed_at).where(
                Client.id == client_id
            )
        )
    ).one_or_none()
    if row is None or not row[0] or row[1] is None or row[2] is not None:
        return None
    return str(row[0])
