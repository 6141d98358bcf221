"""The evaluation set: realistic weeks loaded through the import, with expected trends and flags."""

from __future__ import annotations

import pytest

from conversations.coach_summary import coach_summary_bullets
from domain.db import Database
from domain.insights.grounding import numbers_in_text, ungrounded_in, ungrounded_numbers
from domain.insights.history_import import import_file
from domain.insights.summary import summary_input
from domain.services.clients import resolve_client
from integrations.llm.client import LlmClient
from integrations.llm.insights import InsightsService
from tests.insights.conftest import EVAL_NOW, EVAL_ROWS, EVAL_WEEK_ENDING, eval_expected
from tests.support.openai_api import FakeOpenAI


async def load_eval_set(db: Database) -> dict[str, int]:
    report = await import_file(db, EVAL_ROWS.read_text(), kind="jsonl", now=EVAL_NOW)
    assert report.rejected == []
    ids: dict[str, int] = {}
    async with db.unit_of_work() as session:
        for identity in eval_expected():
            ids[identity] = (await resolve_client(session, identity=identity)).id
    return ids


def test_the_evaluation_set_is_big_enough() -> None:
    assert len(eval_expected()) >= 30


async def test_computed_facts_match_expectations(db: Database) -> None:
    ids = await load_eval_set(db)
    service = InsightsService(db, clock=lambda: EVAL_NOW)
    for identity, expected in eval_expected().items():
        facts = await service.week_facts(ids[identity], EVAL_WEEK_ENDING)
        directions = {t.metric: t.direction.value for t in facts.trends}
        for metric, direction in expected["directions"].items():
            assert directions[metric] == direction, (expected["scenario"], metric)
        assert sorted(f.kind.value for f in facts.flags) == expected["flags"], expected["scenario"]
        assert all(f.reason for f in facts.flags)


async def test_no_fallback_summary_states_a_number_absent_from_its_input(db: Database) -> None:
    ids = await load_eval_set(db)
    service = InsightsService(db, clock=lambda: EVAL_NOW)
    for client_id in ids.values():
        summary = await service.weekly_summary(client_id, EVAL_WEEK_ENDING)
        assert summary.source == "computed" and "not AI" in summary.label
        assert len(summary.bullets) == 3
        source = summary_input(summary.facts, include_pii=True)
        assert [n for b in summary.bullets for n in ungrounded_numbers(b, source)] == []


@pytest.mark.parametrize("locale", ["de", "es", "ru"])
async def test_the_computed_summary_in_a_coachs_language_passes_its_own_check(
    db: Database, locale: str
) -> None:
    # What the reader of German, Spanish or Russian numbers finds in the catalogue's prose (a decimal
    # comma, "7 von 7", "100 %") is what the facts say: it would keep a model writing the same.
    ids = await load_eval_set(db)
    service = InsightsService(db, clock=lambda: EVAL_NOW)
    for client_id in ids.values():
        facts = await service.week_facts(client_id, EVAL_WEEK_ENDING)
        bullets = coach_summary_bullets(facts, locale)
        assert numbers_in_text(bullets[0], locale)
        assert ungrounded_in(bullets, summary_input(facts, include_pii=True), locale) == [], bullets


@pytest.mark.parametrize("local", [True, False])
async def test_no_model_summary_states_a_number_absent_from_its_input(
    db: Database, openai_server: FakeOpenAI, local: bool
) -> None:
    ids = await load_eval_set(db)
    llm = LlmClient(model="eval-model", base_url=openai_server.base_url, local=local)
    service = InsightsService(db, llm=llm, clock=lambda: EVAL_NOW)
    try:
        digest_by_coach = [await service.weekly_summary(cid, EVAL_WEEK_ENDING) for cid in ids.values()]
    finally:
        await service.close()
    for summary in digest_by_coach:
        assert summary.source == "ai" and "AI-generated" in summary.label
        source = summary_input(summary.facts, include_pii=local)
        assert [n for b in summary.bullets for n in ungrounded_numbers(b, source)] == []
