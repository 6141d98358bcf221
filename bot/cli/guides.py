"""``coach guides``: publish coach-facing guides (Markdown) and list them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import print_table, with_database
from bot.cli.policy import read_file
from domain.db import Database
from domain.services import guides

guides_app = typer.Typer(help="Guides for coaches (training materials)", no_args_is_help=True)


@guides_app.command("publish")
def publish(
    file: Annotated[
        Path, typer.Option("--file", help="The guide (Markdown; front matter may hold 'title:' and 'slug:')")
    ],
    slug: Annotated[
        str | None, typer.Option("--slug", help="Its short name (default: from the file name)")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Its title (default: the first '# heading')")
    ] = None,
) -> None:
    """Publish a guide, or a new revision of the one with the same slug: coaches see it as new."""
    guide = guides.parse_guide_file(read_file(file), file_name=file.name, slug=slug, title=title)

    async def work(db: Database) -> tuple[str, int]:
        async with db.unit_of_work() as session:
            row, outcome = await guides.publish_guide(session, guide, actor="cli")
            return outcome, row.revision

    outcome, revision = with_database(work)
    if outcome == "unchanged":
        typer.echo(f"guide {guide.slug} is unchanged (revision {revision}): nothing to publish")
    else:
        typer.echo(
            f"guide {guide.slug} {outcome} (revision {revision}): coaches see it under /coach guides and Guides"
        )


@guides_app.command("list")
def list_command() -> None:
    """Every guide with its revision and when it was published."""

    async def work(db: Database) -> list[list[object]]:
        async with db.sessions() as session:
            return [
                [g.slug, g.title, g.revision, g.published_at.isoformat(timespec="minutes"), g.published_by]
                for g in await guides.list_guides(session)
            ]

    rows = with_database(work)
    if not rows:
        typer.echo("no guides published yet")
        return
    print_table(["slug", "title", "revision", "published (UTC)", "by"], rows)
