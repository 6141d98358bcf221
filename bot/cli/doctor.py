"""``coach doctor``: one line per check of the settings and every configured connection."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import print_json

if TYPE_CHECKING:
    from bot.doctor.report import CheckResult

DEFAULT_TIMEOUT_S = 5.0


def render(results: list[CheckResult]) -> list[str]:
    """``✓ name  detail`` per check (``✗`` failed, ``–`` skipped: not configured), then a summary."""
    marks = {"ok": "✓", "failed": "✗", "skipped": "–"}
    width = max(len(r.check) for r in results)
    lines = [f"{marks[r.status.value]} {r.check.ljust(width)}  {r.detail}" for r in results]
    counts = Counter(r.status.value for r in results)
    lines.append(
        f"{len(results)} checks: {counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped"
    )
    return lines


def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of {check, status, detail}")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, max=120.0, help="Seconds each connection check may take")
    ] = DEFAULT_TIMEOUT_S,
) -> None:
    """Check the settings, the database and every configured service; exit 1 when a check fails."""
    from bot.doctor.report import Status
    from bot.doctor.runner import run_checks  # the clients' libraries load only for this command

    results = asyncio.run(run_checks(timeout))
    if as_json:
        print_json([r.as_dict() for r in results])
    else:
        for line in render(results):
            typer.echo(line)
    if any(r.status is Status.FAILED for r in results):
        raise typer.Exit(1)
