"""Web workspace commands: a sign-in link for a coach, and revoking a coach's sessions."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import settings, with_database
from domain.db import Database
from domain.services.sign_in_delivery import LINK_MINUTES, sign_in_url
from domain.services.web_auth import issue_login_code, revoke_sessions

sessions_app = typer.Typer(help="Signed-in browser sessions of the web workspace.", no_args_is_help=True)


def login_link(coach: Annotated[int, typer.Option("--coach", help="Coach id")]) -> None:
    """Print a one-time sign-in link for the web workspace (first sign-in, or for operators)."""
    base_url = settings().web_base_url

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            return await issue_login_code(session, coach, sent_via="cli")

    code = with_database(work)
    typer.echo(sign_in_url(base_url, code))
    typer.echo(f"valid once, for {LINK_MINUTES} minutes", err=True)


@sessions_app.command("revoke")
def sessions_revoke(coach: Annotated[int, typer.Option("--coach", help="Coach id")]) -> None:
    """Sign a coach out everywhere: every open session of theirs stops working at once."""

    async def work(db: Database) -> int:
        async with db.unit_of_work() as session:
            return await revoke_sessions(session, coach, actor="operator")

    count = with_database(work)
    typer.echo(f"{count} session{'' if count == 1 else 's'} of coach {coach} revoked")
