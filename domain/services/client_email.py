"""Email to clients: only to a confirmed address, only when this process can send email, and always
with a one-click way out.

Every email queued for a client carries, in its outbox payload, the client's id, their language and an
unsubscribe token: ``<client id>.<signature>``, an HMAC (keyed with a server-made secret, see
:mod:`domain.services.app_secrets`) of the client and the address, so a link works only for the
address it was sent to. The email transport turns the token into the ``List-Unsubscribe`` header
(RFC 2369, with ``List-Unsubscribe-Post`` for one-click, RFC 8058) and a link in the footer; the HTTP
server's ``/email/unsubscribe/<token>`` unsubscribes on POST (:func:`unsubscribe`).

Whether email can be sent at all is the process's configuration (SMTP settings), declared once at
start-up with :func:`set_email_delivery`; without it everything goes to the client's chat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.models import Client
from domain.models.enums import Platform
from domain.services.app_secrets import app_secret
from domain.services.audit import record_audit_event
from domain.services.email_verification import email_reachable

SECRET_NAME = "email-unsubscribe"
# 16 bytes of HMAC-SHA256: a link nobody guesses, short enough for a header line.
SIGNATURE_BYTES = 16
PAYLOAD_TOKEN = "unsubscribe_token"

_email_delivery = False


def set_email_delivery(enabled: bool) -> None:
    """Whether this process sends email (SMTP configured); ``coach run`` and ``coach chat`` set it."""
    global _email_delivery
    _email_delivery = enabled


def email_delivery() -> bool:
    return _email_delivery


def prefers_email(client: Client) -> bool:
    """Email is where this client's proactive messages go: they chose it, the address is confirmed and
    not unsubscribed, and this process can send email."""
    return _email_delivery and client.preferred_channel == Platform.EMAIL and email_reachable(client)


async def unsubscribe_secret(session: AsyncSession) -> bytes:
    return await app_secret(session, SECRET_NAME)


def _signature(secret: bytes, client_id: int, email: str) -> str:
    digest = hmac.new(secret, f"unsubscribe:{client_id}:{email.lower()}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).decode().rstrip("=")


def unsubscribe_token(secret: bytes, client_id: int, email: str) -> str:
    return f"{client_id}.{_signature(secret, client_id, email)}"


def email_extras(secret: bytes, client_id: int, email: str, locale: str | None) -> dict[str, Any]:
    """What an email payload adds to a chat message: whose it is, their language, the way out."""
    extras: dict[str, Any] = {
        "client_id": client_id,
        PAYLOAD_TOKEN: unsubscribe_token(secret, client_id, email),
    }
    if locale and locale != "en":
        extras["locale"] = locale
    return extras


async def email_payload(session: AsyncSession, client: Client, payload: dict[str, Any]) -> dict[str, Any]:
    assert client.email is not None
    return payload | email_extras(await unsubscribe_secret(session), client.id, client.email, client.locale)


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    client_id: int
    email: str
    already: bool


async def client_for_token(session: AsyncSession, token: str) -> Client | None:
    """The client an unsubscribe link names, if the link is genuine for their current address."""
    client_part, _, signature = token.partition(".")
    if not client_part.isdigit() or not signature or len(token) > 200:
        return None
    client = await session.get(Client, int(client_part))
    if client is None or not client.email:
        return None
    expected = _signature(await unsubscribe_secret(session), client.id, client.email)
    return client if hmac.compare_digest(expected, signature) else None


async def unsubscribe(session: AsyncSession, token: str, *, now: datetime) -> Unsubscribed | None:
    """Stop all email to the client the token names (None: not a genuine link). Reminders that went
    by email go to their chat again; confirming an address again (``/profile``) lifts it."""
    client = await client_for_token(session, token)
    if client is None:
        return None
    assert client.email is not None
    if client.email_unsubscribed_at is not None:
        return Unsubscribed(client.id, client.email, already=True)
    client.email_unsubscribed_at = ensure_utc(now)
    if client.preferred_channel == Platform.EMAIL:
        client.preferred_channel = None  # back to their chat (the newest reachable identity)
    await session.flush()
    await record_audit_event(
        session,
        actor=f"client:{client.id}",
        action="client.email_unsubscribed",
        subject=f"client:{client.id}",
    )
    return Unsubscribed(client.id, client.email, already=False)
