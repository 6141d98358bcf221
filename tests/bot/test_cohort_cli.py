"""``coach cohort link|code|list``: linking a program's group chat from the command line, bad input."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli.main import main
from domain.db import Database
from domain.services import coaches
from tests.support.databases import wipe


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """A fresh database with one coach and program; returns the program id."""

    async def setup() -> int:
        db = Database(database_url)
        try:
            await wipe(db)
            async with db.unit_of_work() as session:
                coach = await coaches.create_coach(session, name="Casey", email="casey@example.com")
                program = await coaches.create_program(
                    session, coach_id=coach.id, name="Run Club", price_minor=0, currency="usd"
                )
                return program.id
        finally:
            await db.dispose()

    program_id = asyncio.run(setup())
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    return program_id


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_link_code_and_list(cli_db: int, capsys: pytest.CaptureFixture[str]) -> None:
    program = str(cli_db)
    code, out, _ = run(
        capsys, "cohort", "link", "--program", program, "--chat", "-1001234", "--start", "2027-01-04"
    )
    assert code == 0 and "linked to program" in out and "2027-01-04" in out
    code, out, _ = run(
        capsys, "cohort", "link", "--program", program, "--chat", "C0123ABCD", "--platform", "slack"
    )
    assert code == 0
    code, out, _ = run(capsys, "cohort", "code", "--program", program, "--locale", "de")
    assert code == 0 and out.startswith("Add the bot to the group, then send there: /cohort ")
    code, out, _ = run(capsys, "cohort", "list")
    lines = out.strip().splitlines()
    assert len(lines) == 3 and "telegram -1001234\tactive" in lines[0] and "waiting for /cohort" in lines[2]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--chat", "12345"], "not a telegram group chat id"),  # a private chat, not a group
        (["--chat", "general", "--platform", "slack"], "not a slack group chat id"),
        (["--chat", "-100", "--platform", "sms"], "unknown platform"),
        (["--chat", "-100", "--locale", "fr"], "not a supported language"),
        (["--chat", "-100", "--start", "next monday"], "not a date"),
    ],
)
def test_bad_input_is_refused(
    cli_db: int, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, out, err = run(capsys, "cohort", "link", "--program", str(cli_db), *args)
    assert code in (1, 2) and expected in (out + err)


def test_an_unknown_program_is_refused(cli_db: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "cohort", "link", "--program", str(cli_db + 99), "--chat", "-100")
    assert code == 1 and "no program" in (out + err)
    code, out, err = run(capsys, "cohort", "code", "--program", str(cli_db + 99))
    assert code == 1 and "no program" in (out + err)
