"""``coach backup`` → the database and the storage directory lost → ``coach restore`` into empty ones:
the client's export is the same and their files are back, still encrypted."""

from __future__ import annotations

import asyncio
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import backup_archive as archives
from bot.backup import BackupError, dump_database, row_counts
from bot.cli.main import main
from domain.db import Database
from domain.migrate import is_up_to_date
from domain.models import StoredFile
from domain.services import checkins, clients, coaches, goals, messages
from domain.services.export import export_client
from domain.services.files import read_stored_file, record_stored_file, write_stored_file
from tests.support.databases import discard_database_url, new_database_url, wipe

SCAN = b"%PDF-1.7 knee MRI for Olu"


async def populate(url: str, storage: Path) -> int:
    db = Database(url)
    try:
        await wipe(db)
        async with db.unit_of_work() as s:
            coach = await coaches.create_coach(s, name="Bea Coach", email="bea@example.com")
            client = await clients.register_client(
                s,
                platform="telegram",
                external_user_id="4401",
                chat_id="4401",
                display_name="Olu",
                coach_id=coach.id,
            )
            await checkins.record_check_in(
                s,
                client_id=client.id,
                mood=7,
                energy=6,
                sleep_hours=7.5,
                adherence="yes",
                source_channel="telegram",
                note="felt strong on the hills",
            )
            await goals.set_goal(s, client_id=client.id, text="Run 10 km by spring")
            await messages.record_client_message(
                s, client_id=client.id, channel="telegram", text="thanks coach"
            )
            path = storage / "telegram" / "mri.pdf"
            await asyncio.to_thread(write_stored_file, path, SCAN)
            await record_stored_file(
                s,
                platform="telegram",
                external_user_id="4401",
                file_id="tg-file-1",
                kind="document",
                mime_type="application/pdf",
                size_bytes=len(SCAN),
                file_name="mri.pdf",
                path=str(path),
            )
            return client.id
    finally:
        await db.dispose()


async def exported(url: str, client_id: int) -> dict[str, Any]:
    db = Database(url)
    try:
        async with db.sessions() as s:
            return await export_client(s, client_id)
    finally:
        await db.dispose()


async def up_to_date(url: str) -> bool:
    db = Database(url)
    try:
        return await is_up_to_date(db)
    finally:
        await db.dispose()


async def stored_paths(url: str) -> list[str]:
    db = Database(url)
    try:
        async with db.sessions() as s:
            return [p or "" for p in (await s.scalars(select(StoredFile.path))).all()]
    finally:
        await db.dispose()


def test_backup_verify_then_restore_the_database_and_the_files(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = tmp_path / "files"
    client_id = asyncio.run(populate(database_url, storage))
    before = asyncio.run(exported(database_url, client_id))
    file = tmp_path / "backups" / "coach.backup"

    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    monkeypatch.setenv("COACH_STORAGE_DIR", str(storage))
    assert main(["backup", str(file), "--verify"]) == 0
    out = capsys.readouterr().out
    assert f"backup written to {file}" in out and "the database and 1 stored files" in out
    assert "verified: restored into a scratch database" in out and "1 stored files match" in out
    with tarfile.open(file) as tar:  # one archive an operator can list with `tar tf`
        assert sorted(tar.getnames()) == ["coach-backup.json", "database", "files/telegram/mri.pdf"]
        archived = tar.extractfile("files/telegram/mri.pdf")
        assert archived is not None and b"knee MRI" not in archived.read()  # still encrypted
    assert not list(file.parent.glob(".coach-backup-*"))  # no working files left beside it

    empty = new_database_url(tmp_path)  # the database lost: a new, empty one
    shutil.rmtree(storage)  # and the storage directory with it
    try:
        monkeypatch.setenv("COACH_DATABASE_URL", empty)
        assert main(["restore", str(file)]) == 0
        assert "1 stored files" in capsys.readouterr().out
        assert asyncio.run(up_to_date(empty))
        assert asyncio.run(exported(empty, client_id)) == before
        assert before["check_ins"] and before["goals"]  # the export holds what the client wrote
        (path,) = asyncio.run(stored_paths(empty))
        assert read_stored_file(path) == SCAN
        assert b"knee MRI" not in Path(path).read_bytes()
        assert not list(tmp_path.glob(".coach-restore-*"))

        assert main(["restore", str(file)]) == 1  # never over data
        assert "not empty" in capsys.readouterr().err
    finally:
        discard_database_url(empty)

    other = new_database_url(tmp_path)  # an empty database, but files already in the storage directory
    try:
        monkeypatch.setenv("COACH_DATABASE_URL", other)
        assert main(["restore", str(file)]) == 1
        assert "holds files: restore goes into an empty storage directory only" in capsys.readouterr().err
        assert asyncio.run(row_counts(other)) == {}  # nothing half-restored
    finally:
        discard_database_url(other)
    assert main(["restore", str(tmp_path / "missing.backup")]) == 1


def test_verify_notices_files_the_backup_lacks(database_url: str, tmp_path: Path) -> None:
    storage = tmp_path / "files"
    asyncio.run(populate(database_url, storage))
    file = tmp_path / "coach.backup"
    assert asyncio.run(archives.backup(database_url, storage, file)) == 1
    write_stored_file(storage / "slack" / "later.png", b"sent after the backup")
    rows, files = asyncio.run(archives.verify(database_url, storage, file, tmp_path))
    assert rows.differences == {}
    assert files is not None and (files.missing, files.extra) == (1, 0)


def test_a_bare_database_dump_from_before_files_were_included_still_restores(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client_id = asyncio.run(populate(database_url, tmp_path / "files"))
    before = asyncio.run(exported(database_url, client_id))
    dump = tmp_path / "old.backup"
    asyncio.run(dump_database(database_url, dump))
    empty = new_database_url(tmp_path)
    try:
        monkeypatch.setenv("COACH_DATABASE_URL", empty)
        monkeypatch.setenv("COACH_STORAGE_DIR", str(tmp_path / "restored-files"))
        assert main(["restore", str(dump)]) == 0
        assert "holds the database only" in capsys.readouterr().out
        assert asyncio.run(exported(empty, client_id)) == before
    finally:
        discard_database_url(empty)


def test_a_backup_of_one_kind_of_database_is_not_restored_into_another(
    database_url: str, tmp_path: Path
) -> None:
    storage = tmp_path / "files"
    asyncio.run(populate(database_url, storage))
    file = tmp_path / "coach.backup"
    asyncio.run(archives.backup(database_url, storage, file))
    other = (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/never"
        if "sqlite" in database_url
        else "sqlite+aiosqlite:///x.db"
    )
    with pytest.raises(BackupError, match="database; COACH_DATABASE_URL is"):
        asyncio.run(archives.restore(other, tmp_path / "empty", file))
