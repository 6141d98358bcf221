"""The database half of ``coach backup`` and ``coach restore`` (the archive around it, with the
stored files, is :mod:`bot.backup_archive`).

PostgreSQL: ``pg_dump`` custom format (one consistent snapshot; ``pg_restore`` reads it). SQLite: the
online backup API, so a running ``coach run`` keeps writing while the copy is taken. A restore goes
into an empty database only (never over data). Verifying restores a dump into a scratch database and
compares the row count of every table with the live database.

Never in a backup: the encryption keys (``COACH_ENCRYPTION_KEYS``; without them the encrypted
columns and files cannot be read).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import URL, make_url

from domain.db import Database

PG_TIMEOUT_S = 3600  # pg_dump / pg_restore of a large database


class BackupError(Exception):
    """A backup or restore that could not be done, said in one line."""


@dataclass(frozen=True, slots=True)
class Verification:
    """Row counts per table in the live database and in the backup restored to a scratch database."""

    live: dict[str, int]
    restored: dict[str, int]

    @property
    def differences(self) -> dict[str, tuple[int, int]]:
        names = set(self.live) | set(self.restored)
        return {
            name: (self.live.get(name, 0), self.restored.get(name, 0))
            for name in sorted(names)
            if self.live.get(name, 0) != self.restored.get(name, 0)
        }


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (PostgreSQL client tools are needed)")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{tool} failed: {lines[-1] if lines else f'exit {done.returncode}'}")


def _sqlite_copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _sqlite_backup(source: Path, file: Path) -> None:
    """Copy into a ``.partial`` file first: a half-written backup never has the final name."""
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    _sqlite_copy(source, partial)
    partial.replace(file)


async def dump_database(database_url: str, file: Path) -> None:
    """Write a dump of the database at ``database_url`` to ``file``."""
    url = make_url(database_url)
    await asyncio.to_thread(file.parent.mkdir, parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        if not await asyncio.to_thread(source.is_file):
            raise BackupError(f"no SQLite database at {source}")
        await asyncio.to_thread(_sqlite_backup, source, file)
        return
    args, env = _pg_args(url)
    command = ["pg_dump", *args, "--format=custom", "--no-owner", "-f", str(file), url.database or ""]
    await asyncio.to_thread(_run, command, env)


async def _tables(database_url: str) -> list[str]:
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            return list(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await db.dispose()


async def require_empty_database(database_url: str) -> None:
    """Raise :class:`BackupError` unless the database at ``database_url`` holds no tables."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        target = _sqlite_path(url)
        if await asyncio.to_thread(target.exists) and await _tables(database_url):
            raise BackupError(f"{target} is not empty: restore goes into an empty database only")
    elif await _tables(database_url):
        raise BackupError(f"database {url.database} is not empty: restore goes into an empty database only")


async def restore_database(database_url: str, file: Path) -> None:
    """Restore the dump ``file`` into the (empty) database at ``database_url``."""
    if not await asyncio.to_thread(file.is_file):
        raise BackupError(f"no backup at {file}")
    await require_empty_database(database_url)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        await asyncio.to_thread(_sqlite_copy, file, _sqlite_path(url))
        return
    args, env = _pg_args(url)
    command = [
        "pg_restore",
        *args,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "-d",
        url.database or "",
        str(file),
    ]
    await asyncio.to_thread(_run, command, env)


async def row_counts(database_url: str) -> dict[str, int]:
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            names = await conn.run_sync(lambda c: inspect(c).get_table_names())
            return {
                name: int(await conn.scalar(select(func.count()).select_from(table(name))) or 0)
                for name in sorted(names)
            }
    finally:
        await db.dispose()


async def verify_database(database_url: str, file: Path, scratch_dir: Path) -> Verification:
    """Restore the dump ``file`` into a scratch database (dropped afterwards) and compare row counts."""
    url = make_url(database_url)
    live = await row_counts(database_url)
    if url.get_backend_name() == "sqlite":
        scratch = scratch_dir / f"coach-verify-{uuid.uuid4().hex[:8]}.db"
        scratch_url = url.set(database=str(scratch)).render_as_string(hide_password=False)
        try:
            await restore_database(scratch_url, file)
            return Verification(live, await row_counts(scratch_url))
        finally:
            await asyncio.to_thread(scratch.unlink, True)
    name = f"coach_verify_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    scratch_url = url.set(database=name).render_as_string(hide_password=False)
    try:
        await restore_database(scratch_url, file)
        return Verification(live, await row_counts(scratch_url))
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
