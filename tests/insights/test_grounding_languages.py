"""The number checker for summaries written in German, Spanish and Russian (a coach's language)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.insights.grounding import (
    allowed_numbers,
    is_grounded,
    numbers_in_text,
    ungrounded_in,
    ungrounded_numbers,
)

# The facts a week's summary is written from (the shape of ``summary_input``, trimmed).
SOURCE: dict[str, Any] = {
    "week": {"start": "2026-11-16", "end": "2026-11-22", "check_ins": 7, "expected_check_ins": 7},
    "trends": [
        {"metric": "mood", "this_week": 3, "last_week": 7, "change": -4},
        {"metric": "sleep_hours", "this_week": 7.5, "last_week": 7.5, "change": 0},
    ],
    "streak": 25,
    "adherence_pct": 50,
    "notes": ["Good day, felt strong."],
}


@pytest.mark.parametrize(
    ("locale", "grounded", "invented", "word"),
    [
        (
            "de",
            "Ana hat siebenmal von sieben eingecheckt; Stimmung fiel von sieben auf drei, um vier; "
            "Schlaf 7,5 Stunden (siebeneinhalb); fünfundzwanzig Tage in Folge; den Plan zur Hälfte.",
            "Ana hat sieben Mal eingecheckt und schlief neun Stunden.",
            "neun",
        ),
        (
            "es",
            "Ana se registró siete veces de siete; el ánimo bajó de siete a tres, cuatro puntos; "
            "durmió 7,5 horas (siete horas y media); veinticinco días seguidos; la mitad del plan.",
            "Ana se registró siete veces y durmió ocho horas.",
            "ocho",
        ),
        (
            "ru",
            "Ана отметилась семь раз из семи; настроение упало с семи до трёх, на четыре балла; "
            "сон 7,5 часа (семь с половиной часов); двадцать пять дней подряд; половина плана.",
            "Ана отметилась семь раз и спала девять часов.",
            "девять",
        ),
    ],
)
def test_a_grounded_answer_passes_and_an_invented_number_word_fails(
    locale: str, grounded: str, invented: str, word: str
) -> None:
    assert ungrounded_numbers(grounded, SOURCE, locale) == []
    assert ungrounded_numbers(invented, SOURCE, locale) == [word]


def test_the_decimal_comma_is_one_number_in_those_languages_only() -> None:
    assert ungrounded_numbers("Schlaf 7,5 Stunden.", SOURCE, "de") == []
    assert ungrounded_numbers("Schlaf 7,4 Stunden.", SOURCE, "de") == ["7,4"]
    assert ungrounded_numbers("Sleep 7,5 hours.", SOURCE) == ["5"]  # English: 7 and 5, as before
    # Models write the mark either way; an ambiguous one counts as each reading.
    assert ungrounded_numbers("Schlaf 7.5 Stunden.", SOURCE, "de") == []
    assert numbers_in_text("1.000 Schritte, 7,500 km, 10 000 шагов", "de") == ["1.000", "7,500", "10", "000"]
    assert ungrounded_numbers("10 000 шагов", {"steps": 10000}, "ru") == []
    assert ungrounded_numbers("1.000 Schritte", {"steps": 1000}, "de") == []


def test_a_day_and_month_with_a_dot_is_grounded_by_the_date() -> None:
    # The facts' ISO dates, written as German and Russian readers write them.
    assert ungrounded_numbers("Vom 16.11. bis 22.11.2026 checkte Ana siebenmal ein.", SOURCE, "de") == []
    assert ungrounded_numbers("С 16.11 по 22.11 — семь отметок.", SOURCE, "ru") == []
    assert ungrounded_numbers("Am 17.11. fiel die Stimmung.", SOURCE, "de") == ["17.11"]


def test_every_bullet_is_checked_against_the_numbers_read_once() -> None:
    bullets = ["Sieben von sieben.", "Neun Stunden Schlaf.", "Acht Spaziergänge."]
    assert ungrounded_in(bullets, SOURCE, "de") == ["Neun", "Acht"]
    assert not is_grounded(bullets, SOURCE, "de")
    assert is_grounded(bullets[:1], SOURCE, "de")


@pytest.mark.parametrize(
    ("locale", "text", "stated"),
    [
        ("de", "Fünfundzwanzig Minuten, zweihundertfünf Schritte, dreißig Tage.", ["Fünfundzwanzig", "zweihundertfünf", "dreißig"]),
        ("de", "Siebeneinhalb Stunden, anderthalb Stunden, eine halbe Stunde, 7 einhalb Std.", ["Siebeneinhalb", "anderthalb", "halbe Stunde", "7 einhalb"]),
        ("de", "Sie checkte zweimal ein, einmal pro Woche; Stimmung sieben Komma fünf.", ["zweimal", "einmal", "sieben Komma fünf"]),
        ("de", "Die dritte Woche in Folge; den Plan zur Hälfte; die Energie halbiert.", ["dritte", "Hälfte", "halbiert"]),
        # Prose: articles, "once again", spans, positions, vague quantities.
        ("de", "Eine Woche mit einem Spaziergang; noch einmal, auf einmal, nicht einmal, einmal mehr.", []),
        ("de", "Die zweite Hälfte der Woche, der erste Tag, ein paar gute Tage, einige Notizen, beide Ziele, Hunderte Schritte.", []),
        ("es", "Veinticinco minutos, treinta y cinco pasos, doscientos cinco, dieciséis días.", ["Veinticinco", "treinta y cinco", "doscientos cinco", "dieciséis"]),
        ("es", "Siete y media; siete horas y media; hora y media; media hora.", ["Siete y media", "siete horas y media", "hora y media", "media hora"]),
        ("es", "Una vez por semana, dos veces, siete coma cinco, la tercera semana seguida, la mitad.", ["Una vez", "dos", "siete coma cinco", "tercera", "mitad"]),
        ("es", "Un día, una semana, uno de sus objetivos; de una vez; una vez más; la segunda mitad; la primera semana.", []),
        ("es", "La media de sueño mejoró; unos cuantos días, varios mensajes, ambos objetivos, cientos de pasos, miles.", []),
        ("ru", "Двадцать пять минут, двадцати пяти шагов, семи дней, пяти раз, сорок дней.", ["Двадцать пять", "двадцати пяти", "семи", "пяти", "сорок"]),
        ("ru", "Семь с половиной часов; семь часов с половиной; час с половиной; полтора часа; полчаса.", ["Семь с половиной", "семь часов с половиной", "час с половиной", "полтора", "полчаса"]),
        ("ru", "Один пропущенный день, один раз, одна из 7, дважды, трижды, третья неделя подряд, половина плана.", ["Один", "один", "одна", "7", "дважды", "трижды", "третья", "половина"]),
        ("ru", "Одна из целей, ни одного дня, одни дома, навестила семью, первый день, вторая половина недели.", []),
        ("ru", "Несколько дней, пара заметок, оба цели, десятки сообщений, тысячи шагов, сотни шагов.", []),
        # "ein", "un", "uno" where the sentence makes them the number 1, and where it does not.
        ("de", "Nur ein Check-in, genau eine Sitzung, ein einziger Tag, einen von sieben Tagen, ein bis zwei Spaziergänge.", ["ein", "eine", "ein", "einen", "sieben", "ein", "zwei"]),
        ("de", "Nur an einem Tag; ein Ziel, eine gute Woche, nicht nur eine gute Woche, nur ein paar Tage, nur ein bisschen, einer der Tage, nur eine halbe Stunde.", ["einem", "halbe Stunde"]),
        ("de", "Die Stimmung fiel von drei auf eins; ein Gespräch eins zu eins; 7 Komma 5 Stunden.", ["drei", "eins", "7 Komma 5"]),
        ("es", "Solo un check-in, una sola sesión, un único día, una de siete, al menos un día, una o dos veces.", ["un", "una", "un", "una", "siete", "un", "una", "dos"]),
        ("es", "El ánimo bajó de tres a uno y subió de uno a cuatro.", ["tres", "uno", "uno", "cuatro"]),
        ("es", "Una sesión, un buen día, cada uno, uno mismo, uno a uno, de uno en uno, no solo una buena semana, solo un poco.", []),
        ("ru", "Одиннадцатый день, двадцатая неделя подряд, двадцать первый день, сто десятый шаг, сороковой раз.", ["Одиннадцатый", "двадцатая", "двадцать первый", "сто десятый", "сороковой"]),
        ("ru", "Двадцать первое число, двенадцатая из недель, первый день.", []),
    ],
)  # fmt: skip
def test_numbers_written_in_words_are_read(locale: str, text: str, stated: list[str]) -> None:
    assert numbers_in_text(text, locale) == stated


def test_the_sources_strings_are_read_in_every_language() -> None:
    # A German coach's summary of a Russian client's note: "семь" in the note grounds "sieben".
    source = {"notes": ["Спала семь часов."], "goal": "Dos veces por semana"}
    assert allowed_numbers(source, "de") >= {Decimal(7), Decimal(2)}
    assert ungrounded_numbers("Sie schlief sieben Stunden, zweimal pro Woche.", source, "de") == []
    # An English summary reads its source in English, as before.
    assert Decimal(7) not in allowed_numbers(source)


@pytest.mark.parametrize(
    ("locale", "one", "word", "prose"),
    [
        ("de", "Ana hat nur einen Check-in verpasst.", "einen", "Ana hatte eine gute Woche mit einem langen Spaziergang."),
        ("es", "Ana faltó solo a un check-in.", "un", "Ana tuvo una buena semana con un paseo largo."),
    ],
)  # fmt: skip
def test_an_article_marked_as_one_must_be_grounded_and_a_plain_article_need_not(
    locale: str, one: str, word: str, prose: str
) -> None:
    missed_one = {**SOURCE, "week": {**SOURCE["week"], "missed_check_ins": 1}}
    missed_two = {**SOURCE, "week": {**SOURCE["week"], "missed_check_ins": 2}}
    assert ungrounded_numbers(one, missed_one, locale) == []
    assert ungrounded_numbers(one, missed_two, locale) == [word]
    assert Decimal(1) not in allowed_numbers(SOURCE, locale)  # nothing in SOURCE grounds a 1
    assert ungrounded_numbers(prose, SOURCE, locale) == []


def test_a_russian_compound_ordinal_is_one_number() -> None:
    assert ungrounded_numbers("Двадцать пятый день подряд.", SOURCE, "ru") == []
    assert ungrounded_numbers("Двадцать первый день подряд.", SOURCE, "ru") == ["Двадцать первый"]
