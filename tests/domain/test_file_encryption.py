"""Clients' files are encrypted at rest: ciphertext on disk, the original bytes to every reader; files
from before encryption are read as they are; `coach keys rotate` re-encrypts them in batches; a
missing key is a clear error, never ciphertext passed on as a file."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from domain.crypto import BYTES_PREFIX, UnreadableValue, generate_key, use_keys
from domain.db import Database
from domain.models import AuditEvent, StoredFile
from domain.services.encryption import NoKeys, rotate_stored_files
from domain.services.files import read_stored_file, replace_file, write_stored_file
from tests.conftest import TEST_ENCRYPTION_KEY

SCAN = b"%PDF-1.7 blood panel: ferritin 12 ng/mL, Dana Whitlock"


@pytest.fixture
def restore_keys() -> Iterator[None]:
    yield
    use_keys([TEST_ENCRYPTION_KEY])


def test_a_stored_file_is_ciphertext_on_disk_and_the_original_when_read(tmp_path: Path) -> None:
    path = tmp_path / "files" / "telegram" / "a1.pdf"
    write_stored_file(path, SCAN)
    on_disk = path.read_bytes()
    assert on_disk.startswith(BYTES_PREFIX)
    assert b"ferritin" not in on_disk and b"Whitlock" not in on_disk
    assert read_stored_file(path) == SCAN
    assert read_stored_file(str(path)) == SCAN
    assert [p.name for p in path.parent.iterdir()] == ["a1.pdf"]  # no temporary file left behind


def test_files_from_before_encryption_are_read_as_they_are(tmp_path: Path, restore_keys: None) -> None:
    old = tmp_path / "old.jpg"
    old.write_bytes(b"\xff\xd8 written before the keys")
    assert read_stored_file(old) == b"\xff\xd8 written before the keys"
    use_keys(None)  # the SQLite demo: files are kept as sent
    plain = tmp_path / "plain.jpg"
    write_stored_file(plain, SCAN)
    assert plain.read_bytes() == SCAN == read_stored_file(plain)


def test_a_missing_key_is_a_clear_error(tmp_path: Path, restore_keys: None) -> None:
    path = tmp_path / "scan.pdf"
    write_stored_file(path, SCAN)
    use_keys(None)
    with pytest.raises(UnreadableValue, match="COACH_ENCRYPTION_KEYS is not set"):
        read_stored_file(path)
    use_keys([generate_key()])  # the file's key was dropped from the setting
    with pytest.raises(UnreadableValue, match="key that is not configured"):
        read_stored_file(path)
    with pytest.raises(FileNotFoundError):
        read_stored_file(tmp_path / "gone.pdf")


def put(path: Path, content: bytes, raw: bool) -> None:
    if raw:  # as a file from before encryption was turned on
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    else:
        write_stored_file(path, content)


async def store(db: Database, path: Path, content: bytes, *, raw: bool = False) -> int:
    await asyncio.to_thread(put, path, content, raw)
    async with db.unit_of_work() as s:
        row = StoredFile(platform="telegram", file_id=path.name, kind="document", path=str(path))
        s.add(row)
        await s.flush()
        return row.id


async def test_rotation_re_encrypts_stored_files_in_batches(
    db: Database, tmp_path: Path, restore_keys: None
) -> None:
    storage = tmp_path / "files"
    old, new = generate_key(), generate_key()
    plain = storage / "telegram" / "plain.pdf"
    await store(db, plain, b"before encryption", raw=True)
    use_keys([old])
    under_old = [storage / "slack" / f"old{n}.pdf" for n in range(3)]
    for n, path in enumerate(under_old):
        await store(db, path, SCAN + bytes([n]))
    await store(db, storage / "telegram" / "gone.pdf", SCAN)
    (storage / "telegram" / "gone.pdf").unlink()  # already purged from disk
    outside = tmp_path / "elsewhere.pdf"
    await store(db, outside, b"not ours to rewrite", raw=True)

    use_keys([new, old])  # the new key in front, the old one still there for reading
    seen: list[tuple[int, int]] = []
    rotated = await rotate_stored_files(
        db, storage, batch_size=2, progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(2, 6), (4, 6), (6, 6)]
    assert (rotated.total, rotated.rewritten, rotated.current) == (6, 4, 0)
    assert (rotated.missing, rotated.unreadable, rotated.refused) == (1, 0, 1)
    assert outside.read_bytes() == b"not ours to rewrite"

    use_keys([new])  # the old key can go
    assert read_stored_file(plain) == b"before encryption"
    assert [read_stored_file(p) for p in under_old] == [SCAN + bytes([n]) for n in range(3)]
    assert b"before encryption" not in plain.read_bytes()
    assert not list(storage.rglob(".*.tmp"))

    again = await rotate_stored_files(db, storage)  # nothing left to do
    assert (again.rewritten, again.current) == (0, 4)

    async with db.sessions() as s:
        events = (
            await s.scalars(
                select(AuditEvent).where(AuditEvent.action == "keys.rotated").order_by(AuditEvent.id)
            )
        ).all()
    assert [e.subject for e in events] == ["stored_files", "stored_files"]
    assert events[0].details is not None and events[0].details["rewritten"] == 4


async def test_rotation_counts_files_no_configured_key_opens(
    db: Database, tmp_path: Path, restore_keys: None
) -> None:
    storage = tmp_path / "files"
    use_keys([generate_key()])
    await store(db, storage / "telegram" / "lost.pdf", SCAN)
    use_keys([generate_key()])  # the only key that opened it is gone
    rotated = await rotate_stored_files(db, storage)
    assert (rotated.unreadable, rotated.rewritten) == (1, 0)
    use_keys(None)
    with pytest.raises(NoKeys):
        await rotate_stored_files(db, storage)


async def test_a_file_erased_while_it_is_rewritten_does_not_come_back(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_keys: None
) -> None:
    storage = tmp_path / "files"
    path = storage / "telegram" / "erased.pdf"
    row_id = await store(db, path, SCAN, raw=True)
    loop = asyncio.get_running_loop()

    async def erase_row() -> None:
        async with db.unit_of_work() as s:
            await s.execute(delete(StoredFile).where(StoredFile.id == row_id))

    def erased_meanwhile(target: Path, data: bytes) -> None:
        # The eraser commits and unlinks between our read and our rename, as erasure can.
        asyncio.run_coroutine_threadsafe(erase_row(), loop).result(timeout=30)
        target.unlink()
        replace_file(target, data)

    monkeypatch.setattr("domain.services.encryption.replace_file", erased_meanwhile)
    rotated = await rotate_stored_files(db, storage)
    assert rotated.rewritten == 1
    assert not await asyncio.to_thread(path.exists)
