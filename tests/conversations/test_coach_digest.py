"""The coach digest and summary labels in the coach's language (conversations.coach_digest)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conversations.coach_digest import digest_payload, digest_text, summary_label, window_words
from domain.insights.compute import week_facts
from domain.insights.daily import day_view
from domain.insights.digest import Digest, build_digest
from domain.insights.facts import CheckInRow, ClientProfile
from domain.insights.period import DigestPeriod, digest_window
from domain.insights.summary import AI_LABEL, COMPUTED_LABEL, WeeklySummary, computed_bullets

SUNDAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 19, tzinfo=UTC)
BASE = datetime(2026, 11, 9, 9, tzinfo=UTC)


def _clients() -> list[tuple[ClientProfile, list[CheckInRow]]]:
    slumping = ClientProfile(1, "Ana Silva", "UTC", "daily")
    rows = [CheckInRow(BASE + timedelta(days=d), 8, 8, 7.5, "yes", note="Lovely day") for d in range(7)]
    rows += [
        CheckInRow(BASE + timedelta(days=7 + d), 3, 4, 6.5, "no", note="Awful, stressed and exhausted.")
        for d in range(0, 7, 2)
    ]
    steady = ClientProfile(2, "Ben <b>Okafor</b>", "UTC", "daily")
    rows_b = [CheckInRow(BASE + timedelta(days=d), 6, 6, 7.0, "partly") for d in range(14)]
    silent = ClientProfile(3, "Chloe Martin", "UTC", "daily")
    rows_c = [CheckInRow(BASE + timedelta(days=d), 6, 6, 7.0, "yes") for d in range(5)]
    return [(slumping, rows), (steady, rows_b), (silent, rows_c)]


def make_digest(period: DigestPeriod) -> Digest:
    clients = _clients()
    facts = [week_facts(p, rows, week_ending=SUNDAY, now=NOW) for p, rows in clients]
    summaries = [
        (
            p.display_name,
            WeeklySummary(
                p.client_id, SUNDAY.isoformat(), computed_bullets(f), "computed", None, COMPUTED_LABEL, f
            ),
        )
        for (p, _), f in zip(clients, facts, strict=True)
    ]
    day = None
    if period is DigestPeriod.DAY:
        window = digest_window(period, NOW, "UTC", "daily")
        day = day_view(window, [(p, rows, f) for (p, rows), f in zip(clients, facts, strict=True)])
    return build_digest(7, SUNDAY, summaries, day)


@pytest.mark.parametrize("period", list(DigestPeriod))
def test_english_reads_as_the_domain_writes_it(period: DigestPeriod) -> None:
    digest = make_digest(period)
    assert digest_text(digest, "UTC", "en") == digest.text()
    assert digest_text(digest, "UTC", None) == digest.text()
    assert digest_payload(digest, "UTC", "en") == digest.to_dict()
    assert digest.window is None or window_words(digest.window, "UTC") == digest.window.words


def test_a_german_coach_reads_the_weekly_digest_in_german() -> None:
    text = digest_text(make_digest(DigestPeriod.WEEK), "UTC", "de")
    title, overview, _, first, *rest = text.splitlines()
    assert title == "Wochenübersicht für die Woche bis 2026-11-22"
    assert overview == (
        "3 Klienten: 2 haben sich diese Woche gemeldet, 2 markiert (2 brauchen Handlung); "
        "Stimmung besser bei 0, schlechter bei 1."
    )
    # Flagged first; numbers and percentages the German way, flag reasons from the summary catalogue.
    assert first.startswith("‼ Ana Silva: 4/7 Check-ins, Stimmung 3 ↓5, Plan 0\u00a0% — ")
    assert "Stimmung fiel im Wochenvergleich von 8 auf 3" in first
    assert "mood" not in text and "plan kept" not in text and "flagged" not in text
    assert any(line.startswith("• Ben <b>Okafor</b>: 7/7 Check-ins, Stimmung 6") for line in rest)


def test_a_daily_digest_names_its_window_in_the_coachs_language() -> None:
    digest = make_digest(DigestPeriod.DAY)
    assert digest.window is not None
    german = digest_text(digest, "UTC", "de")
    assert german.splitlines()[1].startswith("2 von 3 Klienten haben sich seit gestern Abend gemeldet; ")
    assert german.splitlines()[0] == "Tagesübersicht für 2026-11-22"
    assert "Woche: " in german and "eingecheckt" in german
    spanish = digest_text(digest, "UTC", "es")
    assert "desde anoche" in spanish and "3 clientes" in spanish
    # Russian plural forms: 3 клиента (few), not клиентов.
    russian = digest_text(digest, "UTC", "ru")
    assert russian.splitlines()[1].startswith("3 клиента: отметились со вчерашнего вечера — 2;")
    # A window starting days back names the weekday in the coach's language.
    monday_morning = datetime(2026, 11, 23, 9, tzinfo=UTC)
    weekend = digest_window(DigestPeriod.DAY, monday_morning, "UTC", "weekdays")
    from conversations.i18n import use_locale

    with use_locale("de"):
        assert window_words(weekend, "UTC") == "seit Freitagmorgen"
    assert window_words(weekend, "UTC") == weekend.words == "since Friday morning"


def test_the_slack_payload_keeps_kinds_and_ids_and_translates_words() -> None:
    digest = make_digest(DigestPeriod.WEEK)
    english, german = digest.to_dict(), digest_payload(digest, "UTC", "de")
    assert german["title"].startswith("Wochenübersicht")
    assert [line["flag_kinds"] for line in german["lines"]] == [
        line["flag_kinds"] for line in english["lines"]
    ]
    assert german["lines"][0]["status"].startswith("Ana Silva: 4/7 Check-ins")
    assert german["lines"][0]["flags"] and german["lines"][0]["flags"] != english["lines"][0]["flags"]


def test_summary_labels() -> None:
    assert summary_label(None, "en") == COMPUTED_LABEL
    assert summary_label("gpt-x", "en") == f"{AI_LABEL} (model gpt-x)"
    assert summary_label(None, "de") == "Berechnete Zusammenfassung (nicht KI-generiert)"
    assert summary_label("gpt-x", "ru").endswith("(модель gpt-x)")
