"""``coach keys``: encryption keys for what clients write (``COACH_ENCRYPTION_KEYS``)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import CliError, settings, with_database
from domain.crypto import generate_key
from domain.db import Database
from domain.services.encryption import ROTATION_BATCH, NoKeys, rotate_keys

keys_app = typer.Typer(help="Encryption keys for data at rest", no_args_is_help=True)


@keys_app.command("generate")
def generate() -> None:
    """Print a new key: put it first in COACH_ENCRYPTION_KEYS (keep the old ones after it), then rotate."""
    print(generate_key())


@keys_app.command("rotate")
def rotate(
    batch: Annotated[int, typer.Option("--batch", min=1, help="Rows per transaction")] = ROTATION_BATCH,
) -> None:
    """Re-encrypt every stored value with the newest key (and encrypt what was stored in plain text)."""
    settings()  # configures the keys

    async def work(db: Database) -> dict[str, int]:
        return await rotate_keys(db, batch_size=batch, actor="cli")

    try:
        rewritten = with_database(work)
    except NoKeys:
        raise CliError("COACH_ENCRYPTION_KEYS is not set: `coach keys generate` makes a key") from None
    for table, count in rewritten.items():
        print(f"{table}: {count} re-encrypted")
    print("done: values are now encrypted with the newest key; older keys can be removed")
