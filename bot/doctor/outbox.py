"""The outbox: messages the sender could not decrypt (a key missing from COACH_ENCRYPTION_KEYS).

The sender sets such a row aside instead of letting it stop every send (see
:mod:`domain.services.delivery_queue`); this check counts them and says what usually causes it.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.doctor.database import describe, missing_sqlite_file
from bot.doctor.report import CheckResult, failed, ok, skipped, timed
from domain.db import Database
from domain.services.delivery_queue import unreadable_counts

NAME = "outbox"
NAMES = (NAME,)
FIX = (
    "a key they were encrypted with is missing from COACH_ENCRYPTION_KEYS (removed or rotated out too "
    "early, or a worker runs without the newest key): give every worker the same keys, newest first, "
    "and drop an old key only after `coach keys rotate`"
)


def verdict(waiting: int, given_up: int, keys_set: bool) -> CheckResult:
    if not waiting and not given_up:
        return ok(NAME, "every queued message can be decrypted")
    parts = []
    if given_up:
        parts.append(f"{given_up} failed (never sent)")
    if waiting:
        parts.append(f"{waiting} waiting for a worker that has the key")
    cause = FIX if keys_set else "COACH_ENCRYPTION_KEYS is not set here: set the keys the workers use"
    return failed(NAME, f"messages no key decrypts: {', '.join(parts)}; {cause}")


async def _unreadable(settings: Settings) -> CheckResult:
    url = settings.database_url
    if missing_sqlite_file(url) is not None:
        return skipped(NAME, "not checked: no database")
    db = Database(url)
    try:
        async with db.sessions() as session:
            waiting, given_up = await unreadable_counts(session)
    except (DBAPIError, OSError):
        # The database check says why; no second line about the same cause.
        return skipped(NAME, "not checked: the database cannot be read")
    finally:
        await db.dispose()
    return verdict(waiting, given_up, bool(settings.encryption_keys))


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    return [
        await timed(NAME, time_limit, lambda: _unreadable(settings), target=describe(settings.database_url))
    ]
