"""``coach backup FILE``: one archive holding the database and the files clients sent.

FILE is an uncompressed tar (the PostgreSQL dump is compressed already, encrypted files do not
compress), so one file is copied off the machine and ``tar tf FILE`` shows what is in it:

- ``database``: ``pg_dump`` custom format, or a SQLite database file (:mod:`bot.backup`);
- ``files/…``: ``COACH_STORAGE_DIR`` as it was, paths relative to it (encrypted files stay encrypted);
- ``coach-backup.json``: the format, the kind of database and the number of files.

``coach restore FILE`` puts both back, into an empty database and an empty storage directory only;
the files are unpacked beside the storage directory first and moved in once the database is restored,
so a failed restore leaves no files behind. A backup from before files were included (a bare dump)
restores the database alone. Stored-file rows keep the paths they were written with: restore with
the same ``COACH_STORAGE_DIR``. The keys (``COACH_ENCRYPTION_KEYS``) are never in a backup.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot.backup import (
    BackupError,
    Verification,
    dump_database,
    require_empty_database,
    restore_database,
    row_counts,
    verify_database,
)
from domain.clock import utcnow

MANIFEST = "coach-backup.json"
DATABASE = "database"
FILES = "files/"
FORMAT = "stripe-coach-backup"
VERSION = 1


@dataclass(frozen=True, slots=True)
class FilesCheck:
    """Stored files (path relative to the storage directory → size) live and in the backup."""

    live: dict[str, int]
    archived: dict[str, int]

    @property
    def missing(self) -> int:
        """Live files the backup lacks (or holds with another size)."""
        return sum(1 for name, size in self.live.items() if self.archived.get(name) != size)

    @property
    def extra(self) -> int:
        """Files in the backup that are no longer in the storage directory."""
        return sum(1 for name in self.archived if name not in self.live)


@dataclass(frozen=True, slots=True)
class Restored:
    tables: int
    rows: int
    files: int
    with_files: bool  # False: a bare database dump from before files were included


def _temporary(path: Path) -> bool:
    """A half-written file (domain.services.files.replace_file) is not a stored file."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


def storage_listing(storage_dir: Path) -> dict[str, int]:
    """Every stored file under ``storage_dir`` (relative path → size); blocking."""
    if not storage_dir.is_dir():
        return {}
    found: dict[str, int] = {}
    for path in sorted(storage_dir.rglob("*")):
        if path.is_symlink() or not path.is_file() or _temporary(path):
            continue
        try:
            found[path.relative_to(storage_dir).as_posix()] = path.stat().st_size
        except FileNotFoundError:  # erased or purged meanwhile
            continue
    return found


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _write_archive(file: Path, dump: Path, storage_dir: Path, database: str) -> int:
    """The archive, written as ``FILE.partial`` and renamed: a half-written backup never has the
    final name. Returns the number of files in it."""
    partial = file.with_name(file.name + ".partial")
    files = 0
    with tarfile.open(partial, "w") as tar:
        tar.add(dump, arcname=DATABASE)
        for name in storage_listing(storage_dir):
            try:
                tar.add(storage_dir / name, arcname=FILES + name, recursive=False)
            except FileNotFoundError:  # erased or purged meanwhile
                continue
            files += 1
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "database": database,
            "files": files,
            "created_at": utcnow().isoformat(),
        }
        _add_bytes(tar, MANIFEST, json.dumps(manifest).encode())
    partial.replace(file)
    return files


async def backup(database_url: str, storage_dir: Path, file: Path) -> int:
    """Write the archive of the database and the stored files to ``file``; returns the file count."""
    await asyncio.to_thread(file.parent.mkdir, parents=True, exist_ok=True)
    database = make_url(database_url).get_backend_name()
    with tempfile.TemporaryDirectory(dir=file.parent, prefix=".coach-backup-") as work:
        dump = Path(work) / DATABASE
        # The database first: every file its rows name is then on disk (unless erased meanwhile).
        await dump_database(database_url, dump)
        return await asyncio.to_thread(_write_archive, file, dump, storage_dir, database)


def read_manifest(file: Path) -> dict[str, Any] | None:
    """The archive's manifest, or None for a bare database dump (an older backup); blocking."""
    if not tarfile.is_tarfile(file):
        return None
    try:
        with tarfile.open(file) as tar:
            member = tar.getmember(MANIFEST)
            content = tar.extractfile(member)
            manifest = json.loads(content.read()) if content is not None else None
    except (KeyError, tarfile.TarError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    if manifest.get("version") != VERSION:
        raise BackupError(f"{file} is a version {manifest.get('version')} backup; this coach reads {VERSION}")
    return manifest


def _extract(file: Path, target: Path, *, with_files: bool) -> None:
    """Unpack the database (and the files) into ``target``; anything else in the archive is ignored,
    and tarfile's ``data`` filter refuses absolute paths, ``..`` and links."""
    with tarfile.open(file) as tar:
        wanted = [
            member
            for member in tar.getmembers()
            if member.isfile() and (member.name == DATABASE or (with_files and member.name.startswith(FILES)))
        ]
        if not any(member.name == DATABASE for member in wanted):
            raise BackupError(f"{file} holds no database")
        tar.extractall(target, members=wanted, filter="data")


def _archived_files(file: Path) -> dict[str, int]:
    with tarfile.open(file) as tar:
        return {
            member.name[len(FILES) :]: member.size
            for member in tar.getmembers()
            if member.isfile() and member.name.startswith(FILES)
        }


def _move_into(staging: Path, storage_dir: Path) -> int:
    moved = 0
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            target = storage_dir / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved += 1
    return moved


async def restore(database_url: str, storage_dir: Path, file: Path) -> Restored:
    """Restore ``file`` into the empty database at ``database_url`` and the empty ``storage_dir``."""
    if not await asyncio.to_thread(file.is_file):
        raise BackupError(f"no backup at {file}")
    manifest = await asyncio.to_thread(read_manifest, file)
    if manifest is None:
        await restore_database(database_url, file)
        counts = await row_counts(database_url)
        return Restored(len(counts), sum(counts.values()), 0, with_files=False)
    target = make_url(database_url).get_backend_name()
    if manifest.get("database") != target:
        raise BackupError(
            f"{file} holds a {manifest.get('database')} database; COACH_DATABASE_URL is {target}"
        )
    await require_empty_database(database_url)
    if await asyncio.to_thread(storage_listing, storage_dir):
        raise BackupError(f"{storage_dir} holds files: restore goes into an empty storage directory only")
    await asyncio.to_thread(storage_dir.mkdir, parents=True, exist_ok=True)
    # Beside the storage directory, so the files move in by rename (same file system).
    with tempfile.TemporaryDirectory(dir=storage_dir.parent, prefix=".coach-restore-") as work:
        await asyncio.to_thread(_extract, file, Path(work), with_files=True)
        await restore_database(database_url, Path(work) / DATABASE)
        files = await asyncio.to_thread(_move_into, Path(work) / FILES, storage_dir)
    counts = await row_counts(database_url)
    return Restored(len(counts), sum(counts.values()), files, with_files=True)


async def verify(
    database_url: str, storage_dir: Path, file: Path, scratch_dir: Path
) -> tuple[Verification, FilesCheck | None]:
    """Restore the database of ``file`` into a scratch database and compare row counts, and compare
    the files it holds with the storage directory (None for a bare dump, which holds none)."""
    manifest = await asyncio.to_thread(read_manifest, file)
    if manifest is None:
        return await verify_database(database_url, file, scratch_dir), None
    await asyncio.to_thread(_extract, file, scratch_dir, with_files=False)
    rows = await verify_database(database_url, scratch_dir / DATABASE, scratch_dir)
    files = FilesCheck(
        live=await asyncio.to_thread(storage_listing, storage_dir),
        archived=await asyncio.to_thread(_archived_files, file),
    )
    return rows, files
