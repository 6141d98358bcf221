"""Clients reached by SMS: their phone number (E.164) as a channel identity, and the numbers that
answered STOP.

A client who chooses SMS in ``/settings`` gives a number; it becomes their ``sms`` identity, so
reminders and announcements go there when SMS is their channel, and what that number texts reaches
the conversation engine as them. STOP (and its synonyms) records an opt-out that suppresses every SMS
to the number until START; HELP is answered with a short help text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, delete, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from domain.crypto import UnreadableValue, reveal_json
from domain.errors import ValidationError
from domain.models import ChannelIdentity, OutboundMessage, SmsOptOut
from domain.models.enums import Platform
from domain.services.audit import record_audit_event

# E.164: a plus, a country code not starting with 0, at most 15 digits in all (ITU-T E.164).
E164 = re.compile(r"\+[1-9]\d{6,14}")
# Typed separators a number may carry: "+49 151 1234-5678", "(030) ..." with a country code.
_SEPARATORS = re.compile(r"[\s().\-/]")

# Keywords carriers and Twilio honour (Twilio, "Advanced Opt-Out": default opt-out, opt-in and help
# keywords), matched on the whole trimmed body, case-insensitively.
STOP_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "STOP ALL"}
)
START_KEYWORDS = frozenset({"START", "UNSTOP", "OPTIN"})
# Twilio's opt-in keyword that is also an everyday answer ("Did you stick to your plan?" "Yes"): it
# opts a number back in only while it is opted out, else it is an answer like any other.
ANSWER_OR_START = "YES"
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
# The ValidationError field of a number another client already uses.
NUMBER_TAKEN = "phone_number_taken"


def parse_phone_number(text: str) -> str:
    """A typed number in E.164 form (``+4915112345678``); raises ValidationError otherwise."""
    compact = _SEPARATORS.sub("", text.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not E164.fullmatch(compact):
        raise ValidationError(
            "give the number in international form with its country code, e.g. +4915112345678",
            field="phone_number",
        )
    return compact


def keyword(body: str) -> str | None:
    """``"stop"``, ``"start"``, ``"help"`` or ``"yes"`` (an answer, or START for an opted-out number)
    when the whole message is such a keyword, else None."""
    word = " ".join(body.strip().upper().split())
    if word in STOP_KEYWORDS:
        return "stop"
    if word in START_KEYWORDS:
        return "start"
    if word == ANSWER_OR_START:
        return "yes"
    if word in HELP_KEYWORDS:
        return "help"
    return None


async def sms_identity(session: AsyncSession, client_id: int) -> ChannelIdentity | None:
    return await session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.client_id == client_id, ChannelIdentity.platform == Platform.SMS
        )
    )


async def set_sms_number(session: AsyncSession, client_id: int, number: str) -> ChannelIdentity:
    """Make ``number`` (validated here) the client's SMS identity, replacing an earlier one. A number
    another client already uses is refused."""
    phone = parse_phone_number(number)
    taken = await session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.platform == Platform.SMS, ChannelIdentity.external_user_id == phone
        )
    )
    if taken is not None and taken.client_id != client_id:
        raise ValidationError("that number belongs to someone else here", field=NUMBER_TAKEN)
    current = await sms_identity(session, client_id)
    if taken is not None:
        taken.unreachable = False
        identity = taken
    elif current is not None:
        current.external_user_id = current.chat_id = phone
        current.unreachable = False
        identity = current
    else:
        identity = ChannelIdentity(
            platform=Platform.SMS, external_user_id=phone, chat_id=phone, client_id=client_id
        )
        session.add(identity)
    await session.flush()
    await record_audit_event(
        session, actor=f"client:{client_id}", action="sms.number_set", subject=f"client:{client_id}"
    )
    return identity


async def opt_out(session: AsyncSession, phone: str, word: str) -> bool:
    """Record that ``phone`` answered STOP; True when it was not opted out already."""
    if await is_opted_out(session, phone):
        return False
    session.add(SmsOptOut(phone_number=phone, keyword=word.upper()[:16]))
    await session.flush()
    return True


async def opt_in(session: AsyncSession, phone: str) -> bool:
    """START: SMS may go to ``phone`` again; True when it had opted out."""
    result = await session.execute(delete(SmsOptOut).where(SmsOptOut.phone_number == phone))
    return bool(getattr(result, "rowcount", 0))


async def is_opted_out(session: AsyncSession, phone: str) -> bool:
    return (await session.scalar(select(SmsOptOut.id).where(SmsOptOut.phone_number == phone))) is not None


async def opted_out(session: AsyncSession, phones: Sequence[str]) -> set[str]:
    if not phones:
        return set()
    rows = await session.scalars(select(SmsOptOut.phone_number).where(SmsOptOut.phone_number.in_(phones)))
    return set(rows)


async def last_sms_payload(session: AsyncSession, phone: str) -> dict[str, Any] | None:
    """What was last queued to ``phone`` (its buttons are what a typed number answers); None when
    nothing was, or when no configured key decrypts it (a typed number is then read as text)."""
    stored = await session.scalar(
        select(type_coerce(OutboundMessage.payload, JSON))
        .where(OutboundMessage.platform == Platform.SMS, OutboundMessage.chat_id == phone)
        .order_by(OutboundMessage.id.desc())
        .limit(1)
    )
    if stored is None:
        return None
    try:
        payload = reveal_json(stored)
    except UnreadableValue:
        return None
    return dict(payload) if isinstance(payload, dict) else None
