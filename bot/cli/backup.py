"""``coach backup FILE [--verify]`` and ``coach restore FILE`` (see :mod:`bot.backup_archive`)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bot import backup_archive as archives
from bot.backup import BackupError
from bot.cli.common import CliError, settings


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup (one archive)")],
    verify: Annotated[
        bool,
        typer.Option("--verify", help="Restore it into a scratch database, compare row counts and files"),
    ] = False,
) -> None:
    """Back up the database (PostgreSQL: pg_dump custom format; SQLite: online backup) and the files
    clients sent (COACH_STORAGE_DIR), in one archive."""
    config = settings()
    storage = Path(config.storage_dir)
    try:
        files = asyncio.run(archives.backup(config.database_url, storage, file))
        print(
            f"backup written to {file} ({file.stat().st_size} bytes): the database and {files} stored files"
        )
        if not verify:
            return
        with tempfile.TemporaryDirectory() as scratch:
            rows, stored = asyncio.run(archives.verify(config.database_url, storage, file, Path(scratch)))
    except BackupError as exc:
        raise CliError(str(exc)) from None
    if rows.differences:
        diff = ", ".join(f"{t}: live {a}, backup {b}" for t, (a, b) in rows.differences.items())
        raise CliError(f"verify: row counts differ ({diff}); was the service writing meanwhile?")
    if stored is not None and (stored.missing or stored.extra):
        raise CliError(
            f"verify: stored files differ ({stored.missing} missing from the backup, {stored.extra} no longer "
            "in COACH_STORAGE_DIR); was the service writing meanwhile?"
        )
    total = sum(rows.restored.values())
    files_line = f"; {len(stored.archived)} stored files match" if stored is not None else ""
    print(
        f"verified: restored into a scratch database, {len(rows.restored)} tables and {total} rows match"
        + files_line
    )


def restore(file: Annotated[Path, typer.Argument(help="A backup made by `coach backup`")]) -> None:
    """Restore a backup into the (empty) database of COACH_DATABASE_URL and the (empty) COACH_STORAGE_DIR."""
    config = settings()
    try:
        done = asyncio.run(archives.restore(config.database_url, Path(config.storage_dir), file))
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"restored {file}: {done.tables} tables, {done.rows} rows, {done.files} stored files")
    if not done.with_files:
        print("this backup holds the database only (made before files were included): copy the files back")
