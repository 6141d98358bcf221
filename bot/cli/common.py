"""Helpers every ``coach`` sub-command uses: settings, a database per command, plain output."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from bot.config import Settings, load_settings
from domain.clock import ensure_utc
from domain.db import Database

T = TypeVar("T")


class CliError(Exception):
    """A runtime failure reported as one line and exit code 1."""


def settings() -> Settings:
    return load_settings()


def with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on a fresh database handle and dispose of it afterwards."""

    async def _run() -> T:
        db = Database(settings().database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(_run())


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
