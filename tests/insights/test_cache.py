"""The model answers cache and token ledger: each key stored once, tokens recorded per coach."""

from __future__ import annotations

from sqlalchemy import select

from domain.db import Database
from domain.insights.cache import TokensSpent, cached_answers, remember_answers
from domain.models import InsightCache, LlmUsage
from domain.services import coaches


async def test_answers_are_cached_once_and_tokens_recorded(db: Database) -> None:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(session, name="Ada", email="ada@example.com")
        await remember_answers(
            session,
            [("k1", {"bullets": ["a"]}), ("k1", {"bullets": ["again"]}), ("k2", {"bullets": ["b"]})],
            model="m",
            spent=[TokensSpent(coach.id, "summary", 10, 5)],
        )
    async with db.unit_of_work() as session:
        # A key already cached keeps its first answer.
        await remember_answers(session, [("k2", {"bullets": ["changed"]})], model="m")
    async with db.unit_of_work() as session:
        assert await cached_answers(session, ["k1", "k2", "k3"]) == {
            "k1": {"bullets": ["a"]},
            "k2": {"bullets": ["b"]},
        }
        assert await cached_answers(session, []) == {}
        assert len((await session.scalars(select(InsightCache))).all()) == 2
        usage = (await session.scalars(select(LlmUsage))).all()
    assert [(u.coach_id, u.model, u.feature, u.prompt_tokens, u.completion_tokens) for u in usage] == [
        (coach.id, "m", "summary", 10, 5)
    ]
