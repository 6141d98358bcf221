"""Typed answers to a program's own questions: each type accepts its values and refuses the rest."""

from __future__ import annotations

import pytest

from conversations.i18n import use_locale
from conversations.reasons import explain
from domain.errors import ValidationError
from domain.programs import Question, QuestionType, answer_text, check_answer

NUMBER = Question("run_minutes", "Minutes?", QuestionType.NUMBER)
SCALE = Question("legs", "Legs?", QuestionType.SCALE, min=1, max=5)
YES_NO = Question("done", "Done?", QuestionType.YES_NO)
CHOICE = Question("where", "Where?", QuestionType.CHOICE, choices=("Road", "Trail"))
TEXT = Question("why", "Why?", QuestionType.TEXT)


@pytest.mark.parametrize(
    ("question", "text", "value"),
    [
        (NUMBER, "20", 20),
        (NUMBER, "2,5", 2.5),
        (NUMBER, " 12.25 ", 12.25),
        (SCALE, "4", 4),
        (YES_NO, "Yes", True),
        (YES_NO, "nope", False),
        (CHOICE, "trail", "Trail"),
        (CHOICE, "1", "Road"),
        (TEXT, "  felt  good ", "felt good"),
    ],
)
def test_valid_answers_are_typed(question: Question, text: str, value: object) -> None:
    assert check_answer(question, text) == value


@pytest.mark.parametrize(
    ("question", "text", "hint"),
    [
        (NUMBER, "twenty", "Please answer with a number"),
        (NUMBER, "1e9", "Please answer with a number"),
        (SCALE, "6", "from 1 to 5"),
        (SCALE, "2.5", "from 1 to 5"),
        (YES_NO, "maybe", "yes or no"),
        (CHOICE, "Track", "Road, Trail"),
        (CHOICE, "3", "Road, Trail"),
        (TEXT, "", "up to 500 characters"),
        (TEXT, "x" * 501, "up to 500 characters"),
    ],
)
def test_invalid_answers_are_refused_with_the_types_hint(question: Question, text: str, hint: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_answer(question, text)
    assert hint in caught.value.message and caught.value.field == question.key


def test_questions_survive_a_round_trip_through_json_and_read_as_assessment() -> None:
    assert Question.from_dict(SCALE.to_dict()) == SCALE
    assert Question.from_dict(CHOICE.to_dict()) == CHOICE
    assert SCALE.as_assessment() == {"key": "legs", "kind": "scale", "question": "Legs?", "min": 1, "max": 5}
    assert answer_text(True) == "yes" and answer_text(2.5) == "2.5"


@pytest.mark.parametrize(
    ("language", "question", "hint"),
    [
        ("de", SCALE, "Bitte antworte mit einer ganzen Zahl von 1 bis 5."),
        ("es", CHOICE, "Elige una de estas opciones: Road, Trail."),
        ("ru", YES_NO, "Пожалуйста, ответь «да» или «нет»."),
        ("en", TEXT, "Please answer in a few words (up to 500 characters)."),
    ],
)
def test_the_hint_is_said_in_the_clients_language(language: str, question: Question, hint: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_answer(question, "x" * 501 if question is TEXT else "nonsense")
    with use_locale(language):
        assert explain(caught.value) == hint


def test_yes_and_no_in_the_languages_the_hint_is_said_in() -> None:
    assert [check_answer(YES_NO, word) for word in ("ja", "sí", "Да", "nein", "нет")] == [
        True,
        True,
        True,
        False,
        False,
    ]
