"""Events a provider (Stripe, Slack) delivered, remembered so a re-delivery has no second effect."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import ProviderEvent
from domain.services.unique_rows import insert_unless_taken


async def provider_event_recorded(session: AsyncSession, *, provider: str, event_id: str) -> bool:
    found = await session.scalar(
        select(ProviderEvent.id).where(ProviderEvent.provider == provider, ProviderEvent.event_id == event_id)
    )
    return found is not None


async def record_provider_event(
    session: AsyncSession, *, provider: str, event_id: str, event_type: str, summary: dict[str, Any]
) -> ProviderEvent:
    """Record an event in the transaction of its effects. Flushed at once: a second record of the same
    event fails on the unique constraint (IntegrityError) before any of its effects are applied."""
    event = ProviderEvent(
        provider=provider, event_id=event_id, event_type=event_type, payload_summary=summary
    )
    session.add(event)
    await session.flush()
    return event


async def record_new_provider_event(
    session: AsyncSession, *, provider: str, event_id: str, event_type: str
) -> bool:
    """Record an event that has no effects in this transaction (a dedupe marker); False when it was
    recorded already, also by a concurrent delivery, and nothing fails."""
    return await insert_unless_taken(
        session,
        ProviderEvent,
        {"provider": provider, "event_id": event_id, "event_type": event_type, "payload_summary": {}},
        unique=("provider", "event_id"),
    )


async def forget_provider_events(session: AsyncSession, *, provider: str, received_before: datetime) -> int:
    """Drop one provider's events received before ``received_before``; returns how many."""
    result = await session.execute(
        delete(ProviderEvent).where(
            ProviderEvent.provider == provider, ProviderEvent.received_at < received_before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
