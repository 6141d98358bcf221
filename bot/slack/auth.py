"""Who may see what: only Slack users linked to a Coach, and only for that coach's own clients."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Client, Coach
from domain.services.audit import record_audit_event
from domain.services.coaches import find_coach_by_slack_user

REFUSAL_TEXT = (
    "Sorry, this is only for coaches linked to this workspace. "
    "If you are a coach, ask your admin to run `coach coaches add --slack-user-id <your Slack id>`."
)


async def linked_coach(session: AsyncSession, slack_user_id: str | None) -> Coach | None:
    if not slack_user_id:
        return None
    return await find_coach_by_slack_user(session, slack_user_id)


async def coach_locale(session: AsyncSession, slack_user_id: str | None) -> str | None:
    """The language of the coach linked to ``slack_user_id`` (None for anyone else: English)."""
    coach = await linked_coach(session, slack_user_id)
    return coach.locale if coach else None


async def record_refusal(session: AsyncSession, *, slack_user_id: str, attempted: str) -> None:
    """An attempt on coach features by someone who isn't (that) coach is kept in the audit trail."""
    await record_audit_event(
        session,
        actor=f"slack:{slack_user_id}",
        action="slack.refused",
        subject=f"slack:{slack_user_id}",
        details={"attempted": attempted[:100]},
    )


async def owned_client(session: AsyncSession, coach: Coach, client_id: int) -> Client | None:
    client = await session.get(Client, client_id)
    if client is None or client.coach_id != coach.id:
        return None
    return client
