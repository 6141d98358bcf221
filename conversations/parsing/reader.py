"""The chat's answer parsers as one object, for code that reads typed values outside a conversation
(``coach import checkins``), so an import reads ``7h30`` and ``eight`` exactly as a check-in does."""

from __future__ import annotations

from conversations.parsing.answers import parse_adherence
from conversations.parsing.numbers import parse_percent, parse_scale, parse_sleep_hours


class ChatAnswers:
    """Implements ``domain.insights.history_import.AnswerReader``; each method raises ``ParseError``."""

    def scale(self, text: str, low: int, high: int) -> int:
        return parse_scale(text, low, high)

    def sleep_hours(self, text: str) -> float:
        return parse_sleep_hours(text)

    def adherence(self, text: str) -> str:
        return parse_adherence(text)

    def percent(self, text: str) -> int:
        return parse_percent(text)
