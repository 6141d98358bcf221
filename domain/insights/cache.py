"""The model answers cache (by input hash) and the per-coach token ledger of the insights service."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import InsightCache, LlmUsage


@dataclass(frozen=True, slots=True)
class TokensSpent:
    coach_id: int | None
    feature: str
    prompt_tokens: int
    completion_tokens: int


async def cached_answers(session: AsyncSession, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The cached contents of those of ``keys`` that are cached."""
    if not keys:
        return {}
    rows = await session.scalars(select(InsightCache).where(InsightCache.key.in_(list(keys))))
    return {row.key: row.content for row in rows}


async def remember_answers(
    session: AsyncSession,
    answers: Iterable[tuple[str, dict[str, Any]]],
    *,
    model: str,
    spent: Iterable[TokensSpent] = (),
) -> None:
    """Cache new answers (a key already cached, or repeated, is stored once) and record tokens."""
    answers = list(answers)
    present = set(
        (
            await session.scalars(
                select(InsightCache.key).where(InsightCache.key.in_([key for key, _ in answers]))
            )
        ).all()
    )
    for key, content in answers:
        if key not in present:
            present.add(key)
            session.add(InsightCache(key=key, kind="summary", content=content, source=model))
    for s in spent:
        session.add(
            LlmUsage(
                coach_id=s.coach_id,
                model=model,
                feature=s.feature,
                prompt_tokens=s.prompt_tokens,
                completion_tokens=s.completion_tokens,
            )
        )
