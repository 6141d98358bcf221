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


# -- the first hour: the console is the same bot as the chat platforms ------------------------------

ONBOARD = ["/start", "1", "Sam", "UTC", "3", "Fitness", "time", "run 5 km by 2027-03-01", "Daily", "8am"]


def _db_run(url: str, work):  # type: ignore[no-untyped-def]
    async def _go():  # type: ignore[no-untyped-def]
        db = Database(url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(_go())


def _onboarded(env: dict[str, str], user: str = "7") -> str:
    result = coach_chat(env, ONBOARD, "--user", user)
    assert "You're all set, Sam!" in result.stdout, result.stdout + result.stderr
    return result.stdout


def test_coach_chat_loads_every_command_and_help_lists_exactly_them(chat_env: dict[str, str]) -> None:
    from conversations.commands import known_commands
    from conversations.flows import install_all
    from conversations.registry import set_delivery_channels
    from tests.support.chat import registered

    out = coach_chat(chat_env, ONBOARD[:7], "--user", "7").stdout
    # Goal ideas, as in `coach run` (the same insights service is injected).
    assert "Or pick one of these ideas" in out
    out = coach_chat(
        chat_env, [*ONBOARD[7:], "/help", "/settings", "/cancel", "/billing", "/invoices"], "--user", "7"
    )
    text = out.stdout
    assert "I don't know" not in text, text
    assert "Your reminders: daily at 08:00" in text and "Payments are not set up yet" in text
    listed = {line.split(" - ")[0] for line in text.splitlines() if line.startswith("/") and " - " in line}
    try:
        with registered(lambda: install_all(storage_dir="files")):
            assert listed == set(known_commands())
    finally:
        set_delivery_channels(None)
    assert {"/settings", "/billing", "/invoices", "/forget_me"} <= listed
    assert "Yes, delete everything" in coach_chat(chat_env, ["/forget_me"], "--user", "7").stdout


def test_a_reminder_reaches_the_console_at_the_next_session(chat_env: dict[str, str]) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from domain.clock import utcnow
    from domain.models import OutboundMessage
    from domain.reminders import ReminderDispatcher, plan_reminders

    _onboarded(chat_env)
    soon = utcnow() + timedelta(minutes=3)
    result = coach_chat(
        chat_env, ["/settings", "Reminder time", soon.strftime("%H:%M"), "Done"], "--user", "7"
    )
    # No Telegram, Slack or SMTP here: the console is the only channel, and it does deliver.
    assert "Reminders come by the console." in result.stdout
    assert "Saved." in result.stdout

    async def remind(db: Database) -> list[str]:
        async with db.unit_of_work() as session:
            await plan_reminders(session, now=utcnow())
        async with db.unit_of_work() as session:
            await ReminderDispatcher().dispatch_due(session, now=soon + timedelta(seconds=30))
        async with db.unit_of_work() as session:
            return list((await session.scalars(select(OutboundMessage.status))).all())

    assert _db_run(chat_env["COACH_DATABASE_URL"], remind) == ["queued"]
    result = coach_chat(chat_env, [], "--user", "7")
    assert result.stdout.startswith("While you were away:\nTime for your check-in.")
    assert "[1] Check in now" in result.stdout

    async def statuses(db: Database) -> list[str]:
        async with db.unit_of_work() as session:
            return list((await session.scalars(select(OutboundMessage.status))).all())

    assert _db_run(chat_env["COACH_DATABASE_URL"], statuses) == ["sent"]
    assert "While you were away" not in coach_chat(chat_env, [], "--user", "7").stdout  # shown once


def test_an_announcement_reaches_the_console_at_the_next_session(chat_env: dict[str, str]) -> None:
    from sqlalchemy import select

    from conversations.announcement_wording import announcement_payload
    from domain.clock import utcnow
    from domain.models import Client
    from domain.services import announcements as ann
    from domain.services.coaches import create_coach

    _onboarded(chat_env)
    url = chat_env["COACH_DATABASE_URL"]

    async def announce(db: Database) -> int:
        async with db.unit_of_work() as session:
            client = (await session.scalars(select(Client))).one()
            coach = await create_coach(session, name="Casey", email="casey@example.com")
            client.coach_id = coach.id
            made = await ann.create_announcement(
                session, coach_id=coach.id, text="Studio closed Friday", now=utcnow(), actor="test"
            )
        async with db.unit_of_work() as session:
            while await ann.expand_next_chunk(session, now=utcnow(), wording=announcement_payload):
                pass
        return made.id

    announcement = _db_run(url, announce)
    result = coach_chat(chat_env, [], "--user", "7")
    assert result.stdout.startswith("While you were away:\n📣 ")
    assert "Studio closed Friday" in result.stdout and "/settings to stop them" in result.stdout

    async def report(db: Database) -> ann.DeliveryReport | None:
        async with db.unit_of_work() as session:
            await ann.finish_delivered(session, now=utcnow())
            found = await ann.get_announcement(session, announcement, coach_id=None)
            return (await ann.announcement_view(session, found)).report

    assert _db_run(url, report) == ann.DeliveryReport(sent=1)


def test_a_coach_reply_reaches_the_console_at_the_next_session(chat_env: dict[str, str]) -> None:
    """Console parity: what a coach answers in Slack or the web (the real reply path) waits for a
    console client and is shown first when they next open ``coach chat``."""
    from sqlalchemy import select

    from conversations.coach_replies import queue_coach_reply
    from domain.models import Client
    from domain.services.coaches import create_coach

    _onboarded(chat_env)

    async def reply(db: Database) -> None:
        async with db.unit_of_work() as session:
            client = (await session.scalars(select(Client))).one()
            coach = await create_coach(session, name="Casey", email="casey@example.com")
            client.coach_id = coach.id
            await queue_coach_reply(
                session,
                client_id=client.id,
                coach_id=coach.id,
                coach_name=coach.name,
                text="Great week, Sam!",
                dedupe_key="slack:reply:1",
            )

    _db_run(chat_env["COACH_DATABASE_URL"], reply)
    result = coach_chat(chat_env, [], "--user", "7")
    assert result.stdout.startswith("While you were away:\n💬 Casey: Great week, Sam!")
    assert "While you were away" not in coach_chat(chat_env, [], "--user", "7").stdout  # shown once


def test_profile_in_the_console(chat_env: dict[str, str]) -> None:
    """``/profile`` in ``coach chat``: a new name and time zone; without SMTP, email is not offered."""
    _onboarded(chat_env)
    lines = ["/profile", "Name", "Samuel", "Time zone", "Lisbon", "Email", "sam@example.com", "Done"]
    out = coach_chat(chat_env, lines, "--user", "7").stdout
    assert "I'll call you Samuel." in out and "Saved: Europe/Lisbon." in out
    assert "Email isn't set up here yet" in out
    assert "Name: Samuel" in out and "Time zone: Europe/Lisbon" in out and "Email: none" in out


def test_settings_never_claims_a_channel_that_cannot_deliver(chat_env: dict[str, str]) -> None:
    from domain.models import Client

    _onboarded(chat_env)

    async def prefer_telegram(db: Database) -> None:
        async with db.unit_of_work() as session:
            client = (await session.scalars(__import__("sqlalchemy").select(Client))).one()
            client.preferred_channel = "telegram"

    _db_run(chat_env["COACH_DATABASE_URL"], prefer_telegram)
    out = coach_chat(chat_env, ["/settings", "Channel"], "--user", "7").stdout
    assert "Reminders come by Telegram" not in out
    assert "Reminders can't reach you by Telegram here" in out
    # Only channels that deliver here are offered: no Telegram, Slack or SMTP is configured.
    assert "[1] Console\n[2] Back\n" in out and "Email" not in out


def test_a_command_mid_onboarding_keeps_the_invite_and_coach(chat_env: dict[str, str]) -> None:
    from sqlalchemy import select

    from domain.models import Client
    from domain.services.coaches import create_coach

    async def coaches(db: Database) -> str:
        async with db.unit_of_work() as session:
            await create_coach(session, name="Dana Default", email="dana@example.com")
            coach = await create_coach(session, name="Ines Invited", email="ines@example.com")
            return coach.invite_code

    code = _db_run(chat_env["COACH_DATABASE_URL"], coaches)
    lines = [f"/start {code}", "1", "Sam", "/checkin", "UTC", "/pay", "3", "Fitness", "time"]
    out = coach_chat(chat_env, [*lines, "run 5 km by 2027-03-01", "Daily", "8am"], "--user", "9").stdout
    assert "Welcome to coaching with Ines Invited!" in out
    assert "Let's finish setting up first — 7 steps left. /checkin works once we're done." in out
    assert "Let's finish setting up first — 6 steps left. /pay works" in out
    assert out.count("Do you accept?") == 1  # consent is not asked again
    assert "You're all set, Sam!" in out

    async def coach_of_client(db: Database) -> int | None:
        async with db.unit_of_work() as session:
            return (await session.scalars(select(Client.coach_id))).one()

    assert _db_run(chat_env["COACH_DATABASE_URL"], coach_of_client) == 2


def test_a_wrong_invite_code_is_refused_with_a_re_prompt(chat_env: dict[str, str]) -> None:
    from domain.services.coaches import create_coach

    async def coaches(db: Database) -> str:
        async with db.unit_of_work() as session:
            await create_coach(session, name="Dana Default", email="dana@example.com")
            coach = await create_coach(session, name="Ines Invited", email="ines@example.com")
            return coach.invite_code

    code = _db_run(chat_env["COACH_DATABASE_URL"], coaches)
    out = coach_chat(chat_env, ["/start WRONG1", "wrong2", code], "--user", "9").stdout
    first, _, rest = out.partition("I don't recognise the invite code 'wrong2'.")
    assert "I don't recognise the invite code 'WRONG1'." in first and "Welcome" not in first
    assert "[1] Continue with Dana Default" in first
    assert "Welcome to coaching with Ines Invited!" in rest
    out = coach_chat(chat_env, ["/start NOPE", "1"], "--user", "10").stdout
    assert "Welcome to coaching with Dana Default!" in out  # only when asked for


def test_a_typed_number_is_a_value_where_a_value_is_asked(chat_env: dict[str, str]) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from domain.clock import ensure_utc, utcnow
    from domain.models import Client

    _onboarded(chat_env)
    before = utcnow()
    out = coach_chat(chat_env, ["/settings", "Pause", "3", "2"], "--user", "7").stdout
    assert "[3] 7 days" in out and "Saved." in out
    # Where the buttons are not values, a number still presses one: [2] of the menu is Days.
    assert out.endswith(
        "How often would you like to check in?\n[1] Daily\n[2] Weekdays\n[3] Weekly (Mondays)\n[4] Back\n"
    )

    async def paused(db: Database):  # type: ignore[no-untyped-def]
        async with db.unit_of_work() as session:
            return (await session.scalars(select(Client.paused_until))).one()

    until = ensure_utc(_db_run(chat_env["COACH_DATABASE_URL"], paused))
    assert timedelta(days=3) <= until - before < timedelta(days=3, minutes=5)


def test_settings_back_email_and_a_truthful_cancel(
    chat_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select

    from domain.models import Client

    _onboarded(chat_env)
    steps = ["Reminder time", "Days", "Quiet hours", "Pause", "Channel"]
    lines = ["/settings"]
    for step in steps:
        lines += [step, "Back"]
    out = coach_chat(chat_env, lines, "--user", "7").stdout
    assert out.count("What would you like to change?") == len(steps) + 1
    assert "Saved." not in out
    env = {**chat_env, "COACH_SMTP_HOST": "127.0.0.1", "COACH_SMTP_FROM": "coach@example.com"}
    lines = ["/settings", "Reminder time", "7pm", "Channel", "Email", "sam@", "sam@example.com", "/cancel"]
    out = coach_chat(env, lines, "--user", "7").stdout
    assert "What email address should reminders go to?" in out
    assert "doesn't look like an email address" in out
    assert "Nothing from that conversation was saved" not in out
    # The address waits for the code sent to it: cancelling keeps the reminder time only.
    assert "I've sent a 6-digit code to sam@example.com" in out
    assert "What you changed before stays saved (reminder time)" in out

    async def client(db: Database):  # type: ignore[no-untyped-def]
        async with db.unit_of_work() as session:
            return (
                await session.execute(select(Client.email, Client.preferred_channel, Client.checkin_time))
            ).one()

    assert tuple(_db_run(chat_env["COACH_DATABASE_URL"], client)) == (None, "console", "19:00")
    out = coach_chat(chat_env, ["/checkin", "/cancel"], "--user", "7").stdout
    assert "Nothing from that conversation was saved" in out


class Terminal:
    """``coach`` on a pseudo-terminal, as a person runs it (stdin is a TTY)."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [COACH, *args], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True
        )
        os.close(slave)
        self.output = ""

    def read_until(self, text: str, timeout: float = 60) -> str:
        import select
        import time

        deadline = time.monotonic() + timeout
        while text not in self.output:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} did not appear in:\n{self.output}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the process closed the terminal
                    chunk = b""
                assert chunk, f"{text!r} did not appear before the end:\n{self.output}"
                self.output += chunk.decode(errors="replace").replace("\r\n", "\n")
        return self.output

    def type(self, line: str) -> None:
        os.write(self.master, line.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def test_an_interactive_chat_resumes_with_the_open_question(chat_env: dict[str, str], tmp_path: Path) -> None:
    coach_chat(chat_env, ONBOARD[:3], "--user", "7")  # stopped at the timezone question
    terminal = Terminal(["chat", "--user", "7"], chat_env, tmp_path)
    try:
        terminal.read_until("Which timezone are you in?")
        terminal.read_until("[6] UTC\n")
        terminal.type("6\n")
        terminal.read_until("How active are you today")
        terminal.type("\x04")  # Ctrl-D: end of input
        assert terminal.process.wait(timeout=30) == 0
    finally:
        terminal.close()
    fresh = Terminal(["chat", "--user", "8"], chat_env, tmp_path)
    try:
        fresh.read_until("Hello! Send /start to get set up.")
    finally:
        fresh.close()


def test_coach_run_console_keeps_logs_out_prints_messages_live_and_stops_on_ctrl_d(
    chat_env: dict[str, str], tmp_path: Path
) -> None:
    from domain.services.outbox import client_message, enqueue_message

    env = {**chat_env, "COACH_HTTP_PORT": "0", "COACH_LOG_LEVEL": "INFO"}
    terminal = Terminal(["run"], env, tmp_path)
    try:
        terminal.read_until("Hello! Send /start to get set up.")
        assert "logs go to coach.log" in terminal.output
        terminal.type("/start\n")
        terminal.read_until("Do you accept?")

        async def coach_writes(db: Database) -> None:
            async with db.unit_of_work() as session:
                await enqueue_message(
                    session,
                    platform="console",
                    chat_id="local",
                    payload=client_message("Your coach: hi Sam!"),
                )

        _db_run(chat_env["COACH_DATABASE_URL"], coach_writes)
        terminal.read_until("Your coach: hi Sam!", timeout=30)  # the sender polls the outbox
        terminal.type("\x04")
        terminal.read_until("stopping the service")
        assert terminal.process.wait(timeout=30) == 0
    finally:
        terminal.close()
    assert " INFO " not in terminal.output and "Traceback" not in terminal.output
    assert "HTTP server listening" in (tmp_path / "coach.log").read_text()


def test_first_check_in_and_goal_dates_are_worded_truthfully(chat_env: dict[str, str]) -> None:
    lines = [*ONBOARD[:7], "run 5 km", "banana", "2020-01-01", "2027-03-01", "Daily", "8am"]
    out = coach_chat(chat_env, lines, "--user", "7").stdout
    unreadable, _, past = out.partition("I couldn't read that date.")
    assert "date in the future" not in unreadable
    assert "That date has passed. Please give a date in the future" in past
    out = coach_chat(chat_env, ["/checkin", "7", "6", "7h30", "Yes", "50", "💪🔥"], "--user", "7").stdout
    assert "Check-in saved. Streak: 1 day in a row." in out
    assert "Compared with" not in out and "first check-in this week" in out


def test_the_readme_first_screen_gets_a_newcomer_to_a_finished_check_in(
    chat_env: dict[str, str], tmp_path: Path
) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    first_screen = readme[: readme.index("## Configuration")]
    assert (
        "make chat" in first_screen
        and ".venv/bin" in first_screen
        and "source .venv/bin/activate" in first_screen
    )
    start = first_screen.index("printf '%s\\n'")
    command = first_screen[start : first_screen.index("```", start)].strip()
    # What `make chat` does first (Makefile target "demo"), then the README's line, as a shell runs it.
    for step in (["db", "upgrade"], ["seed-demo", "--if-empty"]):
        assert subprocess.run([COACH, *step], env=chat_env, cwd=tmp_path, check=False).returncode == 0
    result = subprocess.run(
        ["bash", "-c", command.replace(".venv/bin/coach", COACH)],
        env=chat_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "You're all set, Sam!" in result.stdout
    assert "Check-in saved. Streak: 1 day in a row." in result.stdout


def test_make_chat_prepares_the_database_then_opens_the_chat() -> None:
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert "\nchat: demo\n\t@$(BIN)/coach chat --user $(ME)\n" in makefile
    assert "$(BIN)/coach db upgrade" in makefile and "$(BIN)/coach seed-demo --if-empty" in makefile
    assert "-c $(CONSTRAINTS) -e '.[dev]'" in makefile
