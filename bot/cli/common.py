"""Helpers every ``coach`` sub-command uses: settings, a database per command, plain output."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings, load_settings
from domain.clock import ensure_utc
from domain.crypto import use_keys
from domain.db import Database
from domain.migrate import is_up_to_date

T = TypeVar("T")


class CliError(Exception):
    """A runtime failure reported as one line and exit code 1."""


UPGRADE_HINT = "run `coach db upgrade` first"


def settings() -> Settings:
    """The settings; their encryption keys become the process's (what clients write is encrypted)."""
    config = load_settings()
    use_keys(config.encryption_keys)
    return config


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


async def require_migrated(db: Database) -> None:
    """One line naming the problem when the schema is missing or outdated. A SQLite file that does not
    exist is reported without connecting, which would create it empty."""
    path = sqlite_file(db.url)
    if path is not None and not path.exists():
        raise CliError(f"the database {path} does not exist yet: {UPGRADE_HINT}")
    try:
        current = await is_up_to_date(db)
    except (OSError, SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CliError(f"cannot open the database (COACH_DATABASE_URL): {reason}") from None
    if not current:
        raise CliError(f"the database schema is missing or outdated: {UPGRADE_HINT}")


def with_database(work: Callable[[Database], Awaitable[T]], *, migrated: bool = True) -> T:
    """Run ``work`` on a fresh database handle and dispose of it afterwards; unless ``migrated`` is
    False (``coach db upgrade``), a database without the current schema stops the command first."""

    async def _run() -> T:
        db = Database(settings().database_url)
        try:
            if migrated:
                await require_migrated(db)
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(_run())


@contextmanager
def progress_bar(label: str, *, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal (rich), fed ``advance(done, total)``; nothing when ``enabled`` is
    False (output piped or redirected)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
    ) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def out_path(value: Path, suffixes: Collection[str], *, option: str = "--out") -> Path:
    """An output file option: one of ``suffixes``, in a folder that exists (checked before any work;
    a usage error naming ``option`` otherwise)."""
    allowed = " or ".join(sorted(suffixes))
    if value.is_dir():
        raise typer.BadParameter(f"{str(value)!r} is a folder; give a file name", param_hint=option)
    if value.suffix.lower() not in suffixes:
        raise typer.BadParameter(f"must end in {allowed}, not {value.name!r}", param_hint=option)
    if not value.parent.is_dir():
        raise typer.BadParameter(f"folder {str(value.parent)!r} does not exist", param_hint=option)
    return value


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [headers, *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def parse_instant(value: str) -> datetime:
    """``--at`` values: an ISO-8601 instant with its offset (``2026-03-29T07:00Z``), as UTC."""
    import typer

    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"not an ISO-8601 instant: {value!r}") from None
    if parsed.tzinfo is None:
        raise typer.BadParameter("give an instant with its offset, e.g. 2026-03-29T07:00Z") from None
    return ensure_utc(parsed)


def identity_option(value: str | None) -> str | None:
    """Typer callback for ``--identity``: a malformed PLATFORM:ID is a usage error (exit 2)."""
    if value is None:
        return None
    from domain.errors import ValidationError
    from domain.services.clients import IdentityRef

    try:
        IdentityRef.parse(value)
    except ValidationError as exc:
        raise typer.BadParameter(exc.message) from None
    return value


def money_option(price: str, currency: str) -> int:
    """A price as a person types it (``49``, ``49.00``, ``49,00``) in minor units; a usage error
    (exit 2) otherwise, e.g. ``0.499`` USD (the one parser: :func:`domain.money.parse_money`)."""
    from domain.money import MoneyError, parse_money

    try:
        return parse_money(price, currency)
    except MoneyError as exc:
        raise typer.BadParameter(str(exc), param_hint="--price") from None
