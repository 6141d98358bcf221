"""``coach audit list`` and ``coach audit export``: the audit log, newest first (refused requests, refused access, erasures,
key rotations, retention purges, coach actions)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from bot.cli.common import print_json, print_table, with_database
from domain.db import Database
from domain.services.audit import AUDIT_LIST_LIMIT, AuditFilter, list_audit_events
from domain.services.audit_export import audit_csv_chunks

audit_app = typer.Typer(help="The audit log", no_args_is_help=True)
DETAILS_MAX_CHARS = 80


def parse_since(value: str | None) -> datetime | None:
    """``2026-12-01``, an ISO time (UTC unless it has an offset), or ``24h`` / ``7d`` ago."""
    if value is None:
        return None
    text = value.strip()
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if text[:-1].isdigit() and text[-1:] in units:
        return datetime.now(UTC) - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("a date (2026-12-01), an ISO time, or an age like 24h or 7d") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@audit_app.command("list")
def list_events(
    since: Annotated[str | None, typer.Option("--since", help="2026-12-01, an ISO time, or 24h / 7d")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Before this: 2026-12-01, an ISO time, or 24h / 7d ago")
    ] = None,
    action: Annotated[str | None, typer.Option("--action", help="e.g. request.rejected, or slack.*")] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="e.g. stripe, cli, coach:3, or slack:*")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = AUDIT_LIST_LIMIT,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON list")] = False,
) -> None:
    """Audit events, newest first."""
    start, end = parse_since(since), parse_since(until)

    async def work(db: Database) -> list[dict[str, object]]:
        async with db.sessions() as session:
            events = await list_audit_events(
                session, since=start, until=end, action=action, actor=actor, limit=limit
            )
        return [
            {
                "at": e.at.isoformat(timespec="seconds"),
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "count": e.count,
                "details": e.details,
            }
            for e in events
        ]

    rows = with_database(work)
    if as_json:
        print_json(rows)
        return
    if not rows:
        print("no audit events")
        return

    def short(details: object) -> str:
        text = json.dumps(details, ensure_ascii=False, separators=(",", ":"))
        return text if len(text) <= DETAILS_MAX_CHARS else text[: DETAILS_MAX_CHARS - 1] + "…"

    print_table(
        ["at (UTC)", "actor", "action", "subject", "count", "details"],
        [[r["at"], r["actor"], r["action"], r["subject"], r["count"], short(r["details"])] for r in rows],
    )


@audit_app.command("export")
def export_events(
    since: Annotated[str | None, typer.Option("--since", help="2026-12-01, an ISO time, or 24h / 7d")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Before this: 2026-12-01, an ISO time, or 24h / 7d ago")
    ] = None,
    action: Annotated[str | None, typer.Option("--action", help="e.g. client.reassigned, or web.*")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="e.g. coach:3, or slack:*")] = None,
) -> None:
    """Every matching audit event as CSV on stdout, newest first (the Admin page's CSV download)."""
    filters = AuditFilter(actor=actor, action=action, since=parse_since(since), until=parse_since(until))

    async def work(db: Database) -> None:
        async with db.sessions() as session:
            async for chunk in audit_csv_chunks(session, filters):
                sys.stdout.write(chunk)
        sys.stdout.flush()

    with_database(work)
