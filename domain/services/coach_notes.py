"""A coach's private notes on a client: kept for the coaches, never sent to the client."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ValidationError
from domain.models import CoachNote
from domain.reasons.coaching import NoteProblems
from domain.reasons.rules import RuleProblems
from domain.services.audit import record_audit_event

NOTE_MAX_CHARS = 4000
NOTES_SHOWN = 100


async def add_coach_note(session: AsyncSession, *, client_id: int, coach_id: int, text: str) -> CoachNote:
    text = text.strip()
    if not text:
        raise ValidationError(NoteProblems.EMPTY(), field="note")
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationError(RuleProblems.NOTE_TOO_LONG(most=NOTE_MAX_CHARS), field="note")
    note = CoachNote(client_id=client_id, coach_id=coach_id, text=text)
    session.add(note)
    await session.flush()
    # The audit log records that a note was written, never what it says.
    await record_audit_event(
        session, actor=f"coach:{coach_id}", action="note.added", subject=f"client:{client_id}"
    )
    return note


async def coach_notes(
    session: AsyncSession, client_id: int, *, limit: int = NOTES_SHOWN
) -> Sequence[CoachNote]:
    """The client's notes, newest first."""
    return (
        await session.scalars(
            select(CoachNote)
            .where(CoachNote.client_id == client_id)
            .order_by(CoachNote.created_at.desc(), CoachNote.id.desc())
            .limit(limit)
        )
    ).all()
