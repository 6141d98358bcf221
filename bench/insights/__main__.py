"""Time a coach digest over many clients: computed fallback, a model server, and the cached re-run.

    python -m bench.insights [--quick] [--clients N]

The model rows use the local OpenAI-compatible fixture server (protocol and pipeline overhead only),
and a real server too when ``OPENAI_BASE_URL`` (and ``COACH_LLM_MODEL``) are set. Ratios are against
the computed fallback measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from domain.db import Database
from domain.migrate import upgrade
from domain.services.checkins import record_check_in
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from integrations.llm.client import LlmClient
from integrations.llm.insights import InsightsService
from tests.support.openai_api import FakeOpenAI

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
WEEK_ENDING = date(2026, 11, 22)
NOTES = ["Good day, felt strong.", "Tired after work, skipped the walk.", "Slept badly and felt anxious.", ""]


async def seed(db: Database, clients: int) -> int:
    async with db.unit_of_work() as session:
        coach = await create_coach(session, name="Bench Coach", email="bench@example.com")
        for n in range(clients):
            client = await register_client(
                session,
                platform="telegram",
                external_user_id=str(10_000 + n),
                chat_id=str(10_000 + n),
                display_name=f"Client{n} Bench",
                timezone=["UTC", "Europe/Berlin", "America/New_York"][n % 3],
                coach_id=coach.id,
            )
            client.created_at = NOW - timedelta(days=60)
            for day in range(21):
                if (day + n) % 5 == 4:
                    continue  # some missed days
                await record_check_in(
                    session,
                    client_id=client.id,
                    mood=max(1, min(10, 7 - (day // 7) * (n % 3) + day % 2)),
                    energy=max(1, min(10, 6 + day % 3 - (n % 2))),
                    sleep_hours=6.0 + (day % 4) * 0.5,
                    adherence=["yes", "partly", "no"][(day + n) % 3],
                    note=NOTES[(day + n) % len(NOTES)] or None,
                    source_channel="telegram",
                    at=datetime(2026, 11, 2, 9, tzinfo=UTC) + timedelta(days=day, minutes=n),
                )
        return coach.id


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await work()
    return time.perf_counter() - start


async def run(clients: int) -> list[list[str]]:
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await upgrade(db)
        coach_id = await seed(db, clients)

        def row(name: str, seconds: float, requests: int | str, baseline: float) -> list[str]:
            return [
                name,
                str(clients),
                f"{seconds:.3f}",
                f"{seconds / clients * 1000:.1f}",
                str(requests),
                f"{seconds / baseline:.1f}x",
            ]

        computed = InsightsService(db, clock=lambda: NOW)
        # Warm-up: VADER's lexicon loads once per process; that cost is not the digest's.
        await computed.coach_digest(coach_id, week_ending=WEEK_ENDING)
        baseline = await timed(lambda: computed.coach_digest(coach_id, week_ending=WEEK_ENDING))
        rows.append(row("computed fallback (baseline)", baseline, 0, baseline))

        server = await FakeOpenAI().start()
        try:
            llm = LlmClient(model="fixture", base_url=server.base_url)
            fixture = InsightsService(db, llm=llm, clock=lambda: NOW)
            cold = await timed(lambda: fixture.coach_digest(coach_id, week_ending=WEEK_ENDING))
            rows.append(row("model: local fixture server", cold, len(server.requests), baseline))
            before = len(server.requests)
            warm = await timed(lambda: fixture.coach_digest(coach_id, week_ending=WEEK_ENDING))
            rows.append(row("model: fixture, cached re-run", warm, len(server.requests) - before, baseline))
            await fixture.close()
        finally:
            await server.stop()

        base_url, model = os.environ.get("OPENAI_BASE_URL"), os.environ.get("COACH_LLM_MODEL")
        if base_url and model:
            real = InsightsService(
                db,
                llm=LlmClient(model=model, base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY")),
                clock=lambda: NOW,
            )
            digest_holder: list[object] = []

            async def real_digest() -> None:
                digest_holder.append(await real.coach_digest(coach_id, week_ending=WEEK_ENDING))

            cold = await timed(real_digest)
            rows.append(row(f"model: {model} at OPENAI_BASE_URL", cold, "-", baseline))
            warm = await timed(real_digest)
            rows.append(row(f"model: {model}, cached re-run", warm, "-", baseline))
            await real.close()
        else:
            rows.append(["model at OPENAI_BASE_URL", str(clients), "skipped", "", "", ""])
        await db.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.insights")
    parser.add_argument("--quick", action="store_true", help="10 clients instead of 50")
    parser.add_argument("--clients", type=int, default=None)
    args = parser.parse_args()
    clients = args.clients or (10 if args.quick else 50)
    rows = asyncio.run(run(clients))
    headers = ["digest", "clients", "seconds", "ms/client", "model requests", "vs fallback"]
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for r in [headers, ["-" * w for w in widths], *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if not (os.environ.get("OPENAI_BASE_URL") and os.environ.get("COACH_LLM_MODEL")):
        print("\nSet OPENAI_BASE_URL and COACH_LLM_MODEL to time a real model server too.")


if __name__ == "__main__":
    main()
