"""The number checker used at runtime and in tests."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from domain.db import Database
from domain.insights.grounding import allowed_numbers, is_grounded, numbers_in_text, ungrounded_numbers
from domain.insights.summary import summary_input
from integrations.llm.client import LlmClient
from integrations.llm.insights import InsightsService
from tests.insights.conftest import EVAL_NOW, EVAL_WEEK_ENDING
from tests.insights.test_eval import load_eval_set
from tests.support.openai_api import FakeOpenAI, answer, facts_of


def test_numbers_must_come_from_the_source() -> None:
    source = {"mood": {"this_week": 5.2, "last_week": 7.0, "change": -1.8}, "notes": ["slept 6 hours"]}
    assert ungrounded_numbers("Mood fell 1.8 to 5.2 from 7; slept 6 hours.", source) == []
    assert ungrounded_numbers("Mood 7.0 last week.", source) == []
    assert ungrounded_numbers("Mood fell by 2 points to 5.", source) == ["2", "5"]
    assert not is_grounded(["Adherence was 80%."], source)


def test_dates_and_units_in_the_source_count() -> None:
    source = {"week": {"end": "2026-11-22"}, "trend": {"unit": "/10", "this_week": 6}}
    assert ungrounded_numbers("Week to 22 November 2026: mood 6/10.", source) == []


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("Mood fell by five points.", ["five"]),
        ("Three missed check-ins this week.", ["Three"]),
        ("She checked in twice, thrice the week before.", ["twice", "thrice"]),
        ("A dozen walks, half a dozen early nights.", ["A dozen", "half a dozen"]),
        (
            "Twenty-five minutes, then twenty five more, then ninety-nine.",
            ["Twenty-five", "twenty five", "ninety-nine"],
        ),
        (
            "One hundred and five steps; a hundred percent; two thousand.",
            ["One hundred and five", "a hundred", "two thousand"],
        ),
        ("Mood averaged five point two.", ["five point two"]),
        (
            "Slept seven and a half hours, 6 and a half the night before.",
            ["seven and a half", "6 and a half"],
        ),
        (
            "An hour and a half of walking, two hours and a half of yoga.",
            ["An hour and a half", "two hours and a half"],
        ),
        ("Her third check-in, the second week in a row, every fourth day.", ["third", "second", "fourth"]),
        ("Her twenty-first check-in.", ["twenty-first"]),
        (
            "One missed check-in, one point lower, one of 7 days, one out of seven.",
            ["One", "one", "one", "7", "one", "seven"],
        ),
        ("She checked in once this week, once a day at most, just once.", ["once", "once", "once"]),
        ("Kept the plan half the time; her energy halved; a half-hour walk.", ["half", "halved", "half"]),
        ("Mood 6/10 on 2026-11-22.", ["6", "10", "2026", "11", "22"]),
        ("Zero check-ins; nineteen days; ten thousand steps.", ["Zero", "nineteen", "ten thousand"]),
        # Ordinary prose: no numbers at all.
        ("One of your goals is sleep, and someone noticed none of it at once.", []),
        ("No one expected it; at one point she took it one day at a time.", []),
        ("Her first week went well; at first she was unsure, but once she slept better it clicked.", []),
        ("The second half of the week was better; take a second look at the one-on-one sessions.", []),
        ("A week of walks and an hour of yoga: she often felt her weight and tone improve.", []),
        ("Once again all at once; once in a while; once and for all; a half-hearted try.", []),
        ("A couple of good days, a few bad nights, several notes, both goals.", []),
    ],
)
def test_numbers_written_in_words_are_read(text: str, stated: list[str]) -> None:
    assert numbers_in_text(text) == stated


def test_spelled_numbers_must_come_from_the_source_too() -> None:
    source = {"week": {"check_ins": 3, "missed_check_ins": 4}, "mood": {"change": -1.5, "this_week": 25}}
    assert ungrounded_numbers("Three check-ins, four missed; mood down one and a half.", source) == []
    assert ungrounded_numbers("Twenty-five on average, twenty five by another count.", source) == []
    assert ungrounded_numbers("Mood fell by five points over three missed check-ins.", source) == ["five"]
    assert ungrounded_numbers("Her fifth check-in and her third check-in.", source) == ["fifth"]
    assert ungrounded_numbers("She checked in twice.", source) == ["twice"]
    assert ungrounded_numbers("A dozen walks.", source) == ["A dozen"]


def test_half_is_grounded_by_a_half_or_by_fifty_percent() -> None:
    assert ungrounded_numbers("She kept the plan half the time.", {"adherence_pct": 50}) == []
    assert ungrounded_numbers("Mood fell by half a point.", {"change": -0.5}) == []
    assert ungrounded_numbers("She kept the plan half the time.", {"adherence_pct": 60}) == ["half"]


def test_one_counts_only_before_something_counted() -> None:
    source: dict[str, Any] = {"check_ins": 3}
    assert ungrounded_numbers("One of your goals is in reach; no one doubts it.", source) == []
    assert ungrounded_numbers("She missed one check-in.", source) == ["one"]
    assert ungrounded_numbers("She missed one check-in.", {"missed": 1}) == []


def test_number_words_in_the_sources_text_are_allowed() -> None:
    source = {"notes": ["Walked twice and slept seven and a half hours."], "goal": "Run a dozen times"}
    assert allowed_numbers(source) >= {Decimal(2), Decimal("7.5"), Decimal(12)}
    assert ungrounded_numbers("She walked 2 times and slept 7.5 hours; goal: 12 runs.", source) == []
    assert ungrounded_numbers("She walked twice and slept seven and a half hours.", source) == []


def _spelled(value: object) -> str:
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    return words[value] if isinstance(value, int) and 0 <= value < len(words) else str(value)


def spelling_model(request: dict[str, Any]) -> str:
    """A model that writes the counts it was given in words ("checked in five times")."""
    facts = facts_of(request)
    week = facts.get("week", {})
    doing = (
        f"Checked in {_spelled(week.get('check_ins'))} times of {_spelled(week.get('expected_check_ins'))}."
    )
    return json.dumps(
        {
            "how_they_are_doing": doing,
            "what_stood_out": f"Notes read {facts.get('notes_tone', 'none')}.",
            "coach_could_ask": "What would make next week a little easier?",
        }
    )


async def test_a_model_spelling_its_facts_in_words_is_accepted(db: Database) -> None:
    server = await FakeOpenAI(spelling_model).start()
    ids = await load_eval_set(db)
    service = InsightsService(db, llm=LlmClient(model="m", base_url=server.base_url), clock=lambda: EVAL_NOW)
    try:
        summaries = [await service.weekly_summary(cid, EVAL_WEEK_ENDING) for cid in list(ids.values())[:5]]
    finally:
        await service.close()
        await server.stop()
    assert [s.source for s in summaries] == ["ai"] * 5
    spelled = [numbers_in_text(s.bullets[0]) for s in summaries]
    assert all(stated and not any(n[0].isdigit() for n in stated) for stated in spelled), spelled


async def test_a_model_spelling_an_invented_number_falls_back(
    db: Database, openai_server: FakeOpenAI
) -> None:
    ids = await load_eval_set(db)
    client_id = next(iter(ids.values()))
    service = InsightsService(db, clock=lambda: EVAL_NOW)
    facts = await service.week_facts(client_id, EVAL_WEEK_ENDING)
    assert Decimal(83) not in allowed_numbers(summary_input(facts, include_pii=True))
    invented = {
        "how_they_are_doing": "Mood fell by eighty-three points.",
        "what_stood_out": "Notes read mixed.",
        "coach_could_ask": "What got in the way?",
    }
    openai_server.then(answer(invented), answer(invented))
    llm = LlmClient(model="m", base_url=openai_server.base_url)
    service = InsightsService(db, llm=llm, clock=lambda: EVAL_NOW)
    try:
        summary = await service.weekly_summary(client_id, EVAL_WEEK_ENDING)
    finally:
        await service.close()
    assert summary.source == "computed" and summary.fallback_reason == "model answer failed checks"
    assert "eighty-three" in openai_server.requests[1]["messages"][-1]["content"]  # the repair names it
