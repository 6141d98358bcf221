"""Stored files are found again by their ids, and forgotten (rows, then disk) inside the storage directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from domain.db import Database
from domain.models import AuditEvent, StoredFile
from domain.services.clients import register_client
from domain.services.files import (
    Unlinked,
    erase_client_files,
    find_stored_files,
    record_stored_file,
    unlink_stored_files,
)


async def test_stored_files_are_found_by_id_in_the_order_they_were_stored(db: Database) -> None:
    async with db.unit_of_work() as s:
        ids = [
            (
                await record_stored_file(
                    s,
                    platform="telegram",
                    external_user_id="1",
                    file_id=f"f{n}",
                    kind="document",
                    mime_type="application/pdf",
                    size_bytes=10,
                    file_name=f"plan{n}.pdf",
                    path=f"/files/plan{n}.pdf",
                )
            ).id
            for n in range(3)
        ]
    async with db.sessions() as s:
        found = await find_stored_files(s, [ids[2], ids[0], ids[2] + 100])
        assert [f.file_name for f in found] == ["plan0.pdf", "plan2.pdf"]
        assert await find_stored_files(s, []) == []


def write(path: Path, text: str = "x") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


async def client_with_files(db: Database, user: str, paths: list[str]) -> int:
    async with db.unit_of_work() as s:
        client = await register_client(
            s, platform="telegram", external_user_id=user, chat_id=user, display_name=f"Client {user}"
        )
        for n, path in enumerate(paths):
            await record_stored_file(
                s,
                platform="telegram",
                external_user_id=user,
                file_id=f"f{user}-{n}",
                kind="photo",
                mime_type="image/jpeg",
                size_bytes=1,
                file_name=f"meal{n}.jpg",
                path=path,
            )
        return client.id


async def test_erasing_a_client_forgets_only_their_files_rows_first_then_disk(
    db: Database, tmp_path: Path
) -> None:
    storage = tmp_path / "files"
    ana = await client_with_files(
        db, "1", [write(storage / "telegram/a.jpg"), str(storage / "telegram/gone.jpg")]
    )
    ben = await client_with_files(db, "2", [write(storage / "telegram/b.jpg")])
    async with db.unit_of_work() as s:
        paths = await erase_client_files(s, ana, actor="admin")
        assert (storage / "telegram/a.jpg").exists()  # nothing leaves the disk before the commit
    assert sorted(Path(p).name for p in paths) == ["a.jpg", "gone.jpg"]
    assert unlink_stored_files(paths, storage) == Unlinked(removed=1, missing=1)
    assert not (storage / "telegram/a.jpg").exists() and (storage / "telegram/b.jpg").exists()
    async with db.sessions() as s:
        assert (await s.scalars(select(StoredFile.client_id))).all() == [ben]
        [event] = (
            await s.scalars(select(AuditEvent).where(AuditEvent.action == "client.files_erased"))
        ).all()
        assert (event.subject, event.details) == (f"client:{ana}", {"files": 2})
        assert await erase_client_files(s, ana, actor="admin") == []


def test_unlinking_never_leaves_the_storage_directory(tmp_path: Path) -> None:
    storage = tmp_path / "files"
    kept = write(storage / "telegram/kept.jpg")
    outside = write(tmp_path / "outside.txt")
    (storage / "telegram/link.jpg").symlink_to(outside)
    (storage / "telegram/folder").mkdir()
    escapes = [
        outside,
        str(storage / "telegram/../../outside.txt"),  # ".." out of the directory
        str(storage / "telegram/link.jpg"),  # a symlink pointing outside
        str(storage),  # the directory itself
        str(storage / "telegram/folder"),  # a directory, not a file
        str(tmp_path / "files-other/x.jpg"),  # a sibling whose name merely starts the same
        "",
    ]
    assert unlink_stored_files(escapes, storage) == Unlinked(refused=6)
    assert Path(outside).exists() and Path(kept).exists() and (storage / "telegram/folder").is_dir()
    assert (storage / "telegram/link.jpg").is_symlink()


def test_relative_paths_are_resolved_as_they_were_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "data/files/telegram/a.jpg")
    result = unlink_stored_files(["data/files/telegram/a.jpg", "data/files/../coach.db"], "./data/files")
    assert result == Unlinked(removed=1, refused=1)
    assert not (tmp_path / "data/files/telegram/a.jpg").exists()
