"""The 100,000-client world: coaches, clients in many timezones, chat identities and 30 days of
check-ins each (through the domain's bulk load), then ANALYZE, as after a big import."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from domain.db import Database
from domain.keysets import analyze
from domain.models import Base, ChannelIdentity, Client, Coach
from domain.services.checkins import bulk_load_check_ins, check_in_values, with_note_languages

# "Now" for the whole benchmark: a Tuesday morning in UTC.
NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
BIG_COACH_CLIENTS = 1_000
BIG_COACH_SLACK_USER = "UBIGCOACH"
BIG_COACH_ID = 1
TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
CADENCES = ("daily", "daily", "daily", "weekdays", "weekly")
PAGE = 5_000  # rows per bulk statement while seeding


def client_name(n: int) -> str:
    return f"Client {n:06d}"


async def build(db: Database, clients: int, days: int) -> dict[str, float]:
    """Create the schema and the world; returns the seconds each part took."""
    import time

    rng = random.Random(18)
    took: dict[str, float] = {}
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        coaches = max(1, clients // BIG_COACH_CLIENTS)
        await conn.execute(
            insert(Coach),
            [
                {
                    "id": c,
                    "name": f"Coach {c}",
                    "email": f"coach{c}@example.com",
                    "invite_code": f"INV{c}",
                    "slack_user_id": BIG_COACH_SLACK_USER if c == BIG_COACH_ID else f"UCOACH{c}",
                    "timezone": TIMEZONES[c % len(TIMEZONES)],
                    "digest_cadence": "weekly" if c == BIG_COACH_ID else "daily",
                }
                for c in range(1, coaches + 1)
            ],
        )
        for first in range(1, clients + 1, PAGE):
            ids = range(first, min(clients, first + PAGE - 1) + 1)
            rows = []
            for n in ids:
                quiet = rng.random() < 0.3
                rows.append(
                    {
                        "id": n,
                        "coach_id": 1 + (n - 1) // BIG_COACH_CLIENTS
                        if n <= coaches * BIG_COACH_CLIENTS
                        else 1,
                        "display_name": client_name(n),
                        "timezone": TIMEZONES[n % len(TIMEZONES)],
                        "checkin_cadence": CADENCES[n % len(CADENCES)],
                        "checkin_time": f"{6 + n % 15:02d}:{(n * 7) % 4 * 15:02d}",
                        "quiet_hours_start": "22:00" if quiet else None,
                        "quiet_hours_end": "07:00" if quiet else None,
                    }
                )
            await conn.execute(insert(Client), rows)
            await conn.execute(
                insert(ChannelIdentity),
                [
                    {"platform": "telegram", "external_user_id": str(n), "chat_id": str(n), "client_id": n}
                    for n in ids
                ],
            )
    took["clients"] = time.perf_counter() - started
    started = time.perf_counter()
    loaded = 0
    batch: list[dict[str, object]] = []
    for n in range(1, clients + 1):
        for day in range(1, days + 1):
            batch.append(
                check_in_values(
                    client_id=n,
                    mood=1 + (n + day) % 10,
                    energy=1 + (n * day) % 10,
                    sleep_hours=6.5 + (day % 4) / 2,
                    adherence=("yes", "partly", "no")[(n + day) % 3],
                    # Each note its own text, as real notes are (nothing read twice by chance).
                    note=f"Felt strong on day {day}, slept well; client {n} kept the plan."
                    if day % 3 == 0
                    else None,
                    source_channel="telegram",
                    at=NOW - timedelta(days=day, hours=rng.randint(0, 10)),
                )
            )
        if len(batch) >= 4 * PAGE:
            # The notes' languages first, then the transaction (as the domain's writers do).
            batch = await with_note_languages(batch)
            async with db.engine.begin() as conn:
                loaded += await bulk_load_check_ins(conn, batch)
            batch = []
    if batch:
        batch = await with_note_languages(batch)
        async with db.engine.begin() as conn:
            loaded += await bulk_load_check_ins(conn, batch)
    took["check_ins"] = time.perf_counter() - started
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await analyze(conn, ["coaches", "clients", "channel_identities", "check_ins"])
    took["analyze"] = time.perf_counter() - started
    took["check_in_rows"] = loaded
    return took
