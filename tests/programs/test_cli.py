"""``coach programs import/export/publish/versions/new/migrate`` end to end through the CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli.main import main
from domain.db import Database
from domain.programs.templates import TEMPLATES, template_text
from tests.programs.example import EXAMPLE, INTERVALS_PDF
from tests.support.databases import wipe


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
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


@pytest.fixture
def program_dir(tmp_path: Path) -> Path:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "intervals.pdf").write_bytes(INTERVALS_PDF)
    (tmp_path / "c25k.md").write_text(EXAMPLE, encoding="utf-8")
    return tmp_path


def test_import_publish_versions_export_round_trip(
    cli_db: str, capsys: pytest.CaptureFixture[str], program_dir: Path
) -> None:
    assert run(capsys, "coaches", "add", "--name", "Ada", "--email", "ada@example.com")[0] == 0
    code, out, err = run(capsys, "programs", "import", str(program_dir / "c25k.md"), "--coach", "1")
    assert code == 0, err
    assert out.strip() == (
        "program 1 created: new draft version 1 with 2 step(s) and 1 file(s); "
        "publish it with `coach programs publish 1`"
    )
    code, out, _ = run(capsys, "programs", "publish", "1", "--note", "First edition")
    assert (code, out.strip()) == (0, "program 1 (Couch to 5K) published as version 1")
    code, out, _ = run(capsys, "programs", "export", "1")
    assert code == 0 and out == EXAMPLE
    (program_dir / "c25k.md").write_text(EXAMPLE.replace("Day 3", "Day 2"), encoding="utf-8")
    code, out, _ = run(capsys, "programs", "import", str(program_dir / "c25k.md"))
    assert code == 0 and "program 1 updated: new draft version 2" in out
    code, out, _ = run(capsys, "programs", "versions", "1")
    lines = out.splitlines()
    assert lines[0].split() == [
        "version",
        "status",
        "steps",
        "weeks",
        "enrolled",
        "published",
        "(UTC)",
        "note",
    ]
    assert lines[1].split()[:5] == ["1", "published", "2", "6", "0"] and lines[1].endswith("First edition")
    assert lines[2].split() == ["2", "draft", "2", "6", "0", "-"]
    assert run(capsys, "programs", "export", "1", "--version", "1")[1] == EXAMPLE
    assert run(capsys, "programs", "export", "1")[1] == EXAMPLE.replace("Day 3", "Day 2")
    code, out, _ = run(capsys, "programs", "list")
    assert "Couch to 5K" in out and "yes" in out
    code, out, _ = run(capsys, "programs", "migrate", "1", "--to-version", "1")
    assert (code, out.strip()) == (0, "0 enrollment(s) moved to version 1; 0 client(s) told what changed")


def test_a_bad_file_fails_with_every_line_named(
    cli_db: str, capsys: pytest.CaptureFixture[str], program_dir: Path
) -> None:
    run(capsys, "coaches", "add", "--name", "Ada", "--email", "ada@example.com")
    bad = EXAMPLE.replace("## Day 1: Welcome", "## Day 5: Welcome").replace("price: 49.00", "price: 0.499")
    (program_dir / "bad.md").write_text(bad, encoding="utf-8")
    code, out, err = run(capsys, "programs", "import", str(program_dir / "bad.md"))
    assert code == 1 and out == ""
    assert err == (
        "error: line 4: price: '0.499' has too many decimals: USD takes at most two decimals\n"
        "line 26: day 3 comes after day 5\n"
    )
    (program_dir / "files" / "intervals.pdf").unlink()
    code, _, err = run(capsys, "programs", "import", str(program_dir / "c25k.md"))
    assert code == 1 and err == "error: line 27: files/intervals.pdf is not beside the program file\n"
    code, _, err = run(capsys, "programs", "import", str(program_dir / "missing.md"))
    assert code == 1 and err.startswith("error: cannot read")


def test_new_copies_a_built_in_template(
    cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert len(TEMPLATES) >= 3
    code, out, _ = run(capsys, "programs", "new", "--template", "stress-reset")
    assert code == 0 and out == template_text("stress-reset")
    target = tmp_path / "habit.md"
    code, out, _ = run(capsys, "programs", "new", "--template", "habit-builder", "--out", str(target))
    assert code == 0 and target.read_text(encoding="utf-8") == template_text("habit-builder")
    assert run(capsys, "programs", "new", "--template", "habit-builder", "--out", str(target))[0] == 1
    code, _, err = run(capsys, "programs", "new", "--template", "yoga")
    assert code == 2 and "running-start" in err
    # A template imports as it is.
    run(capsys, "coaches", "add", "--name", "Ada", "--email", "ada@example.com")
    code, out, _ = run(capsys, "programs", "import", str(target))
    assert code == 0 and "16 step(s)" in out
