"""Issue 21's done-when: a full onboarding and a check-in through ``coach chat`` in German, Spanish
and Russian, every answer typed in that language, and the values stored."""

from __future__ import annotations

import asyncio
from datetime import date

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
