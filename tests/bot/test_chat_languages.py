"""Issue 21's done-when: a full onboarding and a check-in through ``coach chat`` in German, Spanish
and Russian, every answer typed in that language, and the values stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.db import Database
from domain.models import CheckIn, Client, Goal
from tests.bot.test_chat import chat_env, coach_chat  # noqa: F401 - the fixture is used by name

SCRIPTS = {
    "de": {
        "onboarding": ["/start", "/language de", "ja", "Lena", "München", "drei", "Fitness", "keine Zeit",
                       "5 km laufen", "Ende März", "täglich", "acht Uhr"],
        "said": ["Alles klar, ab jetzt schreibe ich auf Deutsch.", "Alles bereit, Lena!", "täglich um 08:00"],
        "checkin": ["/checkin", "sieben", "acht", "7 Std 30", "teilweise", "vierzig Prozent", "/skip"],
        "saved": "Check-in gespeichert. Serie: 1 Tag in Folge.",
        "zone": "Europe/Berlin",
    },
    "es": {
        "onboarding": ["/start", "/language es", "sí", "Lucía", "Nueva York", "tres", "Fitness", "el tiempo",
                       "correr 5 km", "fin de marzo", "cada día", "8 de la mañana"],
        "said": ["Vale, a partir de ahora te hablo en español.", "¡Todo listo, Lucía!", "cada día a las 08:00"],
        "checkin": ["/checkin", "siete", "ocho", "7 horas y media", "en parte", "cuarenta por ciento", "/skip"],
        "saved": "Check-in guardado. Racha: 1 día seguido.",
        "zone": "America/New_York",
    },
    "ru": {
        "onboarding": ["/start", "/language ru", "да", "Иван", "Москва", "три", "Fitness", "нет времени",
                       "пробежать 5 км", "к концу марта", "каждый день", "в 8 утра"],
        "said": ["Хорошо, теперь я пишу по-русски.", "Всё готово, Иван!", "каждый день в 08:00"],
        "checkin": ["/checkin", "семь", "восемь", "7 часов 30 минут", "частично", "сорок процентов", "/skip"],
        "saved": "Отметка сохранена. Серия: 1 день подряд.",
        "zone": "Europe/Moscow",
    },
}  # fmt: skip


def _end_of_next_march(today: date) -> date:
    march_end = date(today.year, 3, 31)
    return march_end if march_end >= today else date(today.year + 1, 3, 31)


async def _stored(database_url: str) -> tuple[Client, Goal, CheckIn]:
    db = Database(database_url)
    try:
        async with db.unit_of_work() as session:
            client = await session.scalar(select(Client))
            goal = await session.scalar(select(Goal))
            check_in = await session.scalar(select(CheckIn))
            assert client is not None and goal is not None and check_in is not None
            return client, goal, check_in
    finally:
        await db.dispose()


@pytest.mark.parametrize("language", sorted(SCRIPTS))
def test_onboarding_and_check_in_typed_in_the_clients_language(
    chat_env: dict[str, str],  # noqa: F811
    database_url: str,
    language: str,
) -> None:
    script = SCRIPTS[language]
    result = coach_chat(chat_env, [*script["onboarding"], *script["checkin"]], "--user", "21")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for line in [*script["said"], script["saved"]]:
        assert line in out, out
    client, goal, check_in = asyncio.run(_stored(database_url))
    assert (client.locale, client.timezone, client.checkin_cadence, client.checkin_time) == (
        language,
        script["zone"],
        "daily",
        "08:00",
    )
    assert (goal.target, goal.unit, goal.due_date) == (5, "km", _end_of_next_march(date.today()))
    assert (check_in.mood, check_in.energy, check_in.sleep_hours, check_in.adherence) == (7, 8, 7.5, "partly")
    assert check_in.goal_progress == 40


# The same, with the other ways issue 21 names: a relative date for the goal, other cities (written in
# the language: "Köln", "Sevilla", "Новосибирск"), a duration with both units abbreviated or spelled,
# and "no" for the plan.
OTHER_WAYS = {
    "de": (["/start", "/language de", "ja", "Lena", "Köln", "drei", "Fitness", "keine Zeit", "5 km laufen",
            "übermorgen", "täglich", "acht Uhr"],
           ["/checkin", "fünf", "sechs", "7 Std. 30 Min.", "nein", "zwanzig Prozent", "/skip"],
           "Europe/Berlin", 2),
    "es": (["/start", "/language es", "sí", "Lucía", "Sevilla", "tres", "Fitness", "el tiempo", "correr 5 km",
            "pasado mañana", "cada día", "8 de la mañana"],
           ["/checkin", "cinco", "seis", "siete horas y treinta minutos", "no", "veinte por ciento", "/skip"],
           "Europe/Madrid", 2),
    "ru": (["/start", "/language ru", "да", "Иван", "Новосибирск", "три", "Fitness", "нет времени",
            "пробежать 5 км", "через неделю", "каждый день", "в 8 утра"],
           ["/checkin", "пять", "шесть", "7 ч 30 мин", "нет", "двадцать процентов", "/skip"],
           "Asia/Novosibirsk", 7),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(OTHER_WAYS))
def test_relative_dates_other_cities_and_durations_in_the_clients_language(
    chat_env: dict[str, str],  # noqa: F811
    database_url: str,
    language: str,
) -> None:
    onboarding, checkin, zone, days = OTHER_WAYS[language]
    before = datetime.now(UTC).date()  # the flow reads the due date from today in UTC
    result = coach_chat(chat_env, [*onboarding, *checkin], "--user", "22")
    after = datetime.now(UTC).date()
    assert result.returncode == 0, result.stderr
    assert SCRIPTS[language]["saved"] in result.stdout, result.stdout
    client, goal, check_in = asyncio.run(_stored(database_url))
    assert (client.locale, client.timezone) == (language, zone)
    assert goal.due_date in {before + timedelta(days=days), after + timedelta(days=days)}
    assert (check_in.mood, check_in.energy, check_in.sleep_hours, check_in.adherence) == (5, 6, 7.5, "no")
    assert check_in.goal_progress == 20
