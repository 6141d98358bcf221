"""``coach keys``: encryption keys for what clients write (``COACH_ENCRYPTION_KEYS``)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import CliError, settings, with_database
from domain.crypto import generate_key
from domain.db import Database
from domain.services.encryption import (
    FILE_ROTATION_BATCH,
    ROTATION_BATCH,
    FilesRotated,
    NoKeys,
    rotate_keys,
    rotate_stored_files,
)

keys_app = typer.Typer(help="Encryption keys for data at rest", no_args_is_help=True)


@keys_app.command("generate")
def generate() -> None:
    """Print a new key: put it first in COACH_ENCRYPTION_KEYS (keep the old ones after it), then rotate."""
    print(generate_key())


@keys_app.command("rotate")
def rotate(
    batch: Annotated[int, typer.Option("--batch", min=1, help="Rows per transaction")] = ROTATION_BATCH,
    file_batch: Annotated[
        int, typer.Option("--file-batch", min=1, help="Stored files per batch")
    ] = FILE_ROTATION_BATCH,
) -> None:
    """Re-encrypt every stored value and client file with the newest key (and encrypt what was stored
    in plain text)."""
    config = settings()  # configures the keys

    def show_progress(done: int, total: int) -> None:
        print(f"stored files: {done}/{total} checked", flush=True)

    async def work(db: Database) -> tuple[dict[str, int], FilesRotated]:
        rewritten = await rotate_keys(db, batch_size=batch, actor="cli")
        for table, count in rewritten.items():
            print(f"{table}: {count} re-encrypted", flush=True)
        files = await rotate_stored_files(
            db, config.storage_dir, batch_size=file_batch, actor="cli", progress=show_progress
        )
        return rewritten, files

    try:
        _, files = with_database(work)
    except NoKeys:
        raise CliError("COACH_ENCRYPTION_KEYS is not set: `coach keys generate` makes a key") from None
    print(
        f"stored files: {files.rewritten} re-encrypted, {files.current} already current, "
        f"{files.missing} missing from disk"
    )
    problems = []
    if files.unreadable:
        problems.append(
            f"{files.unreadable} stored files are encrypted with a key that is not in "
            "COACH_ENCRYPTION_KEYS (put the old key back after the new one and run again)"
        )
    if files.refused:
        problems.append(f"{files.refused} stored files lie outside COACH_STORAGE_DIR and were left alone")
    if problems:
        raise CliError("; ".join(problems))
    print("done: values and files are now encrypted with the newest key; older keys can be removed")
