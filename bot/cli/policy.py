"""``coach policy``: publish a new version of the privacy policy and terms, list the versions.

Clients who accepted an older version are asked to accept the new one at their next message."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import CliError, print_table, settings, with_database
from conversations.flows.policy import POLICY_PATH
from domain.db import Database
from domain.services import policies

policy_app = typer.Typer(help="The privacy policy and terms clients accept", no_args_is_help=True)


def read_file(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {file}: {exc}") from None


@policy_app.command("publish")
def publish(
    version: Annotated[int, typer.Option("--version", help="The new version number (higher than the last)")],
    file: Annotated[
        Path, typer.Option("--file", help="The policy text (Markdown; front matter may hold 'summary:')")
    ],
    summary: Annotated[
        str | None,
        typer.Option("--summary", help="One line: what changed (else 'summary:' in the front matter)"),
    ] = None,
) -> None:
    """Publish a version: from the next message on, clients who have not accepted it are asked to."""
    change, body = policies.parse_policy_file(read_file(file), summary=summary)

    async def work(db: Database) -> int:
        async with db.unit_of_work() as session:
            published = await policies.publish_policy(
                session, version=version, body=body, summary=change, actor="cli"
            )
            return published.version

    published = with_database(work)
    link = f"{settings().web_base_url}{POLICY_PATH}/{published}"
    typer.echo(
        f"policy version {published} published at {link}; clients are asked to accept it at their next message"
    )


@policy_app.command("list")
def list_versions() -> None:
    """Every published version, oldest first, with its one-line summary."""

    async def work(db: Database) -> list[list[object]]:
        async with db.sessions() as session:
            return [
                [p.version, p.published_at.isoformat(timespec="minutes"), p.published_by, p.summary]
                for p in await policies.list_policies(session)
            ]

    rows = with_database(work)
    if not rows:
        typer.echo("no policy version published yet")
        return
    print_table(["version", "published (UTC)", "by", "what changed"], rows)
