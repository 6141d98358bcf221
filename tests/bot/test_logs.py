"""No personal data in the log at any level: a client's journey logged at DEBUG, libraries included."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from bot.logs import (
    BODY_LOGGING_LIBRARIES,
    PrivacyFilter,
    configure_logging,
    library_message,
    redacted_traceback,
)
from bot.slack.threads import relay_pending
from bot.slack.transport import SlackTransport
from domain.db import Database
from domain.services import coaches
from tests.support.chat import FREE_PROGRAM, ONBOARDING, play, running_engine
from tests.support.slack_api import SlackApiServer
from tests.support.telegram_api import FakeTelegram
from tests.telegram.harness import TelegramUser, start_harness

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.q@example.org"
PHONE = "+49 151 2345 6789"
NOTE = "left knee sore after the long trail run"
PERSONAL = (NAME, "Zephyrine", "Quillfeather", EMAIL, PHONE, "2345 6789", NOTE, "knee sore")


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """The service's log (filtered, at DEBUG, every library at DEBUG too) and an unfiltered copy."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in BODY_LOGGING_LIBRARIES}
    log, raw = io.StringIO(), io.StringIO()
    configure_logging("DEBUG", stream=log)
    for name in BODY_LOGGING_LIBRARIES:  # an operator who turned every library up
        logging.getLogger(name).setLevel(logging.DEBUG)
    unfiltered = logging.StreamHandler(raw)
    unfiltered.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root.handlers.insert(0, unfiltered)  # before the filtered handler, which rewrites records
    try:
        yield log, raw
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def test_a_client_journey_at_debug_logs_nothing_personal(
    db: Database, captured: tuple[io.StringIO, io.StringIO], tmp_path: Path
) -> None:
    log, raw = captured
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(
            session, name="Ada Coach", email="ada@example.com", slack_user_id="UCOACH01"
        )
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        await coaches.publish_program(session, program.id)
        invite = coach.invite_code
    fake = FakeTelegram()
    await fake.start()
    slack_api = SlackApiServer()
    await slack_api.start()
    try:
        async with running_engine(db) as engine:
            harness = await start_harness(
                db, fake, engine, driver="aiogram", mode="webhook", storage_dir=tmp_path / "files"
            )
            harness.sender.register(
                SlackTransport(AsyncWebClient(token="xoxb-test", base_url=slack_api.base_url), db)
            )
            try:
                person = TelegramUser(harness, 880001, name=NAME)
                await person.send(f"/start {invite}")
                script = [*ONBOARDING[1:], FREE_PROGRAM]
                await play(person, [NAME if item == "Sam" else item for item in script])
                await play(person, ["/checkin", "[3]", "4", "6", "[No]", "10", NOTE])
                await person.send(f"Please call me on {PHONE} or write to {EMAIL}")
                await relay_pending(db)
                harness.sender.wake()
                for _ in range(200):  # Slack's 1 message/s per channel paces the coach's posts
                    if EMAIL in str(slack_api.of("chat.postMessage")):
                        break
                    await asyncio.sleep(0.1)
            finally:
                await harness.stop()
    finally:
        await slack_api.stop()
        await fake.stop()
    posted = str(slack_api.of("chat.postMessage"))
    assert NAME in posted and EMAIL in posted  # the coach got it all, in Slack

    written = log.getvalue()
    assert [p for p in PERSONAL if p in written] == []
    assert fake.token not in written and "xoxb-test" not in written
    # The probe can fail: without the filter, the libraries did log the client's words.
    assert [p for p in (NAME, EMAIL, NOTE) if p in raw.getvalue()]
    assert "bot.telegram" in written  # our own lines are kept


def record(name: str, level: int, message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, args, None)


def test_library_records_are_dropped_below_warning_and_cut_above() -> None:
    privacy = PrivacyFilter()
    assert not privacy.filter(record("slack_sdk.web.async_base_client", logging.DEBUG, f"body: {NAME}"))
    assert not privacy.filter(record("slack_bolt.App", logging.INFO, f"Invalid signature (body: {EMAIL})"))
    warning = record("slack_bolt.App", logging.WARNING, "Unhandled request (%s)", {"text": NOTE})
    assert privacy.filter(warning)
    assert warning.getMessage() == "Unhandled request [withheld]"
    own = record("bot.slack.app", logging.DEBUG, "handled event %s", "Ev123")
    assert privacy.filter(own) and own.getMessage() == "handled event Ev123"
    assert library_message(f"mail {EMAIL} call {PHONE}") == "mail [email] call [number]"


async def test_exception_messages_and_sql_parameters_stay_out(db: Database) -> None:
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT * FROM no_such_table WHERE x = :v"), {"v": NAME})
    except Exception as exc:
        assert NAME not in str(exc)  # statement parameters are hidden from errors
        try:
            raise ValueError(f"bad answer {NOTE}") from exc
        except ValueError as wrapped:
            rendered = redacted_traceback((ValueError, wrapped, wrapped.__traceback__))
    else:
        raise AssertionError("the query should fail")
    assert NOTE not in rendered and "ValueError: [withheld]" in rendered
    assert "test_logs.py" in rendered  # the frames are still there to debug with
