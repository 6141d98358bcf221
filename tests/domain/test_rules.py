"""The domain's small rules: what they refuse, said in English and in the reader's language."""

from __future__ import annotations

import pytest

from conversations.i18n import format_decimal, use_locale
from conversations.reasons import explain, sentence_case
from domain import rules
from domain.errors import ValidationError
from domain.reasons.rules import RuleProblems


def refusal(check: object, *args: object) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        check(*args)  # type: ignore[operator]
    return refused.value


def test_the_english_is_as_it_was_and_the_field_is_named() -> None:
    mood = refusal(rules.check_scale, "mood", 11, rules.MOOD_RANGE)
    assert (mood.message, mood.field) == ("mood must be a whole number from 1 to 10", "mood")
    zone = refusal(rules.check_timezone, "Mars/Olympus")
    assert zone.message == "unknown timezone 'Mars/Olympus'"
    assert refusal(rules.check_capacity, 0).message == (
        "capacity is 1 to 10,000 active clients, or empty for no limit"
    )
    assert refusal(rules.check_name, "  ", "client name").message == "client name must not be empty"


@pytest.mark.parametrize(
    ("language", "mood", "digest_time"),
    [
        ("de", "Stimmung muss eine ganze Zahl von 1 bis 10 sein.", "Uhrzeit der Übersicht muss im Format"),
        ("es", "Ánimo: debe ser un número entero del 1 al 10.", "Hora del resumen: formato HH:MM"),
        ("ru", "Настроение: нужно целое число от 1 до 10.", "Время сводки: нужен формат ЧЧ:ММ"),
    ],
)
def test_a_refusal_names_the_field_in_the_readers_language(
    language: str, mood: str, digest_time: str
) -> None:
    with use_locale(language):
        assert sentence_case(explain(refusal(rules.check_scale, "mood", 0, rules.MOOD_RANGE))) == mood
        said = sentence_case(explain(refusal(rules.check_time_of_day, "8am", "digest time")))
        assert said.startswith(digest_time)


def test_a_field_without_a_translated_name_is_shown_as_given() -> None:
    with use_locale("de"):
        assert (
            explain(refusal(rules.check_scale, "reps", 0, (1, 5)))
            == "reps muss eine ganze Zahl von 1 bis 5 sein"
        )


@pytest.mark.parametrize("language", ["en", "de", "es", "ru"])
def test_the_capacity_sentence_says_the_capacity_limit(language: str) -> None:
    """The limit is written in the sentence (each language groups digits its own way): it must be
    ``rules.CAPACITY_MAX``."""
    with use_locale(language):
        assert format_decimal(rules.CAPACITY_MAX) in explain(RuleProblems.CAPACITY())
