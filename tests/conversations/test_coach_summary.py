"""The computed weekly summary in the coach's language (conversations.coach_summary)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from conversations.coach_summary import coach_summary_bullets
from domain.insights.compute import week_facts
from domain.insights.facts import CheckInRow, ClientProfile, WeekFacts
from domain.insights.summary import computed_bullets

SUNDAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
BASE = datetime(2026, 11, 9, 9, tzinfo=UTC)


def slumping() -> WeekFacts:
    """Every flag: mood and energy fall, three days missed, the plan not kept, negative notes."""
    profile = ClientProfile(1, "Ana Silva", "UTC", "daily")
    rows = [CheckInRow(BASE + timedelta(days=d), 8, 8, 7.5, "yes", note="Lovely day") for d in range(7)]
    rows += [
        CheckInRow(BASE + timedelta(days=7 + d), 3, 4, 6.5, "no", note="Awful, stressed and exhausted.")
        for d in range(0, 7, 2)
    ]
    return week_facts(profile, rows, week_ending=SUNDAY, now=NOW)


def improving() -> WeekFacts:
    profile = ClientProfile(2, "Ben Okafor", "UTC", "daily")
    rows = [CheckInRow(BASE + timedelta(days=d), 5, 5, 6.0, "partly") for d in range(7)]
    rows += [CheckInRow(BASE + timedelta(days=7 + d), 8, 7, 7.5, "yes") for d in range(7)]
    return week_facts(profile, rows, week_ending=SUNDAY, now=NOW)


def silent() -> WeekFacts:
    profile = ClientProfile(3, "Chloe Martin", "UTC", "daily")
    rows = [CheckInRow(BASE + timedelta(days=d), 6, 6, 7.0, "yes") for d in range(5)]
    return week_facts(profile, rows, week_ending=SUNDAY, now=NOW)


def weekly_without_notes() -> WeekFacts:
    profile = ClientProfile(4, "Dan Berg", "UTC", "weekly")
    rows = [CheckInRow(BASE + timedelta(days=d), 6, 6, 7.0, "yes") for d in (0,)]
    return week_facts(profile, rows, week_ending=SUNDAY, now=NOW)


@pytest.mark.parametrize("make", [slumping, improving, silent, weekly_without_notes])
def test_english_reads_as_the_domain_writes_it(make: Callable[[], WeekFacts]) -> None:
    facts = make()
    assert coach_summary_bullets(facts, "en") == computed_bullets(facts)
    assert coach_summary_bullets(facts, None) == computed_bullets(facts)  # no language: English


def test_a_german_coach_reads_german_bullets_with_german_numbers() -> None:
    how, stood_out, ask = coach_summary_bullets(slumping(), "de")
    assert how.startswith("Ana hat 4 von 7 Malen eingecheckt: Stimmung 3/10 (minus 5 gegenüber 8)")
    assert "Schlaf 6,5 Std." in how and "Plan eingehalten 0\u00a0%" in how
    assert stood_out.startswith("Die Notizen klingen negativ: „Awful, stressed and exhausted.“. Hinweise: ")
    assert "Stimmung fiel im Wochenvergleich von 8 auf 3" in stood_out
    assert "3 von 7 erwarteten Check-ins verpasst" in stood_out
    assert "hat sich diese Woche zu 0\u00a0% an den Plan gehalten" in stood_out
    assert "4 von 4 Notizen negativ" in stood_out
    assert ask.startswith("Frag, ")
    assert not any(word in " ".join((how, stood_out, ask)) for word in ("checked", "fell", "missed", "Ask"))


def test_each_language_has_its_own_words() -> None:
    facts = improving()
    assert coach_summary_bullets(facts, "de")[2] == (
        "Frag, was diese Woche geholfen hat, damit es so weitergehen kann."
    )
    assert coach_summary_bullets(facts, "es")[0].startswith(
        "Ben hizo 7 de 7 check-ins: ánimo 8/10 (sube 3 desde 5)"
    )
    assert "сон 7,5 ч" in coach_summary_bullets(facts, "ru")[0]
    assert coach_summary_bullets(facts, "ru")[1] == "На этой неделе заметок нет."


def test_russian_plurals_follow_the_count() -> None:
    how = coach_summary_bullets(silent(), "ru")[0]
    # Nothing this week: the last check-in was 9 days ago ("дней"; 2 to 4 would be "дня").
    assert how.startswith("Chloe не отмечался(-ась) на этой неделе (пропущено 7 из 7)")
    assert how.endswith("; последняя отметка 9 дней назад.")


def test_weekly_cadence_and_unsupported_languages() -> None:
    facts = weekly_without_notes()
    assert "hat den Check-in dieser Woche verpasst" in coach_summary_bullets(facts, "de")[1]
    assert coach_summary_bullets(facts, "fr") == computed_bullets(facts)
