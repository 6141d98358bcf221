"""A program's own questions (assessment and check-in) and the typed answers they take.

Answers are stored generically: the question's key and type with a JSON value (a number, a whole
number on a scale, true/false, one of the choices, or text), each validated by the question's type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.errors import ValidationError
from domain.reasons import Reason
from domain.reasons.programs import AnswerHints

ANSWER_TEXT_MAX_CHARS = 500
NUMBER_MAX = 1_000_000


class QuestionType(StrEnum):
    NUMBER = "number"
    SCALE = "scale"
    YES_NO = "yes_no"
    CHOICE = "choice"
    TEXT = "text"


QUESTION_TYPES = tuple(t.value for t in QuestionType)

# The hint asks for yes or no in the client's language, so its words are understood too.
_YES = frozenset({"yes", "y", "yeah", "yep", "sure", "true", "1", "ja", "oui", "si", "sí", "done", "да"})
_NO = frozenset({"no", "n", "nope", "false", "0", "nein", "non", "not", "нет"})
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?$")


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    ask: str
    type: QuestionType
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "ask": self.ask, "type": self.type.value}
        if self.choices:
            data["choices"] = list(self.choices)
        if self.min is not None:
            data["min"] = self.min
        if self.max is not None:
            data["max"] = self.max
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        return cls(
            str(data["key"]),
            str(data["ask"]),
            QuestionType(data["type"]),
            tuple(data.get("choices", ())),
            data.get("min"),
            data.get("max"),
        )

    def as_assessment(self) -> dict[str, Any]:
        """The shape onboarding's assessment step reads (``kind``/``question``)."""
        data: dict[str, Any] = {"key": self.key, "kind": self.type.value, "question": self.ask}
        if self.choices:
            data["choices"] = list(self.choices)
        if self.type == QuestionType.SCALE:
            data["min"], data["max"] = self.min, self.max
        return data

    @property
    def hint(self) -> Reason:
        """What a valid answer looks like, for the re-prompt (said in the client's language)."""
        if self.type == QuestionType.NUMBER:
            return AnswerHints.NUMBER()
        if self.type == QuestionType.SCALE:
            assert self.min is not None and self.max is not None
            return AnswerHints.SCALE(low=self.min, high=self.max)
        if self.type == QuestionType.YES_NO:
            return AnswerHints.YES_NO()
        if self.type == QuestionType.CHOICE:
            return AnswerHints.CHOICE(choices=", ".join(self.choices))
        return AnswerHints.TEXT(limit=ANSWER_TEXT_MAX_CHARS)


def check_answer(question: Question, text: str) -> Any:
    """The typed value of ``text`` for ``question``; raises ValidationError with the question's hint."""
    value = " ".join(str(text).split())
    lowered = value.lower().rstrip(".!")
    if question.type == QuestionType.NUMBER:
        if not _NUMBER.match(lowered):
            raise ValidationError(question.hint, field=question.key)
        number = float(lowered.replace(",", "."))
        if abs(number) > NUMBER_MAX:
            raise ValidationError(question.hint, field=question.key)
        return int(number) if number.is_integer() else number
    if question.type == QuestionType.SCALE:
        assert question.min is not None and question.max is not None
        if not re.fullmatch(r"[-+]?\d+", lowered) or not question.min <= int(lowered) <= question.max:
            raise ValidationError(question.hint, field=question.key)
        return int(lowered)
    if question.type == QuestionType.YES_NO:
        if lowered in _YES:
            return True
        if lowered in _NO:
            return False
        raise ValidationError(question.hint, field=question.key)
    if question.type == QuestionType.CHOICE:
        by_name = {c.lower(): c for c in question.choices}
        if lowered in by_name:
            return by_name[lowered]
        if lowered.isdigit() and 1 <= int(lowered) <= len(question.choices):
            return question.choices[int(lowered) - 1]
        raise ValidationError(question.hint, field=question.key)
    if not value or len(value) > ANSWER_TEXT_MAX_CHARS:
        raise ValidationError(question.hint, field=question.key)
    return value


def answer_text(value: Any) -> str:
    """A stored answer as a person reads it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
