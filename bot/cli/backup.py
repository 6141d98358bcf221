"""``coach backup FILE [--verify]`` and ``coach restore FILE`` (see :mod:`bot.backup`)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bot import backup as backups
from bot.cli.common import CliError, settings


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup")],
    verify: Annotated[
        bool, typer.Option("--verify", help="Restore it into a scratch database and compare row counts")
    ] = False,
) -> None:
    """Back up the database (PostgreSQL: pg_dump custom format; SQLite: online backup)."""
    url = settings().database_url
    try:
        asyncio.run(backups.backup(url, file))
        print(f"backup written to {file} ({file.stat().st_size} bytes)")
        if not verify:
            return
        with tempfile.TemporaryDirectory() as scratch:
            checked = asyncio.run(backups.verify(url, file, Path(scratch)))
    except backups.BackupError as exc:
        raise CliError(str(exc)) from None
    rows = sum(checked.restored.values())
    if checked.differences:
        diff = ", ".join(f"{t}: live {a}, backup {b}" for t, (a, b) in checked.differences.items())
        raise CliError(f"verify: row counts differ ({diff}); was the service writing meanwhile?")
    print(f"verified: restored into a scratch database, {len(checked.restored)} tables and {rows} rows match")


def restore(file: Annotated[Path, typer.Argument(help="A backup made by `coach backup`")]) -> None:
    """Restore a backup into the (empty) database of COACH_DATABASE_URL."""
    url = settings().database_url
    try:
        asyncio.run(backups.restore(url, file))
        counts = asyncio.run(backups.row_counts(url))
    except backups.BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"restored {file}: {len(counts)} tables, {sum(counts.values())} rows")
