"""``coach chat``: the console channel end to end, as a subprocess with piped stdin."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.console.channel import ConsoleChat, render
from conversations.messages import Button, OutgoingMessage, UrlButton
from domain.db import Database
from tests.support.databases import wipe

COACH = str(Path(sys.executable).parent / "coach")


@pytest.fixture
def chat_env(database_url: str) -> dict[str, str]:
    async def _wipe() -> None:
        db = Database(database_url)
        await wipe(db)
        await db.dispose()

    asyncio.run(_wipe())
    return {**os.environ, "COACH_DATABASE_URL": database_url}


def coach_chat(env: dict[str, str], lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COACH, "chat", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_piped_onboarding_and_check_in_then_resume_in_a_new_process(chat_env: dict[str, str]) -> None:
    onboarding = ["/start", "1", "1", "UTC+2", "3", "Fitness", "time", "run 5 km by 2027-03-01", "2", "8am"]
    result = coach_chat(chat_env, onboarding, "--user", "7", "--name", "Sam")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[1] Accept\n[2] Decline\n" in out
    assert "[1] Sam\n" in out  # --name offered as a button; "1" pressed it
    assert "You're all set, Sam!" in out and "weekdays at 08:00" in out
    # A second process continues with the same identity and database; it stops at the end of input.
    result = coach_chat(chat_env, ["/checkin", "7", "6"], "--user", "7")
    assert result.returncode == 0, result.stderr
    assert "How many hours did you sleep?" in result.stdout
    result = coach_chat(chat_env, ["7h30", "Yes", "50", "/skip"], "--user", "7")
    assert "Check-in saved. Streak: 1 day in a row." in result.stdout


def test_needs_a_user(chat_env: dict[str, str]) -> None:
    result = coach_chat(chat_env, [])
    assert result.returncode == 2 and "--user" in result.stderr


def test_render_numbers_buttons_and_shows_links() -> None:
    message = OutgoingMessage(
        "Pay?",
        buttons=((Button("Yes", "y"), Button("No", "n")),),
        url_buttons=(UrlButton("Pay", "https://x.test"),),
    )
    assert render(message) == ["Pay?", "[1] Yes", "[2] No", "Pay: https://x.test"]


async def test_console_chat_presses_buttons_by_number_or_label() -> None:
    seen = []

    class Echo:
        async def handle(self, message):  # type: ignore[no-untyped-def]
            seen.append((message.text, message.button_payload))
            return [OutgoingMessage("pick", ((Button("Alpha", "a"), Button("Beta", "b")),))]

    out = io.StringIO()
    chat = ConsoleChat(Echo(), user="u", stdin=io.StringIO("hello\n2\nalpha\n\n3\n"), stdout=out)
    await chat.run()
    assert seen == [("hello", None), ("Beta", "b"), ("Alpha", "a"), ("3", None)]
    assert out.getvalue().count("[2] Beta") == 4


def test_console_component_only_without_chat_platforms(database_url: str) -> None:
    from bot.components import AppContext, build_components, conversation_engine

    settings = load_settings(database_url=database_url)
    ctx = AppContext(settings=settings, db=Database(database_url))
    names = [c.name for c in build_components(ctx, interactive_console=True)]
    assert names[0] == "conversations" and "console" in names
    assert conversation_engine(ctx) is conversation_engine(ctx)
    ctx2 = AppContext(settings=settings, db=ctx.db)
    assert "console" not in [c.name for c in build_components(ctx2, interactive_console=False)]
    ctx3 = AppContext(settings=load_settings(database_url=database_url, telegram_bot_token="1:x"), db=ctx.db)
    assert "console" not in [c.name for c in build_components(ctx3, interactive_console=True)]
    asyncio.run(ctx.db.dispose())
