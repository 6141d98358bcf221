"""``coach keys generate`` and ``coach keys rotate``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Text, select, type_coerce

from bot.cli.main import main
from domain.crypto import PREFIX, use_keys
from domain.db import Database
from domain.models import CheckIn, StoredFile
from domain.services import checkins, clients
from domain.services.files import read_stored_file, write_stored_file
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.support.databases import wipe


@pytest.fixture
def restore_keys() -> Iterator[None]:
    yield
    use_keys([TEST_ENCRYPTION_KEY])


async def plain_check_in(url: str) -> None:
    use_keys(None)
    db = Database(url)
    try:
        await wipe(db)
        async with db.unit_of_work() as s:
            client = await clients.register_client(
                s, platform="console", external_user_id="k1", chat_id="k1", display_name="Kit"
            )
            await checkins.record_check_in(
                s,
                client_id=client.id,
                mood=5,
                energy=5,
                sleep_hours=7,
                adherence="yes",
                source_channel="console",
                note="slept badly",
            )
    finally:
        await db.dispose()


async def stored_notes(url: str) -> list[str]:
    db = Database(url)
    try:
        async with db.sessions() as s:
            return list((await s.scalars(select(type_coerce(CheckIn.note, Text())))).all())
    finally:
        await db.dispose()


def test_generate_then_rotate_encrypts_what_was_plain(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], restore_keys: None
) -> None:
    assert main(["keys", "generate"]) == 0
    key = capsys.readouterr().out.strip()
    Fernet(key.encode())  # a valid key
    asyncio.run(plain_check_in(database_url))
    assert asyncio.run(stored_notes(database_url)) == ["slept badly"]

    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    monkeypatch.delenv("COACH_ENCRYPTION_KEYS")
    assert main(["keys", "rotate"]) == 1
    assert "COACH_ENCRYPTION_KEYS is not set" in capsys.readouterr().err

    monkeypatch.setenv("COACH_ENCRYPTION_KEYS", key)
    assert main(["keys", "rotate", "--batch", "1"]) == 0
    assert "check_ins: 1 re-encrypted" in capsys.readouterr().out
    (stored,) = asyncio.run(stored_notes(database_url))
    assert stored.startswith(PREFIX) and "slept" not in stored


async def plain_files(url: str, storage: Path) -> list[Path]:
    """Two files a client sent before encryption was turned on."""
    use_keys(None)
    db = Database(url)
    paths = [storage / "telegram" / f"scan{n}.pdf" for n in range(2)]
    try:
        await wipe(db)
        async with db.unit_of_work() as s:
            for path in paths:
                write_stored_file(path, b"ferritin low, " + path.name.encode())
                s.add(StoredFile(platform="telegram", file_id=path.name, kind="document", path=str(path)))
    finally:
        await db.dispose()
    return paths


def test_rotate_encrypts_stored_files_and_shows_progress(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_keys: None,
) -> None:
    storage = tmp_path / "files"
    paths = asyncio.run(plain_files(database_url, storage))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    monkeypatch.setenv("COACH_STORAGE_DIR", str(storage))
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("COACH_ENCRYPTION_KEYS", key)
    assert main(["keys", "rotate", "--file-batch", "1"]) == 0
    out = capsys.readouterr().out
    assert "stored files: 1/2 checked" in out and "stored files: 2/2 checked" in out
    assert "stored files: 2 re-encrypted, 0 already current" in out
    for path in paths:
        assert b"ferritin" not in path.read_bytes()
        assert read_stored_file(path) == b"ferritin low, " + path.name.encode()

    monkeypatch.setenv("COACH_ENCRYPTION_KEYS", Fernet.generate_key().decode())  # the old key dropped
    assert main(["keys", "rotate"]) == 1
    err = capsys.readouterr().err
    assert "2 stored files are encrypted with a key that is not in COACH_ENCRYPTION_KEYS" in err
