"""Choosing the language: the app's language on first contact, the onboarding button, /language."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from conversations.flows import forget_me
from conversations.flows.language import read_language
from conversations.messages import OutgoingMessage
from domain.db import Database
from domain.models import Client
from tests.conversations.conftest import CoachSetup
from tests.support.chat import ONBOARDING, Chat, play, registered, texts


async def _send_with_hint(c: Chat, text: str, hint: str) -> list[OutgoingMessage]:
    message = dataclasses.replace(c.message(text), language_hint=hint)
    c.last = await c.engine.handle(message)
    return c.last


async def _locale(db: Database) -> str:
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client))
        assert client is not None
        return client.locale


async def test_a_new_client_is_greeted_in_their_apps_language_and_keeps_it(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    replies = await _send_with_hint(c, "/start", "de-AT")
    assert "Willkommen beim Coaching" in texts(replies)
    assert [b.label for r in replies for b in r.all_buttons] == ["Einverstanden", "Ablehnen", "🌐 Sprache"]
    await c.press("Einverstanden")
    assert c.text == "Super! Wie soll ich dich nennen?"


async def test_an_unsupported_app_language_falls_back_to_english(
    chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    replies = await _send_with_hint(c, "/start", "fr")
    assert texts(replies).startswith("Welcome to coaching")


async def test_the_language_button_in_onboarding_switches_and_is_stored(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    await c.send("/start")
    await c.press("🌐 Language")
    assert c.text == "Which language should I speak?"
    assert [b.label for r in c.last for b in r.all_buttons] == ["English", "Deutsch", "Español", "Русский"]
    await c.press("Español")
    # Confirmed in the new language, and the open question (consent) asked again in it.
    assert "a partir de ahora te hablo en español" in c.text and "¿Aceptas?" in c.text
    await play(c, ["[Acepto]", "Sam", "Europe/Berlin"])
    assert "actividad" in c.text or "1" in c.text  # the coach's own assessment question is not translated
    await play(c, ONBOARDING[4:8])
    await play(c, ["[Cada día]", "8am", "[Starter (gratis)]"])
    assert "¡Todo listo, Sam!" in c.text and "cada día a las 08:00" in c.text
    assert await _locale(db) == "es"


async def test_language_command_changes_a_registered_clients_language(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    await play(c, [*ONBOARDING, "[Starter (free)]"])
    assert await _locale(db) == "en"
    await c.send("/language русский")
    assert c.text == "Хорошо, теперь я пишу по-русски."
    assert await _locale(db) == "ru"
    await c.send("/checkin")
    assert c.text == "Какое у тебя сегодня настроение, от 1 (плохое) до 10 (отличное)?"
    await c.send("/language klingon")
    assert "выбери язык кнопками" in c.text
    await c.send("/language en")
    assert c.text.startswith("Okay, from now on I'll speak English.")
    # The open check-in question is asked again in the new language.
    assert "How is your mood today" in c.text


def test_languages_are_read_by_code_name_or_locale() -> None:
    assert [read_language(t) for t in ("de", "Deutsch", "german", "ES-419", "Русский", "ru_RU", "fr")] == [
        "de",
        "de",
        "de",
        "es",
        "ru",
        "ru",
        None,
    ]


async def test_forget_me_explains_in_the_clients_language(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup, tmp_path: Path
) -> None:
    c = chat("u1")
    await play(c, [*ONBOARDING, "[Starter (free)]"])
    await c.send("/language de")
    with registered(lambda: forget_me.register(tmp_path)):
        await c.send("/forget_me")
    assert c.text.startswith("Du kannst mich bitten, dich zu vergessen.") and "tippe LÖSCHEN" in c.text
    assert [b.label for r in c.last for b in r.all_buttons] == [
        "Ja, alles löschen",
        "Nein, meine Daten behalten",
    ]
