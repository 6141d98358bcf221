"""A coach's reply to a client, from any coach surface (a Slack thread, the web workspace): stored with
its response time and queued to the client's own channel through the outbox, in one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.messages import OutgoingFile, OutgoingMessage
from conversations.texts import Common as T
from domain.models import Message
from domain.services.delivery_queue import already_queued
from domain.services.messages import record_coach_reply
from domain.services.outbox import enqueue_for_client


def coach_reply_message(coach_name: str, text: str, files: tuple[OutgoingFile, ...] = ()) -> OutgoingMessage:
    if not text.strip() and files:
        return OutgoingMessage(text=T.COACH_SENT_FILE.format(coach=coach_name), files=files)
    return OutgoingMessage(text=T.COACH_REPLY.format(coach=coach_name, text=text), files=files)


def file_note(files: tuple[OutgoingFile, ...]) -> str:
    """How a coach's files are stored with the reply (the bytes stay in the outbox and the chat)."""
    return " ".join(f"[file: {f.file_name}]" for f in files)


class AlreadySent(Exception):
    """A reply with this dedupe key was queued before (the same event handled twice)."""


async def queue_coach_reply(
    session: AsyncSession,
    *,
    client_id: int,
    coach_id: int,
    coach_name: str,
    text: str,
    dedupe_key: str,
    files: tuple[OutgoingFile, ...] = (),
) -> Message | None:
    """Queues the reply to the client's preferred reachable channel and stores it; None when the client
    has no channel left to reach them. Raises :class:`AlreadySent` for a key queued before."""
    if await already_queued(session, dedupe_key):
        raise AlreadySent(dedupe_key)
    queued = await enqueue_for_client(
        session, client_id, coach_reply_message(coach_name, text, files).to_dict(), dedupe_key=dedupe_key
    )
    if queued is None:
        return None
    stored_text = " ".join(part for part in (text.strip(), file_note(files)) if part)
    return await record_coach_reply(
        session, client_id=client_id, coach_id=coach_id, channel=queued.platform, text=stored_text
    )
