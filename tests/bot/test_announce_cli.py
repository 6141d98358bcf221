"""``coach announce`` and ``coach announcements``: exact flags, bad input as one line, the report."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.announcement_wording import announcement_payload
from domain.clock import utcnow
from domain.db import Database
from domain.models import OutboundMessage
from domain.services import announcements as ann
from domain.services import clients
from tests.bot.test_cli import cli_db as cli_db
from tests.bot.test_cli import run


def in_database(url: str, work: Callable[[AsyncSession], Awaitable[None]]) -> None:
    async def run_it() -> None:
        db = Database(url)
        try:
            async with db.unit_of_work() as session:
                await work(session)
        finally:
            await db.dispose()

    asyncio.run(run_it())


async def two_clients(session: AsyncSession) -> None:
    for n in (1, 2):
        await clients.register_client(
            session,
            platform="telegram",
            external_user_id=f"u{n}",
            chat_id=f"c{n}",
            display_name=f"C{n}",
            coach_id=1,
        )


async def deliver_everything(session: AsyncSession) -> None:
    """What `coach run` does: expand, the sender marks the messages sent, the report is written."""
    while await ann.expand_next_chunk(session, now=utcnow(), wording=announcement_payload):
        pass
    await session.execute(update(OutboundMessage).values(status="sent"))
    await ann.finish_delivered(session, now=utcnow())


def test_announce_then_read_the_report(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "coaches", "add", "--name", "Ana", "--email", "ana@example.com")[0] == 0
    in_database(cli_db, two_clients)
    code, out, err = run(capsys, "announce", "--coach", "1", "--text", "Gym closed on Friday")
    assert code == 0, err
    assert out.startswith("announcement 1 to all your clients of Ana: scheduled for")
    code, out, err = run(
        capsys,
        "announce",
        "--coach",
        "1",
        "--segment",
        "unpaid",
        "--text",
        "Later",
        "--at",
        "2099-01-01T09:00Z",
    )
    assert code == 0, err
    assert "2099-01-01 09:00 UTC" in out and "unpaid only" in out
    in_database(cli_db, deliver_everything)
    code, out, _ = run(capsys, "announcements", "show", "1")
    assert code == 0
    assert "status: done" in out and "sent 2, failed 0, opted out 0, blocked 0" in out
    assert out.rstrip().endswith("Gym closed on Friday")
    code, out, _ = run(capsys, "announcements", "list", "--coach", "1")
    assert code == 0
    assert "scheduled" in out and "2 sent, 0 failed, 0 opted out, 0 blocked" in out
    assert run(capsys, "announcements", "show", "9")[0] == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--text", "  "], "empty"),
        (["--text", "x" * (ann.ANNOUNCEMENT_TEXT_MAX + 1)], "Telegram message"),
        (["--text", "Hi", "--segment", "vip"], "unknown segment 'vip'"),
        (["--text", "Hi", "--program", "99"], "no program with id 99"),
        (["--text", "Hi", "--at", "2020-01-01T00:00Z"], "in the past"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    cli_db: str, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    assert run(capsys, "coaches", "add", "--name", "Ana", "--email", "ana@example.com")[0] == 0
    code, _, err = run(capsys, "announce", "--coach", "1", *args)
    assert code == 1
    assert err.startswith("error: ") and words in err and len(err.strip().splitlines()) == 1


def test_missing_text_and_bad_time_are_usage_errors(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "announce", "--coach", "1")[0] == 2
    assert run(capsys, "announce", "--coach", "1", "--text", "Hi", "--at", "tomorrow")[0] == 2
