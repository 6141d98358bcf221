"""Entry point of the ``coach`` command: exit 0 on success, 1 on a runtime error, 2 on a usage error."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import traceback
from typing import Annotated

import typer

from bot.cli import (
    admin,
    analytics,
    announcements,
    audit,
    backup,
    booking,
    charts,
    chat,
    doctor,
    guides,
    insights,
    keys,
    payments,
    policy,
    reminders,
    reports,
    support,
    tokens,
    web,
)
from bot.cli import capacity as _capacity  # noqa: F401 - adds set-capacity to `coaches`
from bot.cli import note_languages as _note_languages  # noqa: F401 - adds note-languages to `db`
from bot.cli import programs as _program_content  # noqa: F401 - adds import/export/publish... to `programs`
from bot.cli.cohorts import cohort_app
from bot.cli.common import CliError, settings, with_database
from bot.config import ConfigError
from bot.logs import configure_logging
from domain.crypto import UnreadableValue
from domain.errors import DomainError

app = typer.Typer(
    name="coach",
    help="Stripe Coach: run a coaching business inside chat.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.coaches_app, name="coaches")
app.add_typer(admin.programs_app, name="programs")  # add/list here, content commands in bot.cli.programs
app.add_typer(admin.clients_app, name="clients")
app.command("export")(admin.export)
app.command("erase")(admin.erase)
app.command("seed-demo")(admin.seed_demo_command)
app.command("refund")(payments.refund)
app.add_typer(payments.payments_app, name="payments")
app.command("summarize")(insights.summarize)
app.command("digest")(insights.digest)
app.command("chart")(charts.chart)
app.add_typer(reports.report_app, name="report")
app.add_typer(insights.import_app, name="import")
app.add_typer(reminders.reminders_app, name="reminders")
app.command("chat")(chat.chat)
app.command("doctor")(doctor.doctor)
app.add_typer(keys.keys_app, name="keys")
app.command("backup")(backup.backup)
app.add_typer(audit.audit_app, name="audit")
app.command("restore")(backup.restore)
app.command("analytics")(analytics.analytics)
app.add_typer(tokens.tokens_app, name="tokens")
app.command("login-link")(web.login_link)
app.add_typer(web.sessions_app, name="sessions")
app.add_typer(policy.policy_app, name="policy")
app.add_typer(support.support_app, name="support")
app.add_typer(guides.guides_app, name="guides")
app.command("announce")(announcements.announce)
app.add_typer(announcements.announcements_app, name="announcements")
app.add_typer(booking.availability_app, name="availability")
app.add_typer(booking.calendar_app, name="calendar")
app.add_typer(cohort_app, name="cohort")


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors")] = False,
) -> None:
    """Stripe Coach."""


@app.command("run")
def run() -> None:
    """Start the service: HTTP server, configured channels, scheduler."""
    # A stop signal that arrives while the service is still loading is kept and honoured once it runs
    # (a clean exit 0), rather than killing the process half-started.
    early: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: early.append(number))
    from bot.console.component import console_runs, log_to_file
    from bot.error_reporting import init_error_reporting
    from bot.runtime import NotMigrated, Service

    config = settings()
    with_database(lambda _db: asyncio.sleep(0))  # one line, and no empty file, when not migrated
    configure_logging(config.log_level, config.log_format.value)
    init_error_reporting(config.sentry_dsn)
    if console_runs(config, sys.stdin.isatty()):
        log_to_file()  # the console chat has the terminal; logs go to ./coach.log
    if not config.encryption_keys:
        logging.getLogger("bot.cli").warning(
            "COACH_ENCRYPTION_KEYS is not set: what clients write is stored unencrypted "
            "(`coach keys generate` makes a key)"
        )
    for line in config.deprecated_names:
        logging.getLogger("bot.cli").warning("%s", line)
    service = Service(config, interactive_console=sys.stdin.isatty())
    try:
        asyncio.run(service.run_until_signalled(stop_at_once=lambda: bool(early)))
    except NotMigrated as exc:
        raise CliError(str(exc)) from None


EXPECTED_ERRORS = (CliError, ConfigError, DomainError, OSError, UnreadableValue)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; Typer reports usage errors (exit 2), this turns runtime errors into one line (exit 1)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        app(args=argv, prog_name="coach")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        return 130
    except EXPECTED_ERRORS as exc:
        if debug:
            traceback.print_exc()
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 1
    except Exception as exc:  # an unexpected failure still gets one line unless --debug
        if debug:
            traceback.print_exc()
        print(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1
    return 0


def run_cli() -> None:
    sys.exit(main())
