"""``coach cohort``: link a program's group chat (a Telegram group or a Slack channel), or make the
one-time code a coach sends as ``/cohort CODE`` in the group, and list the cohorts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from bot.cli.common import with_database
from conversations.i18n import supported_locale
from domain.db import Database
from domain.services import cohorts

cohort_app = typer.Typer(help="Cohort groups: a program's group chat with weekly posts", no_args_is_help=True)

ProgramOption = Annotated[int, typer.Option("--program", help="Program id")]
LocaleOption = Annotated[str, typer.Option("--locale", help="The group's language: en, de, es or ru")]
StartOption = Annotated[
    str | None, typer.Option("--start", help="The cohort's first day (YYYY-MM-DD; default: when linked)")
]


def _locale(value: str) -> str:
    found = supported_locale(value)
    if found is None:
        raise typer.BadParameter(
            f"{value!r} is not a supported language (en, de, es, ru)", param_hint="--locale"
        )
    return found


def _start(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2027-01-04", param_hint="--start") from None


@cohort_app.command("link")
def link(
    program: ProgramOption,
    chat: Annotated[str, typer.Option("--chat", help="Group chat id: -100… (Telegram) or C… (Slack)")],
    platform: Annotated[str, typer.Option("--platform", help="telegram or slack")] = "telegram",
    locale: LocaleOption = "en",
    start: StartOption = None,
) -> None:
    """Link a group chat the bot is in to a program; its weekly posts start on the cohort's day."""
    language, starts_on = _locale(locale), _start(start)

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            group = await cohorts.link_chat(
                session,
                program_id=program,
                platform=platform,
                chat_id=chat,
                locale=language,
                starts_on=starts_on,
            )
            return f"cohort {group.id}: {platform} chat {chat} is linked to program {program}, from {group.starts_on}"

    typer.echo(with_database(work))


@cohort_app.command("code")
def code(program: ProgramOption, locale: LocaleOption = "en", start: StartOption = None) -> None:
    """A one-time code: the coach adds the bot to the Telegram group and sends /cohort CODE there."""
    language, starts_on = _locale(locale), _start(start)

    async def work(db: Database) -> str:
        async with db.unit_of_work() as session:
            group = await cohorts.new_link_code(
                session, program_id=program, locale=language, starts_on=starts_on
            )
            return f"Add the bot to the group, then send there: /cohort {group.link_code}"

    typer.echo(with_database(work))


@cohort_app.command("list")
def list_cohorts(coach: Annotated[int | None, typer.Option("--coach", help="Coach id")] = None) -> None:
    """Cohort groups with their program, chat, status and first day."""

    async def work(db: Database) -> list[str]:
        async with db.unit_of_work() as session:
            return [
                f"{g.id}\tprogram {g.program_id}\t{g.platform} {g.chat_id or '(waiting for /cohort ' + str(g.link_code) + ')'}"
                f"\t{g.status}\tfrom {g.starts_on or '-'}"
                for g in await cohorts.cohorts(session, coach_id=coach)
            ]

    lines = with_database(work)
    typer.echo("\n".join(lines) if lines else "No cohort groups yet.")
