"""The domain's sentences (:mod:`domain.reasons`) in the reader's language: a refusal's reason, a
program file's problems, a forecast's why. The id is the sentence's ``Class.NAME``, translated in
``messages.po`` like the texts of :mod:`conversations.texts`; values that are reasons themselves
are said the same way, floats and dates are written the language's way, and anything else is shown
as given (names, titles and file lines are the coach's own words)."""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.i18n import format_day, format_decimal, translate, translate_plural
from domain.errors import DomainError
from domain.reasons import Reason


def explain(said: Reason | DomainError | str) -> str:
    """What went wrong, in the current locale; a plain English message (no reason) as it is."""
    if isinstance(said, DomainError):
        said = said.reason or said.message
    if isinstance(said, str):
        return said
    number = said.number()
    if said.plural is not None and number is not None:  # the form that agrees with the number
        template = translate_plural(said.key, said.english, said.plural, number)
    else:
        template = translate(said.key, said.english)
    values = {name: _value(value) for name, value in said.values.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English
        return str(said)


def sentence_case(text: str) -> str:
    """``"the price must be above 0"`` → ``"The price must be above 0."``: a reason as a reply."""
    text = text.strip()
    if not text:
        return text
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?", ":")) else ".")


def _value(value: Any) -> Any:
    if isinstance(value, Reason):
        return explain(value)
    if isinstance(value, float):
        return format_decimal(float(value))  # a float subclass's own str() is its English
    if isinstance(value, date):
        return format_day(value)
    return value
