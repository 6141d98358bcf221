"""The outbox and the inbox: rows no configured key decrypts (a key missing from COACH_ENCRYPTION_KEYS).

The sender and the inbox processor set such a row aside instead of letting it stop the whole queue
(see :mod:`domain.services.unreadable_rows`); these checks count them and say what usually causes it.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.doctor.database import describe, missing_sqlite_file
from bot.doctor.report import CheckResult, failed, ok, skipped
from domain.db import Database
from domain.services import delivery_queue, inbox

OUTBOX = "outbox"
INBOX = "inbox"
NAMES = (OUTBOX, INBOX)
FIX = (
    "a key they were encrypted with is missing from COACH_ENCRYPTION_KEYS (removed or rotated out too "
    "early, or a worker runs without the newest key): give every worker the same keys, newest first, "
    "and drop an old key only after `coach keys rotate`"
)
# (what the rows are, what happens to a failed one) per check.
WORDING = {
    OUTBOX: ("messages", "never sent", "every queued message can be decrypted"),
    INBOX: ("inbound updates", "never handled", "every stored inbound update can be decrypted"),
}


def verdict(check: str, waiting: int, given_up: int, keys_set: bool) -> CheckResult:
    rows, lost, fine = WORDING[check]
    if not waiting and not given_up:
        return ok(check, fine)
    parts = []
    if given_up:
        parts.append(f"{given_up} failed ({lost})")
    if waiting:
        parts.append(f"{waiting} waiting for a worker that has the key")
    cause = FIX if keys_set else "COACH_ENCRYPTION_KEYS is not set here: set the keys the workers use"
    return failed(check, f"{rows} no key decrypts: {', '.join(parts)}; {cause}")


async def _unreadable(settings: Settings) -> list[CheckResult]:
    url = settings.database_url
    if missing_sqlite_file(url) is not None:
        return [skipped(name, "not checked: no database") for name in NAMES]
    db = Database(url)
    try:
        async with db.sessions() as session:
            outgoing = await delivery_queue.unreadable_counts(session)
            incoming = await inbox.unreadable_counts(session)
    except (DBAPIError, OSError):
        # The database check says why; no second line about the same cause.
        return [skipped(name, "not checked: the database cannot be read") for name in NAMES]
    finally:
        await db.dispose()
    keys_set = bool(settings.encryption_keys)
    return [verdict(OUTBOX, *outgoing, keys_set), verdict(INBOX, *incoming, keys_set)]


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    try:
        return await asyncio.wait_for(_unreadable(settings), time_limit)
    except TimeoutError:
        target = describe(settings.database_url)
        return [failed(name, f"no answer from {target} within {time_limit:g} s") for name in NAMES]
