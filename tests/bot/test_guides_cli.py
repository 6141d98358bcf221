"""``coach guides publish|list``: a guide file published, republished as a revision, bad files refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli.main import main
from domain.db import Database
from tests.support.databases import wipe


async def clean(url: str) -> None:
    db = Database(url)
    try:
        await wipe(db)
    finally:
        await db.dispose()


def test_publish_list_and_bad_files(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(clean(database_url))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    file = tmp_path / "first-week.md"
    file.write_text("# Your first week\n\nSay hello to every client.\n")
    assert main(["guides", "publish", "--file", str(file)]) == 0
    assert "guide first-week created (revision 1)" in capsys.readouterr().out
    assert main(["guides", "publish", "--file", str(file)]) == 0
    assert "unchanged" in capsys.readouterr().out
    file.write_text("# Your first week\n\nSay hello to every client on day one.\n")
    assert main(["guides", "publish", "--file", str(file)]) == 0
    assert "updated (revision 2)" in capsys.readouterr().out
    assert main(["guides", "list"]) == 0
    assert "Your first week" in capsys.readouterr().out

    bad = tmp_path / "bad.md"
    bad.write_text("---\nauthor: me\n---\n# T\n")
    assert main(["guides", "publish", "--file", str(bad)]) == 1
    assert "line 2: unknown setting 'author'" in capsys.readouterr().err
    assert main(["guides", "publish", "--file", str(tmp_path / "missing.md")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["guides", "publish", "--file", str(file), "--slug", "Not A Slug"]) == 1
    assert "must be lowercase" in capsys.readouterr().err
