"""Counted nouns in English: ``count_noun(1, "time")`` → ``"1 time"``, ``count_noun(3, "time")`` →
``"3 times"``. One helper for every sentence that says how many (digests, summaries, the CLI, chat)."""

from __future__ import annotations


def plural_form(count: int | float, singular: str, plural: str | None = None) -> str:
    """The noun alone, agreeing with ``count`` (English: singular only for exactly one)."""
    if count == 1:
        return singular
    if plural is not None:
        return plural
    if singular.endswith(("s", "sh", "ch", "x", "z")):
        return singular + "es"
    if singular.endswith("y") and singular[-2:-1] not in ("a", "e", "i", "o", "u"):
        return singular[:-1] + "ies"
    return singular + "s"


def count_noun(count: int | float, singular: str, plural: str | None = None) -> str:
    """``"1 client"``, ``"2 clients"``, ``"0 check-ins"``, ``"1 entry"`` / ``"2 entries"``,
    ``"5,000 clients"`` (thousands grouped)."""
    shown = f"{count:,g}" if isinstance(count, float) else f"{count:,}"
    return f"{shown} {plural_form(count, singular, plural)}"
