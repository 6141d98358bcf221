"""The ``coach`` CLI end to end: commands, exit codes and error lines."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.cli.main import main


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    import asyncio

    from domain.db import Database
    from tests.support.databases import wipe

    async def _wipe() -> None:
        db = Database(database_url)
        await wipe(db)
        await db.dispose()

    asyncio.run(_wipe())
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    return database_url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_admin_commands_round_trip(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and "up to date" in out
    code, out, _ = run(
        capsys, "coaches", "add", "--name", "Ada", "--email", "ada@example.com", "--slack-user-id", "U1"
    )
    assert code == 0 and out.startswith("coach 1 created; invite code ")
    code, out, _ = run(capsys, "coaches", "list")
    assert "ada@example.com" in out and "U1" in out
    code, out, _ = run(
        capsys,
        "programs",
        "add",
        "--coach",
        "1",
        "--name",
        "Momentum",
        "--price",
        "49.00",
        "--currency",
        "usd",
        "--billing",
        "monthly",
        "--weeks",
        "12",
    )
    assert code == 0 and "program 1 created" in out
    code, out, _ = run(capsys, "programs", "publish", "1")
    assert code == 0 and "published" in out
    code, out, _ = run(capsys, "programs", "list")
    assert "Momentum" in out and "monthly" in out and "yes" in out and "49.00 USD" in out
    code, out, _ = run(capsys, "clients", "list", "--coach", "1")
    assert code == 0 and out.splitlines()[0].split()[:2] == ["id", "name"]


def test_error_paths_exit_codes(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "coaches", "add", "--name", "Ada", "--email", "nope")
    assert code == 1 and err.strip() == "error: not an email address: 'nope'"
    code, _, err = run(capsys, "programs", "add", "--coach", "99", "--name", "X", "--price", "1")
    assert code == 1 and "no coach with id 99" in err and "Traceback" not in err
    code, _, err = run(capsys, "programs", "add", "--coach", "1", "--name", "X", "--price", "abc")
    assert code == 2
    code, _, err = run(
        capsys, "programs", "add", "--coach", "1", "--name", "X", "--price", "1", "--billing", "yearly"
    )
    assert code == 2
    code, _, err = run(capsys, "export", "--identity", "telegram:404")
    assert code == 1 and err.strip() == "error: no client with identity telegram:404"
    code, _, err = run(capsys, "export")
    assert code == 2
    code, _, err = run(capsys, "no-such-command")
    assert code == 2


def test_malformed_setting_is_one_line(
    cli_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_LOG_FORMAT", "xml")
    code, _, err = run(capsys, "coaches", "list")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "COACH_LOG_FORMAT" in err


def test_debug_shows_traceback(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--debug", "export", "--client", "77")
    assert code == 1 and "Traceback" in err and "no client with id 77" in err


def test_seed_demo_and_export_are_complete(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from domain.db import Database
    from domain.services import checkins, clients, enrollments, goals, messages, payments
    from domain.services.coaches import list_programs
    from domain.services.export import EXPORT_KEYS

    code, out, _ = run(capsys, "seed-demo", "--if-empty")
    assert code == 0 and "created" in out
    code, out, _ = run(capsys, "seed-demo", "--if-empty")
    assert "already has data" in out

    async def populate() -> int:
        db = Database(cli_db)
        async with db.unit_of_work() as s:
            c = await clients.register_client(
                s, platform="console", external_user_id="me", chat_id="me", display_name="Cleo", coach_id=1
            )
            program = next(p for p in await list_programs(s) if p.price_minor)
            e = await enrollments.enroll(s, client_id=c.id, program_id=program.id)
            await goals.set_goal(s, client_id=c.id, text="Walk daily")
            await checkins.record_check_in(
                s,
                client_id=c.id,
                mood=6,
                energy=5,
                sleep_hours=7.5,
                adherence="yes",
                goal_progress=10,
                note="fine",
                source_channel="console",
            )
            await payments.record_payment(
                s,
                client_id=c.id,
                amount_minor=4900,
                currency="usd",
                enrollment_id=e.id,
                provider_payment_id="pi_x",
            )
            await messages.record_client_message(s, client_id=c.id, channel="console", text="hello")
            await messages.record_feedback(s, client_id=c.id, score=4)
        await db.dispose()
        return c.id

    asyncio.run(populate())
    code, out, _ = run(capsys, "export", "--identity", "console:me")
    assert code == 0
    data = json.loads(out)
    assert tuple(data) == EXPORT_KEYS
    assert data["client"]["display_name"] == "Cleo"
    check_in = data["check_ins"][0]
    for key in ("mood", "energy", "sleep_hours", "adherence", "goal_progress", "note", "created_at"):
        assert key in check_in
    assert check_in["sleep_hours"] == 7.5 and check_in["created_at"].endswith("+00:00")
    for key in (
        "identities",
        "consents",
        "enrollments",
        "goals",
        "payments",
        "messages",
        "feedback",
        "audit_events",
    ):
        assert data[key], key
    assert data["consents"][0]["accepted"] is True


def test_a_never_migrated_database_is_one_line_and_no_file(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "fresh.db"
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    for args in (["seed-demo"], ["coaches", "list"], ["chat", "--user", "1"], ["run"], ["reminders", "list"]):
        code, _, err = run(capsys, *args)
        assert code == 1, args
        assert err.count("\n") == 1 and "does not exist yet" in err and "coach db upgrade" in err, err
        assert not path.exists(), args
    code, _, _ = run(capsys, "db", "upgrade")
    assert code == 0 and path.exists()


def test_an_unmigrated_existing_database_names_the_command(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    from pathlib import Path

    path = Path(str(tmp_path)) / "empty.db"
    sqlite3.connect(path).close()
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{path}")  # a plain URL gets the async driver
    code, _, err = run(capsys, "coaches", "list")
    assert (
        code == 1
        and err == "error: the database schema is missing or outdated: run `coach db upgrade` first\n"
    )


def test_postgres_urls_are_normalised_or_refused_naming_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import load_settings

    for given in ("postgres://u@db/coach", "postgresql://u@db/coach", "postgresql+asyncpg://u@db/coach"):
        assert load_settings(database_url=given).database_url == "postgresql+asyncpg://u@db/coach"
    monkeypatch.setenv("COACH_DATABASE_URL", "mysql://u@db/coach")
    code, _, err = run(capsys, "coaches", "list")
    assert code == 1 and err.count("\n") == 1 and "COACH_DATABASE_URL" in err and "postgresql+asyncpg" in err
    monkeypatch.setenv("COACH_DATABASE_URL", "postgresql+psycopg2://u@db/coach")
    code, _, err = run(capsys, "coaches", "list")
    assert code == 1 and "COACH_DATABASE_URL" in err and "asyncpg" in err


def test_prices_are_read_by_the_one_money_parser(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    from domain.db import Database
    from domain.services.coaches import list_programs

    run(capsys, "db", "upgrade")
    run(capsys, "coaches", "add", "--name", "Ada", "--email", "ada@example.com")
    for price in ("49", "49.00", "49,00"):
        code, _, err = run(
            capsys, "programs", "add", "--coach", "1", "--name", f"P {price}", "--price", price
        )
        assert code == 0, err
    code, _, err = run(capsys, "programs", "add", "--coach", "1", "--name", "X", "--price", "0.499")
    assert code == 2 and "too many decimals" in err

    async def prices() -> list[int]:
        db = Database(cli_db)
        async with db.unit_of_work() as session:
            found = [p.price_minor for p in await list_programs(session)]
        await db.dispose()
        return found

    assert asyncio.run(prices()) == [4900, 4900, 4900]


def test_usage_errors_exit_2(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "coaches", "add", "--name", "Ada", "--email", "ada@example.com")
    for args in (
        ["export", "--identity", "bogus"],
        ["summarize", "--identity", "bogus"],
        ["reminders", "list", "--identity", "bogus"],
        ["chart", "--identity", "bogus", "--out", "x.png"],
        ["programs", "add", "--coach", "1", "--name", "X", "--price", "1", "--weeks", "0"],
        ["chart", "--identity", "telegram:1", "--weeks", "0", "--out", "x.png"],
    ):
        code, _, err = run(capsys, *args)
        assert code == 2, (args, err)


def test_a_coach_chooses_the_language_of_their_charts(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "db", "upgrade")
    run(capsys, "coaches", "add", "--name", "Ada", "--email", "ada@example.com")
    code, out, _ = run(capsys, "coaches", "set-locale", "--coach", "1", "DE")
    assert (code, out.strip()) == (0, "coach 1 (Ada) reads charts in de")
    code, _, err = run(capsys, "coaches", "set-locale", "--coach", "1", "fr")
    assert code == 1 and err.strip() == "error: unsupported language 'fr'"
    code, _, err = run(capsys, "coaches", "set-locale", "--coach", "9", "es")
    assert code == 1 and "no coach with id 9" in err
