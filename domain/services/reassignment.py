"""An admin moves a client from one coach to another."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ValidationError
from domain.models import Client, Coach
from domain.models.enums import ClientStatus
from domain.reasons.coaching import ClientProblems
from domain.services.audit import record_audit_event
from domain.services.clients import get_client
from domain.services.coaches import get_coach


async def reassign_client(session: AsyncSession, *, client_id: int, to_coach_id: int, actor: str) -> Client:
    """The client's coach becomes ``to_coach_id`` (audited as ``client.reassigned``). Their enrollments
    stay in the programs they joined; from now on the new coach reads, answers and is alerted."""
    client = await get_client(session, client_id)
    if client.status == ClientStatus.ERASED:
        raise ValidationError(ClientProblems.ERASED_RECORD(), field="client")
    coach = await get_coach(session, to_coach_id)
    if client.coach_id == coach.id:
        raise ValidationError(ClientProblems.ALREADY_WITH(client=client.id, coach=coach.name), field="coach")
    previous = client.coach_id
    client.coach_id = coach.id
    await session.flush()
    await record_audit_event(
        session,
        actor=actor,
        action="client.reassigned",
        subject=f"client:{client.id}",
        details={"from_coach": previous, "to_coach": coach.id},
    )
    return client


CLIENT_MATCHES_SHOWN = 10


async def find_clients(session: AsyncSession, text: str) -> list[tuple[Client, str]]:
    """Clients an admin means by ``text``: its number (``17`` or ``#17``), else every client whose name
    or email contains it, with their coach's name; at most :data:`CLIENT_MATCHES_SHOWN`, by name."""
    needle = " ".join(text.split()).removeprefix("#").lower()
    if not needle:
        return []
    query = (
        select(Client, Coach.name)
        .outerjoin(Coach, Coach.id == Client.coach_id)
        .where(Client.status != ClientStatus.ERASED)
        .order_by(func.lower(Client.display_name), Client.id)
        .limit(CLIENT_MATCHES_SHOWN)
    )
    if needle.isascii() and needle.isdigit() and len(needle) <= 18:
        query = query.where(Client.id == int(needle))
    else:
        query = query.where(
            func.lower(Client.display_name).contains(needle, autoescape=True)
            | func.lower(func.coalesce(Client.email, "")).contains(needle, autoescape=True)
        )
    return [(client, coach_name or "—") for client, coach_name in (await session.execute(query)).all()]
