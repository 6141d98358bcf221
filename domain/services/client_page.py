"""Everything a coach reads about one client on their page, gathered in a handful of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import ChannelIdentity, CheckIn, Client, CoachNote, Goal, Message, Payment, StoredFile
from domain.models.enums import GoalStatus
from domain.services.checkins import recent_check_ins
from domain.services.clients import client_identities
from domain.services.coach_notes import coach_notes
from domain.services.coaches import get_coach
from domain.services.files import find_stored_files
from domain.services.goals import list_goals
from domain.services.messages import conversation
from domain.services.program_progress import program_glances
from domain.services.roster import enrolled_programs, payment_standing, recent_payments

HISTORY_CHECK_INS = 30
PAGE_PAYMENTS = 10
SHOWN_GOALS = (GoalStatus.PROPOSED, GoalStatus.SUGGESTED, GoalStatus.ACTIVE, GoalStatus.DONE)


@dataclass(frozen=True, slots=True)
class ClientPage:
    client: Client
    coach_name: str
    identities: Sequence[ChannelIdentity]
    check_ins: Sequence[CheckIn]
    goals: Sequence[Goal]
    program: str | None
    programs: list[tuple[str, str]]
    payment_status: str | None
    payments: Sequence[Payment]
    messages: list[Message]
    files: dict[int, StoredFile]
    notes: Sequence[CoachNote]

    @property
    def proposed_goals(self) -> list[Goal]:
        return [g for g in self.goals if g.status == GoalStatus.PROPOSED]

    @property
    def other_goals(self) -> list[Goal]:
        return [g for g in self.goals if g.status != GoalStatus.PROPOSED]


def attached_file_ids(messages: Sequence[Message]) -> list[int]:
    """The stored files client messages carry (``stored_file_id`` of each attachment)."""
    ids = []
    for message in messages:
        for attachment in message.attachments or []:
            if isinstance(attachment, dict) and isinstance(attachment.get("stored_file_id"), int):
                ids.append(attachment["stored_file_id"])
    return ids


async def files_of(session: AsyncSession, messages: Sequence[Message]) -> dict[int, StoredFile]:
    ids = attached_file_ids(messages)
    return {f.id: f for f in await find_stored_files(session, ids)} if ids else {}


async def client_page(session: AsyncSession, client: Client, *, now: datetime) -> ClientPage:
    coach_name = (await get_coach(session, client.coach_id)).name if client.coach_id else "—"
    messages = await conversation(session, client.id)
    return ClientPage(
        client=client,
        coach_name=coach_name,
        identities=await client_identities(session, client.id),
        check_ins=await recent_check_ins(session, client.id, limit=HISTORY_CHECK_INS),
        goals=await list_goals(session, client.id, statuses=SHOWN_GOALS),
        program=(await program_glances(session, [client.id], now=now)).get(client.id),
        programs=await enrolled_programs(session, client.id),
        payment_status=await payment_standing(session, client.id),
        payments=await recent_payments(session, client.id, limit=PAGE_PAYMENTS),
        messages=messages,
        files=await files_of(session, messages),
        notes=await coach_notes(session, client.id),
    )


async def client_file(session: AsyncSession, client_id: int, file_id: int) -> StoredFile | None:
    """A file this client sent (None for another client's file or none)."""
    stored = await session.get(StoredFile, file_id)
    return stored if stored is not None and stored.client_id == client_id else None


async def check_ins_after(session: AsyncSession, client_id: int, after_id: int) -> list[CheckIn]:
    """Check-ins newer than ``after_id``, oldest first (live updates of an open page)."""
    query = (
        select(CheckIn)
        .where(CheckIn.client_id == client_id, CheckIn.id > after_id)
        .order_by(CheckIn.id)
        .limit(HISTORY_CHECK_INS)
    )
    return list((await session.scalars(query)).all())
