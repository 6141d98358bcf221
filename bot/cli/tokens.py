"""``coach tokens``: per-coach API tokens for ``/api/v1`` (``Authorization: Bearer …``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from bot.cli.common import print_table, with_database
from domain.db import Database
from domain.services import api_tokens

tokens_app = typer.Typer(help="API tokens for the JSON API", no_args_is_help=True)


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.isoformat(timespec="minutes")


@tokens_app.command("create")
def create(
    coach: Annotated[int, typer.Option("--coach", help="Coach id")],
    label: Annotated[str, typer.Option("--label", help="What the token is for, e.g. 'spreadsheet'")] = "",
) -> None:
    """Create a token for a coach and print it once (only its hash is kept)."""

    async def work(db: Database) -> tuple[int, str]:
        async with db.unit_of_work() as session:
            issued = await api_tokens.create_api_token(session, coach_id=coach, label=label, actor="cli")
            return issued.token.id, issued.secret

    token_id, secret = with_database(work)
    typer.echo(secret)
    typer.echo(
        f"token {token_id} for coach {coach}: send it as 'Authorization: Bearer <token>'; "
        "it is not shown again",
        err=True,
    )


@tokens_app.command("list")
def list_tokens(coach: Annotated[int | None, typer.Option("--coach", help="Coach id")] = None) -> None:
    """Tokens with their coach, label, first characters, last use and whether they are revoked."""

    async def work(db: Database) -> list[list[object]]:
        async with db.sessions() as session:
            return [
                [
                    t.id,
                    t.coach_id,
                    t.label or "-",
                    t.prefix + "…",
                    _when(t.created_at),
                    _when(t.last_used_at),
                    "revoked " + _when(t.revoked_at) if t.revoked_at else "live",
                ]
                for t in await api_tokens.list_api_tokens(session, coach_id=coach)
            ]

    rows = with_database(work)
    if not rows:
        typer.echo("no API tokens")
        return
    print_table(["id", "coach", "label", "token", "created (UTC)", "last used", "status"], rows)


@tokens_app.command("revoke")
def revoke(
    token_id: Annotated[int | None, typer.Argument(help="Token id (see `coach tokens list`)")] = None,
    coach: Annotated[int | None, typer.Option("--coach", help="Revoke every token of this coach")] = None,
) -> None:
    """Revoke one token by id, or every token of a coach with --coach."""
    if (token_id is None) == (coach is None):
        raise typer.BadParameter("give a token id or --coach ID (one of them)")

    async def work(db: Database) -> int:
        async with db.unit_of_work() as session:
            if token_id is not None:
                await api_tokens.revoke_api_token(session, token_id, actor="cli")
                return 1
            assert coach is not None
            return await api_tokens.revoke_coach_tokens(session, coach, actor="cli")

    count = with_database(work)
    if token_id is not None:
        typer.echo(f"token {token_id} revoked")
    else:
        typer.echo(f"{count} token(s) of coach {coach} revoked")
