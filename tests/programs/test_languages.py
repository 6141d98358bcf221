"""Scheduled program steps and the completion message are worded in the client's language."""

from __future__ import annotations

from conversations.flows.program import render_completion, render_step
from domain.services.program_progress import CompletionNumbers, StepContent


def test_a_delivered_step_speaks_the_clients_language() -> None:
    content = StepContent("Couch to 5K", 2, 18, 3, "Intervalle", "…", ("Laufen",), (False,), (), "de")
    payload = render_step(content)
    assert payload["text"].startswith("Couch to 5K · Tag 3: Intervalle (Schritt 2 von 18)")
    english = render_step(StepContent("Couch to 5K", 2, 18, 3, "Intervals", "…", ("Run",), (False,)))
    assert english["text"].startswith("Couch to 5K · Day 3: Intervals (step 2 of 18)")


def test_the_completion_counts_in_russian() -> None:
    numbers = CompletionNumbers("Couch to 5K", 42, 22, 30, 40, None, None, "ru")
    text = render_completion(numbers)["text"]
    assert "За 42 дня ты отметился 22 раза и выполнил 30 из 40 заданий." in text
