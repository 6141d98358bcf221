"""The grounding check: a summary may only state numbers that appear in what it was written from.

Used by tests and at runtime (a model answer failing it is replaced by the computed summary).

What counts as a stated number (read by :mod:`domain.insights.stated_numbers`, the same way in the
text and in the source's strings; numbers are compared by absolute value, so "-1.5" and "fell 1.5"
are one fact):

- Digits, with an optional decimal part: "7", "5.2", each part of "2026-11-22".
- Cardinal words from "zero" to "nineteen", the tens, "hundred", "thousand" and "dozen", alone or
  compound: "twenty-five" / "twenty five" (25), "a hundred" (100), "two hundred and five" (205),
  "a dozen" (12), "half a dozen" (6), "five point two" (5.2).
- Halves: "seven and a half" / "7 and a half" (7.5), "an hour and a half" (1.5), "two hours and a
  half" (2.5). A bare "half" or "halved" is 0.5 or 50 (per cent), grounded by either — except
  "first/second/other/last half" (a span of the week) and hyphenated "half-hearted" (but
  "half-hour" counts).
- "twice" (2) and "thrice" (3) always; "once" (1) unless it is "at once", "once again/more",
  "once in a while", "once and for all", or the conjunction ("once she sleeps better").
- "one" and ordinals ("second" … "twentieth", "twenty-first", "hundredth") only where they state a
  count: directly before something counted, optionally after one modifier — "one missed check-in",
  "third check-in", "second week in a row", "one point", "one of 7" / "one out of seven" — and not
  in "one day at a time". "no one", "at one point", "every one", "one of your goals", "one-on-one",
  "a second look", "the second half" are prose. "first" alone is a position ("her first week",
  "at first"), never a count; it only counts inside a compound ordinal ("twenty-first check-in").
- "a" / "an" are never a number by themselves ("a week", "an hour"); only in "a hundred",
  "a dozen", "an hour and a half".
- Not read as numbers: words that contain a number word ("someone", "none", "often", "weight"),
  vague quantities ("a couple", "a few", "several", "both", "dozens", "hundreds"), "no" / "none" /
  "nothing", "single", "double", "quarter".

A summary written in German, Spanish or Russian (the coach's language) is read by the same rule in
that language (:mod:`domain.insights.native_numbers`), and its source's strings in English and in
every one of those languages (a client's notes may be in another language than the coach's):

- Digits with a decimal comma or point: "7,5" and "7.5" are 7.5; where the mark is ambiguous every
  reading counts ("1.000" is 1000 or 1, "7,500" 7.5 or 7500); Russian "10 000" is 10000; "16.11" is
  16.11 or the date 16 November (grounded by 16 and 11), "22.11.2026" three numbers.
- Cardinals in every form: "sieben", "fünfundzwanzig", "zweihundertfünf", "veinticinco", "treinta y
  cinco", "двадцать пять", case forms "семи", "пяти", "двадцати"; "sieben Komma fünf", "7 Komma 5",
  "siete coma cinco" (7.5).
- Halves: "siebeneinhalb", "anderthalb", "eine halbe Stunde" (0.5), "siete y media", "siete horas y
  media", "hora y media" (1.5), "media hora", "семь с половиной", "час с половиной", "полтора",
  "полчаса". A bare "Hälfte"/"halb"/"halbiert", "mitad", "половина" is 0.5 or 50 — except "die
  zweite Hälfte", "la segunda mitad", "вторая половина" (a span). Spanish "media" alone is the
  average ("la media de sueño"), not a half.
- "zweimal", "dreimal" (any "…mal"), "einmal" unless "noch/auf/nicht/erst/zunächst/schon einmal" or
  "einmal mehr"; "una vez" unless "de una vez", "una vez más", "una vez que"; "дважды", "трижды".
- "ein/eine/einen…", "un/una/uno" are also the article "a", and written alike: like English "a",
  not a number by themselves ("eine Woche", "ein Ziel", "una sesión", "uno de sus objetivos"), but
  the number 1 where the sentence marks them as one: "nur/genau/mindestens ein Check-in", "ein
  einziger Tag", "solo/al menos un día", "una sola sesión", "un único día", "eine von 7", "una de
  siete", "ein bis zwei Tage", "una o dos veces", and Spanish "uno" as a value ("bajó de tres a
  uno", "de uno a cuatro"); "nicht nur eine gute Woche", "no solo una", "cada uno", "uno a uno",
  "uno mismo" stay prose. German "eins" is always 1, except "eins zu eins" (one-on-one).
  Russian "один/одна/одну/…" counts only before something counted or "из 7" ("один пропущенный
  день", "один раз"), not in "одна из целей" or "ни одного". Ordinals ("dritte", "tercera",
  "третья", "одиннадцатый", "двадцать первый") only before something counted ("die dritte Woche in
  Folge", "двадцать первый день" is 21); "erste", "primera", "первый" never by themselves.
- Not read as numbers: vague "ein paar", "einige", "Hunderte", "unos cuantos", "varios", "cientos",
  "miles", "несколько", "пара", "десятки", "тысячи"; "одни" (alone), "семью" (the family).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from domain.insights.native_numbers import LANGUAGES, native_numbers
from domain.insights.stated_numbers import StatedNumber, stated_numbers


def _read(text: str, locale: str | None) -> list[StatedNumber]:
    return (
        native_numbers(text, locale) if locale is not None and locale in LANGUAGES else stated_numbers(text)
    )


def numbers_in_text(text: str, locale: str | None = None) -> list[str]:
    """The numbers ``text`` states, as written ("5.2", "twenty-five", "twice"), read in ``locale``
    (English when it is None or a language without its own reader)."""
    return [stated.text for stated in _read(text, locale)]


def _source_languages(locale: str | None) -> tuple[str | None, ...]:
    """The languages a source's strings are read in for a summary in ``locale``: English alone for an
    English one (as always); else English and each language with a reader (notes may be in any)."""
    return (None, *sorted(LANGUAGES)) if locale in LANGUAGES else (None,)


def _walk(value: Any, languages: tuple[str | None, ...]) -> Iterable[Decimal]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        yield abs(Decimal(repr(float(value)) if isinstance(value, float) else str(value))).normalize()
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key, languages)
            yield from _walk(item, languages)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item, languages)
    else:
        text = value if isinstance(value, str) else str(value)
        for language in languages:
            yield from _values(_read(text, language))


def _values(stated: Iterable[StatedNumber]) -> Iterable[Decimal]:
    for number in stated:
        yield from number.values


def allowed_numbers(source: Any, locale: str | None = None) -> set[Decimal]:
    """Every number in ``source`` (a JSON-like structure, strings read as prose), by absolute value,
    for a text written in ``locale``."""
    return {number for number in _walk(source, _source_languages(locale)) if number.is_finite()}


def ungrounded_numbers(text: str, source: Any, locale: str | None = None) -> list[str]:
    """Numbers stated in ``text`` (written in ``locale``, English by default) that ``source`` does not
    contain (empty when the text is grounded)."""
    return ungrounded_in([text], source, locale)


def ungrounded_in(texts: Iterable[str], source: Any, locale: str | None = None) -> list[str]:
    """Numbers stated in any of ``texts`` that ``source`` does not contain (its numbers read once)."""
    allowed = allowed_numbers(source, locale)
    return [
        stated.text
        for text in texts
        for stated in _read(text, locale)
        if not stated.values & allowed and not (stated.parts and all(p & allowed for p in stated.parts))
    ]


def is_grounded(texts: Iterable[str], source: Any, locale: str | None = None) -> bool:
    return not ungrounded_in(texts, source, locale)
