"""Counted nouns agree with their number."""

from __future__ import annotations

from domain.plural import count_noun, plural_form


def test_one_is_singular_everything_else_plural() -> None:
    assert count_noun(1, "time") == "1 time"
    assert count_noun(0, "time") == "0 times"
    assert count_noun(2, "client") == "2 clients"
    assert count_noun(5000, "client") == "5,000 clients"
    assert count_noun(1.5, "hour") == "1.5 hours"
    assert count_noun(2, "entry") == "2 entries" and count_noun(2, "day") == "2 days"
    assert count_noun(3, "coach") == "3 coaches" and count_noun(2, "person", "people") == "2 people"
    assert plural_form(1, "check-in") == "check-in" and plural_form(7, "check-in") == "check-ins"
