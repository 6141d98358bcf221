"""Speaking the client's language: gettext catalogues (Babel) and the locale of the message at hand.

The English text of every client-facing sentence lives in :mod:`conversations.texts` as class
constants; each constant's id (``"CheckIn.ASK_MOOD"``) is its gettext context (``msgctxt``) and the
English text its ``msgid``. Translations are ``locales/<lang>/LC_MESSAGES/messages.po`` beside this
module (``make translations`` extracts, updates and compiles them; see the README).

Which language a sentence comes out in is the *current locale*: a context variable the engine sets
for each step from the client's ``locale`` (:func:`use_locale`), so flows keep writing
``T.ASK_MOOD.format(...)`` and get the client's language. Dates, times, numbers and money are
formatted by Babel for the same locale (:func:`format_day`, :func:`format_amount` ...).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import date, datetime, time
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from domain import rules
from domain.money import minor_unit_factor

__all__ = [
    "DEFAULT_LOCALE",
    "LANGUAGE_NAMES",
    "LOCALES_DIR",
    "SUPPORTED_LOCALES",
    "Plural",
    "Text",
    "city_name",
    "current_locale",
    "format_amount",
    "format_day",
    "format_day_month",
    "format_decimal",
    "format_moment",
    "format_percent",
    "format_time_of_day",
    "localize",
    "supported_locale",
    "switch_locale",
    "translate",
    "translate_plural",
    "use_locale",
]

DEFAULT_LOCALE = "en"
# English is the source text; the others have a catalogue under LOCALES_DIR.
SUPPORTED_LOCALES: tuple[str, ...] = rules.LOCALES
# Each language in its own words, for the language picker.
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "de": "Deutsch", "es": "Español", "ru": "Русский"}
LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("client_locale", default=DEFAULT_LOCALE)


def supported_locale(code: str | None) -> str | None:
    """The supported language a locale code names ("de-AT", "es_419", "RU" → "de", "es", "ru"), or None."""
    if not code:
        return None
    language = code.strip().replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def current_locale() -> str:
    return _current.get()


@contextlib.contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Speak ``locale`` (English if it is not supported) until the block ends."""
    chosen = supported_locale(locale) or DEFAULT_LOCALE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def switch_locale(locale: str) -> None:
    """Speak ``locale`` for the rest of the current :func:`use_locale` block (a client who has just
    chosen their language hears the rest of the answer in it)."""
    _current.set(supported_locale(locale) or DEFAULT_LOCALE)


def compiled_catalogue(language: str, domain: str = DOMAIN) -> io.BytesIO | None:
    """The catalogue's .mo, compiled in memory from the .po when the .mo is missing or older (a fresh
    clone before ``make translations``): the .po files are the source, the .mo files a build product.
    ``domain``: ``messages`` (what clients read) or ``web`` (the coach web workspace)."""
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{domain}.po", folder / f"{domain}.mo"
    if not po.exists():
        return None
    if mo.exists() and os.path.getmtime(mo) >= os.path.getmtime(po):
        return io.BytesIO(mo.read_bytes())
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return compiled


@cache
def translations(language: str) -> NullTranslations:
    if language == DEFAULT_LOCALE:
        return NullTranslations()
    compiled = compiled_catalogue(language)
    return Translations(compiled, domain=DOMAIN) if compiled is not None else NullTranslations()


def translate(key: str, english: str, locale: str | None = None) -> str:
    """The text with id ``key`` in ``locale`` (default: the current one); English when untranslated."""
    return _translated(key, english, translations(locale or current_locale()))


# A loaded catalogue does not change; a digest asks for the same few texts once per client (thousands
# of lookups through gettext's fallbacks otherwise). Keyed by the catalogue object, so one loaded
# anew is read anew.
@lru_cache(maxsize=8192)
def _translated(key: str, english: str, catalogue: NullTranslations) -> str:
    return str(catalogue.pgettext(key, english))


def translate_plural(key: str, singular: str, plural: str, count: int, locale: str | None = None) -> str:
    """The form of text ``key`` that agrees with ``count`` by the language's plural rules (CLDR:
    Russian has one, few and many)."""
    return str(translations(locale or current_locale()).npgettext(key, singular, plural, count))


class Text(str):
    """A catalogue text in the current locale that remembers its id, so a prompt built once at import
    (``ask(T.ASK_MOOD)``) can be spoken again in each client's language (:func:`localize`)."""

    key: str
    english: str

    def __new__(cls, value: str, key: str, english: str) -> Text:
        text = super().__new__(cls, value)
        text.key, text.english = key, english
        return text


def localize(text: str) -> str:
    """``text`` in the current locale if it came from the catalogue; other text (a client's goal, a
    coach's program step) as it is."""
    if isinstance(text, Text):
        return translate(text.key, text.english)
    return text


class Plural:
    """A text with a number in it: ``Plural("{n} day", "{n} days", count="n")``; ``.format(n=3, ...)``
    picks the form for the language (``ngettext``) and fills every placeholder."""

    def __init__(self, singular: str, plural: str, *, count: str = "n", key: str = "") -> None:
        self.singular, self.plural, self.count, self.key = singular, plural, count, key

    def format(self, **values: Any) -> str:
        number = values[self.count]
        form = translate_plural(self.key, self.singular, self.plural, int(number))
        return form.format(**values)

    def __repr__(self) -> str:
        return f"Plural({self.singular!r}, {self.plural!r}, count={self.count!r}, key={self.key!r})"


# English dates read day first ("27 Dec 2026"), as everywhere else in the project (CLI, exports).
_FORMATS_OF = {"en": "en_GB"}
# Money shows the ISO code after the amount in every language ("49.00 EUR", "49,00 EUR"): "$" alone
# names a dozen currencies.
_MONEY_PATTERN = "#,##0.00 ¤¤"


@cache
def _babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(_FORMATS_OF.get(language, language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def format_day(value: date | datetime) -> str:
    """A date for reading: "Mar 1, 2027", "01.03.2027", "1 mar 2027", "1 мар. 2027 г."."""
    day = value.date() if isinstance(value, datetime) else value
    return babel_dates.format_date(day, format="medium", locale=_babel_locale(current_locale()))


def format_day_month(value: date) -> str:
    """A day of a month without the year: "March 1", "1. März", "1 de marzo", "1 марта"."""
    return babel_dates.format_skeleton("MMMMd", value, locale=_babel_locale(current_locale()))


def format_short_day(value: date) -> str:
    """A day as chart labels show it: "3 Mar", "3. März", "3 mar", "3 мар."."""
    return babel_dates.format_skeleton("MMMd", value, locale=_babel_locale(current_locale()))


def format_month(value: date) -> str:
    """A month as chart labels show it: "Mar 2026", "März 2026", "mar 2026", "март 2026 г."."""
    return babel_dates.format_skeleton("yMMM", value, locale=_babel_locale(current_locale()))


def format_moment(value: datetime) -> str:
    """A local date and time: "Mar 1, 2027, 7:30 PM", "01.03.2027, 19:30"."""
    locale = _babel_locale(current_locale())
    day = babel_dates.format_date(value.date(), format="medium", locale=locale)
    clock = babel_dates.format_time(value.timetz(), format="short", locale=locale)
    return str(babel_dates.get_datetime_format("medium", locale=locale)).replace("'", "").format(clock, day)


def format_slot(value: datetime) -> str:
    """A weekday, date and time in ``value``'s own timezone: "Mon 7 Dec 15:00", "Mo., 7. Dez. 15:00"."""
    locale = _babel_locale(current_locale())
    day = babel_dates.format_skeleton("MMMEd", value, locale=locale)
    clock = babel_dates.format_time(value.timetz(), format="short", locale=locale)
    return f"{day} {clock}"


def format_time_of_day(value: time | str) -> str:
    """A wall-clock time: "7:30 AM", "07:30", "7:30"; ``value`` may be "HH:MM"."""
    clock = time.fromisoformat(value) if isinstance(value, str) else value
    return babel_dates.format_time(clock, format="short", locale=_babel_locale(current_locale()))


def city_name(zone: str) -> str:
    """The city a time zone is named after, in the current language: "Europe/London" → "Лондон"."""
    return str(
        babel_dates.get_timezone_location(zone, locale=_babel_locale(current_locale()), return_city=True)
    )


def country_name(code: str) -> str:
    """A country by its ISO code, in the current language: "ES" → "Spanien", "España", "Испания"."""
    return str(_babel_locale(current_locale()).territories.get(code, code))


def format_decimal(value: float) -> str:
    """``7.5`` → "7.5", "7,5" (de, es, ru)."""
    return _decimal(value, current_locale())


# Babel takes about a third of a millisecond per number; a digest writes a few for each client, and
# the values (scores, averages) repeat.
@lru_cache(maxsize=4096)
def _decimal(value: float, language: str) -> str:
    return str(babel_numbers.format_decimal(value, locale=_babel_locale(language)))


def format_percent(fraction: float) -> str:
    """``0.58`` → "58%", "58 %" (de, es), "58 %" (ru): a share as the language writes it."""
    return babel_numbers.format_percent(fraction, locale=_babel_locale(current_locale()))


def format_amount(amount_minor: int, currency: str) -> str:
    """Money in minor units for reading: "49.00 EUR", "1,234.50 USD", "49,00 EUR", "4900 JPY"."""
    return babel_numbers.format_currency(
        amount_minor / minor_unit_factor(currency),
        currency.upper(),
        format=_MONEY_PATTERN,
        locale=_babel_locale(current_locale()),
    )
