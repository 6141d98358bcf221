"""Answers typed in the client's own language, brought to the form the English parsers read.

The parsers are written for English ("eight", "7h30", "yes", "tomorrow"); for a client speaking
German, Spanish or Russian (the current locale, :func:`conversations.i18n.current_locale`) the answer
is first tried as it is (digits, ISO dates and English words work for everyone), then rewritten:
number words become digits (``text2num`` for German and Spanish, ``number-parser`` for Russian),
units and answer words become their English ones (the small tables below: no library knows "Std"
or "teilweise"), and dates go to ``dateparser`` with the client's language. Month and weekday names
come from Babel's CLDR data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache, update_wrapper
from typing import Any, Concatenate, ParamSpec, TypeVar

import dateparser
from babel import Locale
from number_parser import parse as ru_digits
from text_to_num import alpha2digit

from conversations.i18n import current_locale
from conversations.parsing._text import ParseError, clean
from domain.number_words import russian_ordinal

__all__ = ["also_native", "answer_word", "client_language", "native_date", "read_natively", "to_english"]

_Parsed = TypeVar("_Parsed")
_Params = ParamSpec("_Params")

# Units and connectives as people write them, and the English the parsers read.
_WORDS: dict[str, dict[str, str]] = {
    "de": {
        "stunden": "h", "stunde": "h", "std": "h", "std.": "h", "minuten": "min", "minute": "min",
        "prozent": "%", "uhr": "h", "und": "and", "aber": "but", "außer": "except", "von": "of",
        "morgens": "am", "früh": "am", "vormittags": "am", "abends": "pm", "nachmittags": "pm",
        "nachts": "at night", "um": "", "gegen": "", "ca": "", "etwa": "", "ungefähr": "",
        # How much of a goal: the English percent words ("half", "all", "done", "nothing").
        "die hälfte": "half", "zur hälfte": "half", "hälfte": "half", "halb": "half", "alles": "all",
        "fertig": "done", "erledigt": "done", "gar nichts": "nothing", "nichts": "nothing",
    },
    "es": {
        "horas": "h", "hora": "h", "minutos": "min", "minuto": "min", "por ciento": "%", "por 100": "%",
        "pero": "but", "excepto": "except", "de": "of", "y": "and", "sobre": "of", "a las": "", "las": "",
        "a la": "", "la": "", "de la mañana": "am", "de la tarde": "pm", "de la noche": "pm",
        "unos": "", "unas": "", "más o menos": "", "aproximadamente": "", "casi": "",
        "mitad": "half", "todo": "all", "hecho": "done", "terminado": "done", "nada": "nothing",
    },
    "ru": {
        "часов": "h", "часа": "h", "час": "h", "ч": "h", "минут": "min", "минуты": "min", "минута": "min",
        "мин": "min", "процентов": "%", "процента": "%", "процент": "%", "но": "but", "кроме": "except",
        "из": "of", "и": "and", "в": "", "около": "", "примерно": "", "где-то": "", "утра": "am", "вечера": "pm",
        "дня": "pm", "ночи": "at night",
        "половина": "half", "половину": "half", "наполовину": "half", "всё": "all", "все": "all",
        "готово": "done", "сделано": "done", "ничего": "nothing",
    },
}  # fmt: skip
# "7 y media", "7 und halb" / "siebeneinhalb", "7 с половиной": half past, half more.
_HALF = {"de": r"(?:und\s+)?(?:ein)?halb", "es": r"y\s+media", "ru": r"с\s+половиной"}
# "7 y cuarto", "7 с четвертью": a quarter more (text2num reads "cuarto" as "4º").
_QUARTER = {"es": r"y\s+(?:cuarto|4º)", "ru": r"с\s+четвертью"}
# Yes / partly / no, and what they map to (plan adherence reads "partly"; yes/no questions ignore it).
_ANSWERS: dict[str, dict[str, str]] = {
    "de": {
        "ja": "yes", "jo": "yes", "jap": "yes", "jep": "yes", "klar": "yes", "genau": "yes",
        "sicher": "yes", "einverstanden": "yes", "komplett": "yes", "voll": "yes", "vollständig": "yes",
        "nein": "no", "nee": "no", "ne": "no", "nö": "no", "ablehnen": "no", "gar nicht": "no",
        "überhaupt nicht": "no", "nicht": "no", "teilweise": "partly", "teils": "partly",
        "zum teil": "partly", "halb": "partly", "etwas": "partly", "ein bisschen": "partly",
        "einigermaßen": "partly", "größtenteils": "partly", "mehr oder weniger": "partly",
        "so lala": "partly", "fast": "partly",
    },
    "es": {
        "sí": "yes", "si": "yes", "claro": "yes", "vale": "yes", "por supuesto": "yes", "acepto": "yes",
        "de acuerdo": "yes", "totalmente": "yes", "del todo": "yes", "no": "no", "no acepto": "no",
        "nada": "no", "para nada": "no", "en parte": "partly", "parcialmente": "partly",
        "más o menos": "partly", "mas o menos": "partly", "a medias": "partly", "un poco": "partly",
        "casi": "partly", "regular": "partly",
    },
    "ru": {
        "да": "yes", "ага": "yes", "угу": "yes", "конечно": "yes", "согласен": "yes", "согласна": "yes",
        "ок": "yes", "полностью": "yes", "нет": "no", "неа": "no", "не": "no", "отказаться": "no",
        "совсем нет": "no", "частично": "partly", "отчасти": "partly", "наполовину": "partly",
        "немного": "partly", "более-менее": "partly", "более менее": "partly", "так себе": "partly",
        "почти": "partly",
    },
}  # fmt: skip
# Words before a date that dateparser does not expect: "bis Freitag", "para el viernes", "к пятнице".
_DATE_LEAD = {
    "de": r"(?:bis\s+(?:zum\s+|zur\s+|ende\s+)?|zum\s+|am\s+|spätestens\s+)",
    "es": r"(?:(?:para|hasta|antes\s+de)\s+(?:el\s+|la\s+)?|el\s+|la\s+)",
    "ru": r"(?:к\s+|до\s+|в\s+|во\s+)",
}
# What dateparser does not read (1.5), "next Monday" and Spanish "the day after tomorrow", and what it
# reads otherwise than the English parser, "next week" (a week from today, where English means the end
# of next week): the English date parser reads them once these words are English.
_DATE_WORDS: dict[str, dict[str, str]] = {
    "de": {
        "nächsten": "next", "nächste": "next", "nächster": "next", "nächstes": "next", "kommenden": "next",
        "kommende": "next", "kommender": "next", "kommendes": "next", "woche": "week", "monat": "month",
        "jahr": "year",
    },
    "es": {"pasado mañana": "day after tomorrow", "pasado manana": "day after tomorrow", "próximo": "next",
           "próxima": "next", "proximo": "next", "proxima": "next", "semana": "week", "mes": "month",
           "año": "year"},
    "ru": {
        "на следующей неделе": "next week", "следующий": "next", "следующую": "next", "следующая": "next",
        "следующее": "next", "следующей": "next", "следующем": "next", "неделе": "week", "неделю": "week",
        "неделя": "week", "недели": "week", "месяце": "month", "месяц": "month", "месяца": "month",
        "году": "year", "год": "year", "года": "year",
    },
}  # fmt: skip
# "el lunes que viene" is "next Monday".
_ES_THAT_COMES = re.compile(r"^(\w+)\s+que\s+viene$")
_PERIOD_END = {
    "de": r"ende\s+",
    "es": r"(?:a\s+)?fin(?:al)?(?:es)?\s+de\s+",
    "ru": r"(?:к\s+)?кон(?:ец|цу)\s+",
}


# German clock times counted towards the next hour: "halb acht" is 7:30, "viertel vor acht" and
# "dreiviertel acht" 7:45, "viertel nach acht" 8:15 (after the number words became digits).
_DE_CLOCK = (
    (re.compile(r"(?<![\d.:,])\b(?:drei\s*viertel|dreiviertel)\s+(\d{1,2})\b(?![.:,]\d)"), -1, 45),
    (re.compile(r"\bviertel\s+vor\s+(\d{1,2})\b(?![.:,]\d)"), -1, 45),
    (re.compile(r"\bviertel\s+nach\s+(\d{1,2})\b(?![.:,]\d)"), 0, 15),
    (re.compile(r"(?<![\d.:,])(?<!\d\s)\bhalb\s+(\d{1,2})\b(?![.:,]\d)"), -1, 30),
)


def _german_clock(text: str) -> str:
    """ "halb 8" → "7:30", "viertel vor 8" → "7:45", "viertel nach 8" → "8:15"; "halb 1" is 12:30."""
    for pattern, shift, minutes in _DE_CLOCK:

        def clock(match: re.Match[str], shift: int = shift, minutes: int = minutes) -> str:
            hour = int(match[1])
            if not 1 <= hour <= 24:
                return match[0]
            hour += shift
            return f"{hour or 12}:{minutes:02d}"

        text = pattern.sub(clock, text)
    return text


# Russian clock times said by the hour under way (its ordinal, in the genitive): "полвосьмого" and
# "половина восьмого" are 7:30, "четверть восьмого" 7:15, "десять минут восьмого" 7:10; and "без
# четверти восемь" 7:45, "без десяти восемь" 7:50 (after the number words became digits: "без 10 8").
_RU_HOURS = {
    "первого": 1, "второго": 2, "третьего": 3, "четвёртого": 4, "четвертого": 4, "пятого": 5, "шестого": 6,
    "седьмого": 7, "восьмого": 8, "девятого": 9, "десятого": 10, "одиннадцатого": 11, "двенадцатого": 12,
}  # fmt: skip
_RU_HOUR = rf"({'|'.join(_RU_HOURS)})"
_RU_PAST = (
    # (pattern, minutes past the previous hour; None: the number the pattern read)
    (re.compile(rf"\b(?:в\s+)?(?:пол|пол[\s-]+|половин[аеу]\s+){_RU_HOUR}\b"), 30),
    (re.compile(rf"\b(?:в\s+)?четверть\s+{_RU_HOUR}\b"), 15),
    (re.compile(rf"(?<![\d.:,])\b(\d{{1,2}})\s+минут[аы]?\s+{_RU_HOUR}\b"), None),
)
_RU_BEFORE = re.compile(r"\bбез\s+(четверти|\d{1,2})(?:\s+минут[аы]?)?\s+(\d{1,2}|час)\b(?![.:,]\d)")


def _hour_before(hour: int, minutes: int) -> str:
    """``minutes`` past the hour before ``hour`` (on a 12-hour dial: 1 → 12)."""
    return f"{hour - 1 or 12}:{minutes:02d}"


def _russian_clock(text: str) -> str:
    """ "полвосьмого" → "7:30", "без четверти 8" → "7:45"; "полпервого" is 12:30 ("ночи" makes it 0:30)."""
    for pattern, fixed in _RU_PAST:

        def past(match: re.Match[str], fixed: int | None = fixed) -> str:
            minutes = fixed if fixed is not None else int(match[1])
            return _hour_before(_RU_HOURS[match.groups()[-1]], minutes) if 0 < minutes < 60 else match[0]

        text = pattern.sub(past, text)

    def before(match: re.Match[str]) -> str:
        minutes = 15 if match[1] == "четверти" else int(match[1])
        hour = 1 if match[2] == "час" else int(match[2])
        return _hour_before(hour, 60 - minutes) if 0 < minutes < 60 and 1 <= hour <= 24 else match[0]

    return _RU_BEFORE.sub(before, text)


# Spanish clock times after the number words became digits: "a las 7 y media" is 7:30, "las 7 y
# cuarto" 7:15, "las 8 y 10" 8:10, "las 8 menos cuarto" 7:45, "la 1 menos 10" 12:50. text2num reads
# "cuarto" as the ordinal "4º". The article ("la", "las") or "menos" says it is a time, not 7.5 hours.
_ES_QUARTER = r"(?:cuarto|4º)"
_ES_PAST = re.compile(rf"\blas?\s+(\d{{1,2}})\s+y\s+(media|{_ES_QUARTER}|\d{{1,2}})\b(?![.:,]\d)")
_ES_BEFORE = re.compile(rf"(?<![\d.:,])\b(\d{{1,2}})\s+menos\s+({_ES_QUARTER}|\d{{1,2}})(?![\w.:,])")


def _spanish_clock(text: str) -> str:
    def minutes_of(word: str) -> int:
        return 30 if word == "media" else 15 if re.fullmatch(_ES_QUARTER, word) else int(word)

    def past(match: re.Match[str]) -> str:
        hour, minutes = int(match[1]), minutes_of(match[2])
        return f"las {hour}:{minutes:02d}" if 0 <= hour <= 24 and 0 < minutes < 60 else match[0]

    def before(match: re.Match[str]) -> str:
        hour, minutes = int(match[1]), minutes_of(match[2])
        if not (1 <= hour <= 24 and 0 < minutes < 60):
            return match[0]
        return _hour_before(hour, 60 - minutes)

    return _ES_BEFORE.sub(before, _ES_PAST.sub(past, text))


def client_language() -> str:
    """The language answers are read in: the current client's."""
    return current_locale()


def _phrase_map(text: str, table: dict[str, str]) -> str:
    """Whole-word replacements, longest phrase first; a word may touch digits ("7ч30" → "7h30")."""
    for phrase in sorted(table, key=len, reverse=True):
        text = re.sub(rf"(?<![^\W\d_]){re.escape(phrase)}(?![^\W\d_])", table[phrase], text)
    return " ".join(text.split())


def _digits(text: str, language: str) -> str:
    if language == "ru":
        return str(ru_digits(text, language="ru"))
    return str(alpha2digit(text, language, threshold=0))


def _dated_digits(text: str, language: str) -> str:
    text = _digits(text, language)
    return _russian_ordinal_digits(text) if language == "ru" else text


def to_english(text: str, *, clock: bool = False) -> str | None:
    """``text`` with number words as digits and units, hedges and connectives in English, or None for
    an English-speaking client (nothing to rewrite). "sieben Std 30" → "7 h 30", "siete horas y media"
    → "7.5 h", "восемь" → "8". Where a time of day is asked (``clock``), a Spanish "siete y media"
    without its article is 7:30 as "las siete y media" is (elsewhere 7.5: hours of sleep, km)."""
    language = client_language()
    if language not in _WORDS:
        return None
    text = clean(text)
    if language == "de":
        text = re.sub(r"(\w)einhalb\b", r"\1 einhalb", text)  # "siebeneinhalb"
    text = _digits(text, language)
    if language == "ru":
        text = _russian_clock(text)
    elif language == "es":
        text = _spanish_clock(f"las {text}" if clock and text[:1].isdigit() else text)
    # The half or quarter after the digits: "7 y media" → "7.5", "7 horas y cuarto" → "7.25 horas".
    # The unit between is optional and never the "und" of "7 und halb".
    for fraction, said in ((".5", _HALF), (".25", _QUARTER)):
        if language in said:
            text = re.sub(
                rf"(\d+)\s*(?:(?!und\b)(\w+))?\s+{said[language]}(?!\w)", rf"\g<1>{fraction} \g<2>", text
            )
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)
    if language == "de":
        text = _german_clock(text)
    return _phrase_map(text, _WORDS[language])


def answer_word(words: str) -> str:
    """A yes / partly / no answer in the client's language as its English word ("teilweise" →
    "partly", "да, но ..." → "yes, but ..."); other text as it is."""
    table = _ANSWERS.get(client_language())
    if not table:
        return words
    if words in table:
        return table[words]
    first = next(
        (p for p in sorted(table, key=len, reverse=True) if re.match(rf"{re.escape(p)}(?!\w)", words)), None
    )
    if first is None:
        return words
    rest = _phrase_map(words[len(first) :], _WORDS[client_language()])
    return f"{table[first]} {rest}".strip()


@cache
def _month_and_day_names(language: str) -> dict[str, str]:
    """Localized month and weekday names in every CLDR form ("März", "marzo", "марта", "март",
    "пятница") → English names."""
    local, english = Locale.parse(language), Locale.parse("en")
    names: dict[str, str] = {}
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for n, name in local.months[context][width].items():
                names[clean(name).rstrip(".")] = str(english.months["format"]["wide"][n]).lower()
            for n, name in local.days[context][width].items():
                names[clean(name).rstrip(".")] = str(english.days["format"]["wide"][n]).lower()
    return names


def _english_date_words(text: str, language: str) -> str:
    names = _month_and_day_names(language)
    text = re.sub(rf"^{_PERIOD_END[language]}", "end of ", text)
    if language == "es":
        text = _ES_THAT_COMES.sub(r"próximo \1", text)
    text = _phrase_map(text, _DATE_WORDS[language])
    words = []
    for word in text.split():
        bare = word.rstrip(".,")
        # Russian weekdays in the accusative ("в пятницу", "в среду") end in -у where CLDR has -а.
        match = names.get(bare) or (
            names.get(bare[:-1] + "а") if language == "ru" and bare.endswith("у") else None
        )
        words.append(match or word)
    return " ".join(words)


_RU_WORD = re.compile(r"(?:(\d+)\s+)?([а-яё]+)")


def _russian_ordinal_digits(text: str) -> str:
    """ "третьего декабря" → "3 декабря", "20 первого" (number-parser's "двадцать первого") → "21":
    dateparser knows few Russian ordinals."""

    def digits(match: re.Match[str]) -> str:
        value = russian_ordinal(match[2])
        if value is None:
            return match[0]
        tens = int(match[1]) if match[1] else None
        if tens is not None and tens % 10 == 0 and tens >= 20 and value < 10:
            return str(tens + value)
        return f"{match[1]} {value}" if match[1] else str(value)

    return _RU_WORD.sub(digits, text)


def native_date(text: str, today: date) -> tuple[date | None, str | None]:
    """What a date answer in the client's language names: (a date from ``dateparser`` or None, and the
    answer rewritten with English month and weekday names for the English date parser)."""
    language = client_language()
    if language not in _DATE_LEAD:
        return None, None
    cleaned = re.sub(rf"^{_DATE_LEAD[language]}", "", clean(text)).strip()
    cleaned = _dated_digits(cleaned, language)
    english = _english_date_words(cleaned, language)
    if english.startswith(("end of ", "next ")):
        # dateparser reads "Ende März" as no date and "nächste Woche" as in 7 days: English decides.
        return None, english
    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DAY_OF_MONTH": "last",
    }
    # What the leading words strip may be part of dateparser's phrase: "(para) la próxima semana",
    # "на следующей неделе"; so the answer as typed, and without just its first word, are read too.
    whole = _dated_digits(clean(text), language)
    candidates = (cleaned, whole, whole.partition(" ")[2]) if cleaned != whole else (cleaned,)
    found = None
    for candidate in dict.fromkeys(candidates):
        if candidate and (found := dateparser.parse(candidate, languages=[language], settings=settings)):
            break
    return (found.date() if found is not None else None), english


def read_natively(parse: Callable[[str], _Parsed], text: str, *, clock: bool = False) -> _Parsed:
    """``parse(text)``; when the answer does not read as English, ``parse`` again on it rewritten from
    the client's language (:func:`to_english`, ``clock`` where a time of day is asked); the English
    hint stands if neither reading works."""
    try:
        return parse(text)
    except ParseError:
        native = to_english(text, clock=clock)
        if native is None or native == clean(text):
            raise
        try:
            return parse(native)
        except ParseError:
            pass
        raise


def also_native(
    parse: Callable[Concatenate[str, _Params], _Parsed],
) -> Callable[Concatenate[str, _Params], _Parsed]:
    """A parser that also reads answers in the client's language (:func:`read_natively`)."""

    def parse_any(text: str, /, *args: _Params.args, **kwargs: _Params.kwargs) -> _Parsed:
        return read_natively(lambda answer: parse(answer, *args, **kwargs), text)

    update_wrapper(parse_any, parse)
    return parse_any
