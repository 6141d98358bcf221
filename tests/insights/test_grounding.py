"""The number checker used at runtime and in tests."""

from __future__ import annotations

from domain.insights.grounding import is_grounded, ungrounded_numbers


def test_numbers_must_come_from_the_source() -> None:
    source = {"mood": {"this_week": 5.2, "last_week": 7.0, "change": -1.8}, "notes": ["slept 6 hours"]}
    assert ungrounded_numbers("Mood fell 1.8 to 5.2 from 7; slept 6 hours.", source) == []
    assert ungrounded_numbers("Mood 7.0 last week.", source) == []
    assert ungrounded_numbers("Mood fell by 2 points to 5.", source) == ["2", "5"]
    assert not is_grounded(["Adherence was 80%."], source)


def test_dates_and_units_in_the_source_count() -> None:
    source = {"week": {"end": "2026-11-22"}, "trend": {"unit": "/10", "this_week": 6}}
    assert ungrounded_numbers("Week to 22 November 2026: mood 6/10.", source) == []
