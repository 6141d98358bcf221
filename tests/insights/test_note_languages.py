"""Notes in other languages: no VADER score (it reads English only), tone "unknown", still highlighted."""

from __future__ import annotations

import pytest

from domain.insights.note_language import is_english
from domain.insights.sentiment import read_notes
from integrations.llm.prompts import goals_prompt, summary_prompt


@pytest.mark.parametrize(
    ("note", "english"),
    [
        ("Great run today, I feel amazing!", True),
        ("Heute war ein wirklich schlechter Tag, ich bin sehr müde.", False),
        ("Hoy fue un día muy bueno, estoy contento con el progreso.", False),
        ("Сегодня был тяжёлый день", False),
        ("ok", True),
        ("💪🔥", True),
    ],
)
def test_english_notes_are_told_apart_cheaply(note: str, english: bool) -> None:
    assert is_english(note) is english


def test_notes_in_other_languages_have_unknown_tone_not_a_wrong_one() -> None:
    insight = read_notes(
        ["Heute war ein wirklich schlechter Tag, ich bin sehr müde.", "Сегодня был тяжёлый день"]
    )
    assert (insight.count, insight.sentiment, insight.tone, insight.negative_count) == (2, None, "unknown", 0)
    assert "Heute war ein wirklich schlechter Tag, ich bin sehr müde." in insight.highlights


def test_mixed_notes_are_scored_on_the_english_ones_only() -> None:
    insight = read_notes(["Hoy fue un día muy malo, estoy triste.", "Great run today, I feel amazing!"])
    assert insight.count == 2 and insight.tone == "positive"
    assert insight.sentiment == read_notes(["Great run today, I feel amazing!"]).sentiment


def test_the_model_is_asked_to_write_in_the_clients_language() -> None:
    system, _user = goals_prompt({"today": "2026-12-06", "client_text": [], "language": "ru"})
    assert system.endswith("Write every text value in Russian (keys stay English).")
    english, _ = goals_prompt({"today": "2026-12-06", "client_text": []})
    assert "Write every text value" not in english
    summary, user = summary_prompt({"notes": [], "language": "de"})
    assert "in German" in summary and '"language"' not in user
