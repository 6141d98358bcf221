"""The grounding check: a summary may only state numbers that appear in what it was written from.

Used by tests and at runtime (a model answer failing it is replaced by the computed summary).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

# Digits with an optional decimal part; a leading sign is ignored (both "-1.5" and "fell 1.5" are the
# same fact), so source numbers are compared by absolute value.
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _canonical(token: str) -> Decimal | None:
    try:
        return abs(Decimal(token)).normalize()
    except InvalidOperation:
        return None


def numbers_in_text(text: str) -> list[str]:
    return _NUMBER.findall(text)


def _walk(value: Any) -> Iterable[str]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        yield repr(float(value)) if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        yield from numbers_in_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key)
            yield from _walk(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item)
    else:
        yield from numbers_in_text(str(value))


def allowed_numbers(source: Any) -> set[Decimal]:
    """Every number in ``source`` (a JSON-like structure), by absolute value."""
    found: set[Decimal] = set()
    for token in _walk(source):
        number = _canonical(token)
        if number is not None:
            found.add(number)
    return found


def ungrounded_numbers(text: str, source: Any) -> list[str]:
    """Numbers written in ``text`` that ``source`` does not contain (empty when the text is grounded)."""
    allowed = allowed_numbers(source)
    return [t for t in numbers_in_text(text) if _canonical(t) not in allowed]


def is_grounded(texts: Iterable[str], source: Any) -> bool:
    return all(not ungrounded_numbers(text, source) for text in texts)
