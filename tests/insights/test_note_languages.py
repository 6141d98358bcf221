"""Notes in other languages: no VADER score (it reads English only), tone "unknown", still highlighted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.insights import note_language
from domain.insights.compute import week_facts
from domain.insights.facts import CheckInRow, ClientProfile
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


def test_detection_is_remembered_by_digest_bounded_and_answers_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The detector runs once per distinct note; the memory holds digests (never a client's words),
    keeps the most recent answers only, and answers exactly as the detector did."""
    small = note_language._Remembered(2)
    monkeypatch.setattr(note_language, "_remembered", small)
    asked: list[str] = []
    detect = note_language._detected

    def counting(text: str) -> str:
        asked.append(text)
        return detect(text)

    monkeypatch.setattr(note_language, "_detected", counting)
    german = "Heute war ein wirklich schlechter Tag, ich bin sehr müde."
    english = "Great run today, I feel amazing!"
    spanish = "Hoy fue un día muy bueno, estoy contento con el progreso."
    answers = [is_english(n) for n in (german, english, german, english, german)]
    assert answers == [False, True, False, True, False]
    assert asked == [german, english]  # each detected once
    assert all(len(key) == 16 and german.encode() not in key for key in small.digests())
    assert is_english(spanish) is False
    assert len(small) == 2 and asked == [german, english, spanish]
    assert is_english(german) is False and asked[-1] == spanish  # kept: used more recently than english
    assert is_english(english) is True and asked[-1] == english  # evicted, so detected again
    assert all(is_english(n) is (detect(n) == note_language.ENGLISH) for n in (german, english, spanish))


@pytest.mark.parametrize(
    ("note", "code"),
    [
        ("Great run today, I feel amazing!", "en"),
        ("Heute war ein wirklich schlechter Tag, ich bin sehr müde.", "de"),
        ("Hoy fue un día muy bueno, estoy contento con el progreso.", "es"),
        ("Сегодня был тяжёлый день", "ru"),
        ("ok", "en"),
        ("💪🔥", "en"),
    ],
)
def test_the_stored_code_reads_as_detection_does(
    note: str, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not note_language.needs_detector(note):
        monkeypatch.setattr(note_language, "_top_guess", None)  # answered without the detector
    assert note_language.note_language(note) == code
    assert (code == note_language.ENGLISH) is is_english(note)
    assert note_language.reads_as_english(note, code) is is_english(note)


def test_a_week_with_stored_languages_never_calls_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest's facts read the stored code; only a note stored without one (before migration
    0034) is detected, through the remembered answers."""
    monkeypatch.setattr(note_language, "_remembered", note_language._Remembered(100))
    asked: list[str] = []
    detect = note_language._detected

    def counting(text: str) -> str:
        asked.append(text)
        return detect(text)

    monkeypatch.setattr(note_language, "_detected", counting)
    german = "Heute war ein wirklich schlechter Tag, ich bin sehr müde."
    english = "Great run today, I feel amazing and strong!"
    old = "Hoy fue un día muy bueno, estoy contento con el progreso."
    profile = ClientProfile(client_id=1, display_name="Ada", timezone="UTC", cadence="daily")
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    rows = [
        CheckInRow(
            at=now - timedelta(days=d),
            mood=6,
            energy=6,
            sleep_hours=7,
            adherence="yes",
            note=n,
            note_language=c,
        )
        for d, (n, c) in enumerate([(german, "de"), (english, "en"), (None, None)], start=1)
    ]
    facts = week_facts(profile, rows, week_ending=now.date(), now=now)
    assert asked == []
    assert facts.notes.count == 2 and facts.notes.tone == "positive"
    assert facts.notes.sentiment == read_notes([english], languages=["en"]).sentiment
    legacy = [
        *rows,
        CheckInRow(at=now - timedelta(days=4), mood=6, energy=6, sleep_hours=7, adherence="yes", note=old),
    ]
    assert week_facts(profile, legacy, week_ending=now.date(), now=now).notes.count == 3
    assert asked == [old]  # only the note without a stored language


def test_short_notes_in_eleven_languages_are_told_from_english() -> None:
    """The benchmark's notes (bench/note_language): every one of four words or more is stored as
    English exactly when it is, and the other languages' notes get their own code; only some
    three-word notes are too short to tell (they read as English)."""
    from bench.note_language.notes import NOTES

    for language, notes in NOTES.items():
        for note in notes:
            code = note_language.note_language(note)
            if len(note.split()) > note_language.MIN_WORDS_TO_DETECT or language in ("ru", "uk", "zh", "ar"):
                assert (code == note_language.ENGLISH) is (language == "en"), (language, note, code)
    stored = [note_language.note_language(n) for n in NOTES["de"] + NOTES["es"] + NOTES["ru"]]
    assert stored.count("de") >= 13 and stored.count("es") >= 12 and stored.count("ru") == 15
