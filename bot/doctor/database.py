"""The database: reachable, and its schema at this release's migration heads."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.doctor.report import CheckResult, failed, ok, reason, timed
from domain.db import Database
from domain.migrate import alembic_config, current_heads, expected_heads

NAME = "database"
UPGRADE_HINT = "run `coach db upgrade`"


def describe(url: str) -> str:
    """Backend and location, never the password."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"sqlite {parsed.database or ':memory:'}"
    where = f"{parsed.host or 'localhost'}:{parsed.port}" if parsed.port else parsed.host or "localhost"
    return f"{backend} {where}/{parsed.database or ''}"


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file the URL names when it does not exist (connecting would create it empty)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {script.revision for script in scripts.walk_revisions()}


async def _schema(url: str) -> CheckResult:
    where = describe(url)
    absent = missing_sqlite_file(url)
    if absent is not None:
        return failed(NAME, f"{where}: no such file; {UPGRADE_HINT} to create it")
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            current = await current_heads(conn)
    except DBAPIError as exc:
        return failed(NAME, f"{where}: cannot connect: {reason(exc.orig or exc)}")
    except OSError as exc:
        return failed(NAME, f"{where}: cannot connect: {reason(exc)}")
    finally:
        await db.dispose()
    expected = expected_heads()
    if current == expected:
        return ok(NAME, f"{where}: schema up to date ({', '.join(sorted(expected))})")
    if not current:
        return failed(NAME, f"{where}: no schema yet; {UPGRADE_HINT}")
    unknown = current - known_revisions()
    if unknown:
        # Upgrading cannot help: the database was migrated by a newer release than this one.
        return failed(
            NAME, f"{where}: schema at {', '.join(sorted(unknown))}, newer than this release; deploy it"
        )
    return failed(
        NAME,
        f"{where}: schema at {', '.join(sorted(current))}, this release needs "
        f"{', '.join(sorted(expected))}; {UPGRADE_HINT}",
    )


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    return [
        await timed(
            NAME, time_limit, lambda: _schema(settings.database_url), target=describe(settings.database_url)
        )
    ]
