"""The domain's sentences said in the reader's language (conversations.reasons.explain)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conversations import reasons
from conversations.i18n import use_locale
from conversations.reasons import explain, sentence_case
from domain.errors import ValidationError
from domain.reasons import Count, Reason, Reasons, Sentence
from domain.reasons.feedback import FeedbackProblems
from domain.reasons.forecast import ForecastReasons


class _Untranslated(Reasons):
    LINE = Sentence("line {line}: {problem}")
    AVERAGE = Sentence("average {value}")


def test_an_error_raised_with_a_reason_keeps_the_english_and_the_reason() -> None:
    exc = ValidationError(FeedbackProblems.COMMENT_TOO_LONG(limit=2000, length=2050), field="comment")
    assert exc.message == "a comment can be at most 2000 characters (this one has 2050)"
    assert str(exc) == exc.message
    assert exc.reason is not None and exc.reason.key == "FeedbackProblems.COMMENT_TOO_LONG"
    assert exc.field == "comment"


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "A comment can be at most 2000 characters (this one has 2050)."),
        ("de", "Ein Kommentar darf höchstens 2000 Zeichen haben (dieser hat 2050)."),
        ("es", "Un comentario puede tener como máximo 2000 caracteres (este tiene 2050)."),
        ("ru", "Комментарий может содержать не более 2000 символов (в этом 2050)."),
    ],
)
def test_a_reason_is_said_in_the_current_language(language: str, said: str) -> None:
    exc = ValidationError(FeedbackProblems.COMMENT_TOO_LONG(limit=2000, length=2050))
    with use_locale(language):
        assert sentence_case(explain(exc)) == said


def test_a_plain_message_and_an_untranslated_sentence_stay_english() -> None:
    with use_locale("de"):
        assert explain(ValidationError("no such program")) == "no such program"
        assert explain("as written") == "as written"
        nested = _Untranslated.LINE(line=3, problem=FeedbackProblems.EMPTY_COMMENT())
        assert explain(nested) == "line 3: der Kommentar ist noch leer"
        assert str(nested) == "line 3: write a comment first"


def test_decimals_are_written_the_languages_way() -> None:
    with use_locale("de"):
        assert explain(_Untranslated.AVERAGE(value=7.5)) == "average 7,5"
    assert str(_Untranslated.AVERAGE(value=7.5)) == "average 7.5"


def test_a_translation_that_lost_a_placeholder_falls_back_to_the_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reasons, "translate", lambda key, english: "höchstens {grenze} Zeichen")
    said = explain(FeedbackProblems.COMMENT_TOO_LONG(limit=2000, length=2050))
    assert said == "a comment can be at most 2000 characters (this one has 2050)"


def test_sentence_case_ends_a_reason_once() -> None:
    assert sentence_case("write a comment first") == "Write a comment first."
    assert sentence_case("done!") == "Done!"
    assert sentence_case("  ") == ""


def test_a_forecast_reason_survives_json_and_its_date_is_written_the_languages_way() -> None:
    trend = ForecastReasons.RISING(pace=2.5, projected=90, due=date(2027, 3, 1), low=50, high=100)
    said = ForecastReasons.ONLY_AT_THE_TOP(trend=trend, full=ForecastReasons.FULL())
    back = Reason.from_json(json.loads(json.dumps(said.to_json())))
    assert back == said
    english = "at +2.5 points a week, about 90 % by 2027-03-01 (likely 50 %-100 %); 100 % only at the top of the range"
    assert str(back) == english
    with use_locale("de"):
        assert explain(back) == (
            "mit +2,5 Punkten pro Woche etwa 90 % bis 01.03.2027 (wahrscheinlich 50 %–100 %); "
            "100 % nur am oberen Ende der Spanne"
        )


def test_a_count_groups_its_thousands_the_readers_way_and_survives_the_outbox() -> None:
    said = _Untranslated.AVERAGE(value=Count(50_000))
    assert str(said) == "average 50,000"
    with use_locale("de"):
        assert explain(said) == "average 50.000"
    again = Reason.from_json(json.loads(json.dumps(said.to_json())))
    assert str(again) == "average 50,000"
