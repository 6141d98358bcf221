"""``coach summarize``, ``coach digest`` and ``coach import checkins`` end to end."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.cli.main import main
from domain.db import Database
from domain.models import Coach
from tests.insights.conftest import EVAL_ROWS
from tests.support.databases import wipe
from tests.support.openai_api import FakeOpenAI


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    async def _wipe() -> None:
        db = Database(database_url)
        await wipe(db)
        await db.dispose()

    asyncio.run(_wipe())
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    return database_url


@pytest.fixture
def model_in_thread() -> Iterator[FakeOpenAI]:
    """The local model server on its own event loop, since the CLI runs its own with asyncio.run."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(FakeOpenAI().start(), loop).result(10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def import_eval_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "coaches", "add", "--name", "Cora", "--email", "cora@example.com")
    assert code == 0
    code, out, err = run(capsys, "import", "checkins", str(EVAL_ROWS), "--coach", "1")
    assert code == 0, err
    assert "imported 571" in out and "rejected 0" in out


def test_import_dry_run_then_real(cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "history.csv"
    bad.write_text(
        "identity,name,timezone,timestamp,mood,energy,sleep,adherence\n"
        "telegram:1,Ana Silva,UTC,2026-11-20T08:00:00Z,7,7,7,yes\n"
        "telegram:1,Ana Silva,UTC,2026-11-21T08:00:00Z,0,7,7,yes\n"
    )
    code, _, err = run(capsys, "import", "checkins", str(bad), "--dry-run")
    assert code == 1 and err == (
        "error: there is no coach to give new clients to: add one with `coach coaches add` "
        "(or `coach seed-demo`)\n"
    )
    run(capsys, "coaches", "add", "--name", "Cora", "--email", "cora@example.com")
    code, out, err = run(capsys, "import", "checkins", str(bad), "--dry-run")
    assert code == 0
    assert "would import 1" in out and "would create 1 client for coach 1 (Cora)\n" in out
    assert "line 3: mood: Please send a whole number from 1 to 10" in err
    code, out, _ = run(capsys, "clients", "list")
    assert "Ana" not in out
    code, out, _ = run(capsys, "import", "checkins", str(bad))
    assert code == 0 and "imported 1" in out
    code, out, _ = run(capsys, "clients", "list")
    assert "Ana Silva" in out


def test_summarize_and_digest_without_a_model(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    import_eval_set(capsys)
    code, out, _ = run(capsys, "summarize", "--identity", "telegram:100022", "--week-ending", "2026-11-22")
    assert code == 0
    assert "source: computed fallback, not AI (no model configured)" in out
    assert "week ending 2026-11-22" in out and "[Computed summary (not AI-generated)]" in out
    code, out, _ = run(capsys, "digest", "--coach", "1", "--week-ending", "2026-11-22")
    assert code == 0
    assert "source: computed fallback, not AI (no model configured)" in out
    assert "Daily digest for 2026-11-22\n" in out  # a new coach's cadence is daily
    assert " of 32 clients checked in on 2026-11-22;" in out


def set_digest_cadence(url: str, cadence: str) -> None:
    async def _set() -> None:
        db = Database(url)
        async with db.unit_of_work() as session:
            await session.execute(update(Coach).values(digest_cadence=cadence))
        await db.dispose()

    asyncio.run(_set())


def test_the_digest_period_follows_the_cadence_unless_overridden(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import_eval_set(capsys)
    set_digest_cadence(cli_db, "weekly")
    code, out, _ = run(capsys, "digest", "--coach", "1", "--date", "2026-11-22")
    assert code == 0
    assert "Weekly digest for the week ending 2026-11-22\n32 clients: " in out
    assert "checked in this week" in out
    code, out, _ = run(capsys, "digest", "--coach", "1", "--date", "2026-11-22", "--period", "day", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["period"] == "day" and data["title"] == "Daily digest for 2026-11-22"
    assert len(data["lines"]) == 32 and all(line["day"] is not None for line in data["lines"])
    set_digest_cadence(cli_db, "weekdays")  # treated like daily
    code, out, _ = run(capsys, "digest", "--coach", "1", "--date", "2026-11-22")
    assert code == 0 and "Daily digest for 2026-11-22\n" in out
    code, out, _ = run(capsys, "digest", "--coach", "1", "--date", "2026-11-22", "--period", "WEEK")
    assert code == 0 and "Weekly digest for the week ending 2026-11-22" in out
    code, out, err = run(capsys, "digest", "--coach", "1", "--period", "month")
    assert code == 2 and out == ""
    assert "must be day or week, not 'month'" in err


def test_summarize_falls_back_when_the_model_is_down(
    cli_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import_eval_set(capsys)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("COACH_LLM_MODEL", "local-model")
    code, out, _ = run(capsys, "summarize", "--identity", "telegram:100000", "--week-ending", "2026-11-22")
    assert code == 0 and "computed fallback, not AI (model unavailable)" in out


def test_summarize_and_digest_with_a_model(
    cli_db: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    model_in_thread: FakeOpenAI,
) -> None:
    import_eval_set(capsys)
    monkeypatch.setenv("OPENAI_BASE_URL", model_in_thread.base_url)
    monkeypatch.setenv("COACH_LLM_MODEL", "local-model")
    code, out, _ = run(
        capsys, "summarize", "--identity", "telegram:100000", "--week-ending", "2026-11-22", "--json"
    )
    assert code == 0 and '"source": "ai"' in out and '"model": "local-model"' in out
    code, out, _ = run(capsys, "digest", "--coach", "1", "--week-ending", "2026-11-22")
    assert code == 0 and out.startswith("source: AI-generated by model local-model")
    assert "[AI]" in out


def test_a_bad_date_is_a_usage_error(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "summarize", "--identity", "telegram:1", "--week-ending", "tuesday")
    assert code == 2 and "not a date" in err


def test_import_reads_values_as_chat_does_and_checks_the_coach_first(
    cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "identity,name,timezone,timestamp,mood,energy,sleep,adherence,goal progress\n"
        "telegram:1,Ana Silva,UTC,2026-11-20T08:00:00Z,eight,7,7h30,mostly,forty percent\n"
    )
    code, out, err = run(capsys, "import", "checkins", str(history), "--coach", "42")
    assert code == 1 and out == "" and err == "error: no coach with id 42\n"  # one error, no rows read
    run(capsys, "coaches", "add", "--name", "Cora", "--email", "cora@example.com")
    code, out, err = run(capsys, "import", "checkins", str(history))
    assert code == 0, err
    assert out.splitlines() == [
        out.splitlines()[0],
        "created 1 client for coach 1 (Cora)",
    ] and out.startswith("1 row: imported 1, skipped 0 already imported, rejected 0")
    code, out, _ = run(capsys, "export", "--identity", "telegram:1")
    check_in = json.loads(out)["check_ins"][0]
    assert (check_in["mood"], check_in["sleep_hours"], check_in["adherence"]) == (8, 7.5, "partly")


def test_a_large_import_ends_with_a_summary_not_every_id(
    cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from domain.insights.history_import import CHUNK_ROWS

    rows = 2 * CHUNK_ROWS + 10  # three transactions
    lines = ["identity,name,timestamp,mood,energy,sleep,adherence"]
    lines += [
        f"telegram:{n % (rows // 2)},Client {n % (rows // 2)},2026-11-{1 + n // (rows // 2):02d}T08:00:00Z,7,6,7,yes"
        for n in range(rows)
    ]
    lines.append("telegram:bad,Bad,2026-11-01T08:00:00Z,11,6,7,yes")
    history = tmp_path / "big.csv"
    history.write_text("\n".join(lines) + "\n")
    run(capsys, "coaches", "add", "--name", "Cora", "--email", "cora@example.com")
    code, out, err = run(capsys, "import", "checkins", str(history))
    assert code == 0, err
    first, second = out.splitlines()
    assert first.startswith(f"{rows + 1:,} rows: imported {rows}, skipped 0 already imported, rejected 1 in ")
    assert second == f"created {rows // 2:,} clients for coach 1 (Cora)"
    assert "telegram:" not in out and err.startswith(f"line {rows + 2}: mood: ")
    code, out, _ = run(capsys, "import", "checkins", str(history))
    assert out.startswith(f"{rows + 1:,} rows: imported 0, skipped {rows} already imported, rejected 1")


def test_summaries_count_in_words_and_read_emoji_as_people_mean_them(
    cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from datetime import timedelta

    from domain.clock import utcnow

    now = utcnow()
    # A moment ago, but never before today's midnight (in the first minute of a day, "a minute ago"
    # would be yesterday and Ben's week would start a day early).
    ago = min(timedelta(minutes=1), (now - now.replace(hour=0, minute=0, second=0, microsecond=0)) / 2)
    lines = ["identity,name,timestamp,mood,energy,sleep,adherence,note"]
    lines.append(f"telegram:1,Ana Silva,{(now - ago).isoformat()},7,7,7,yes,💪🔥")
    # Ben checked in every day of the week up to today (today counts once it is in).
    lines += [
        f"telegram:2,Ben Lee,{(now - timedelta(days=n) - ago).isoformat()},7,7,7,yes," for n in range(7)
    ]
    history = tmp_path / "week.csv"
    history.write_text("\n".join(lines) + "\n")
    run(capsys, "coaches", "add", "--name", "Cora", "--email", "cora@example.com")
    code, _, err = run(capsys, "import", "checkins", str(history))
    assert code == 0, err
    code, out, _ = run(capsys, "summarize", "--identity", "telegram:1")
    assert "Ana checked in 1 of 1 time:" in out and "times" not in out
    assert "Notes read positive" in out and "negative" not in out
    code, out, _ = run(capsys, "summarize", "--identity", "telegram:2")
    assert "Ben checked in 7 of 7 times:" in out
    code, out, _ = run(capsys, "digest", "--coach", "1", "--period", "week")
    assert "2 clients:" in out


def test_the_digest_prints_in_the_coachs_language(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    import_eval_set(capsys)

    async def german() -> None:
        db = Database(cli_db)
        async with db.unit_of_work() as session:
            await session.execute(update(Coach).values(locale="de", digest_cadence="weekly"))
        await db.dispose()

    asyncio.run(german())
    code, out, _ = run(capsys, "digest", "--coach", "1", "--week-ending", "2026-11-22")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Quelle: berechnet, nicht KI (kein Modell eingerichtet)"
    assert lines[1] == "Wochenübersicht für die Woche bis 2026-11-22"
    assert lines[2].startswith("32 Klienten: ")
    assert "checked in" not in out and "mood" not in out
    # --json stays the machine-readable English of the domain.
    code, out, _ = run(capsys, "digest", "--coach", "1", "--week-ending", "2026-11-22", "--json")
    assert code == 0 and json.loads(out)["title"] == "Weekly digest for the week ending 2026-11-22"
