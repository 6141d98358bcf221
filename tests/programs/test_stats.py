"""Program analytics: enrolled, active, completed, completion rate, days to complete, drop-off per step,
check-in adherence, mood change and revenue; and ``coach programs stats``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from conversations.flows.program import render_completion, render_step
from domain.analytics.programs import program_stats
from domain.db import Database
from domain.models import Payment
from domain.program_delivery import deliver_due_steps
from domain.services import checkins, program_progress
from tests.programs.conftest import activate, enroll_client

MARCH_1 = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 22, 12, 0, tzinfo=UTC)


async def release(db: Database, now: datetime) -> None:
    async with db.unit_of_work() as session:
        await deliver_due_steps(
            session, now=now, render_step=render_step, render_completion=render_completion
        )


async def scenario(db: Database) -> int:
    """Ann finishes in 2.5 days and paid 49 (9 refunded); Ben is active with three check-ins and one
    task ticked; Cy never paid."""
    ann = await enroll_client(db, started=MARCH_1, price="49.00", user="ann", timezone="UTC")
    ben = await enroll_client(db, started=MARCH_1, price="49.00", user="ben", timezone="UTC")
    await enroll_client(db, started=MARCH_1, price="49.00", user="cy", timezone="UTC")
    await activate(db, ann.enrollment_id, datetime(2026, 3, 10, 6, 0, tzinfo=UTC))
    await activate(db, ben.enrollment_id, MARCH_1)
    await release(db, datetime(2026, 3, 10, 8, 0, tzinfo=UTC))  # Ann's day 1, Ben's catch-up day 1
    await release(db, datetime(2026, 3, 12, 8, 0, tzinfo=UTC))  # Ann's day 3, Ben's day 3
    async with db.unit_of_work() as session:
        for number in (1, 2):
            await program_progress.tick_task(
                session, ann.client_id, number, position=1, now=NOW - timedelta(days=10)
            )
        await program_progress.tick_task(
            session,
            ann.client_id,
            1,
            position=2,
            now=datetime(2026, 3, 12, 18, 0, tzinfo=UTC),
            completion=render_completion,
        )
        await program_progress.tick_task(session, ben.client_id, 1, position=1, now=NOW - timedelta(days=10))
        for day, mood, adherence in ((2, 4, "yes"), (3, 6, "partly"), (20, 8, "no")):
            await checkins.record_check_in(
                session,
                client_id=ben.client_id,
                mood=mood,
                energy=5,
                sleep_hours=7,
                adherence=adherence,
                source_channel="console",
                at=datetime(2026, 3, day, 9, 0, tzinfo=UTC),
            )
        session.add(
            Payment(
                client_id=ann.client_id,
                enrollment_id=ann.enrollment_id,
                amount_minor=4900,
                currency="usd",
                status="partially_refunded",
                refunded_minor=900,
            )
        )
        session.add(
            Payment(
                client_id=ben.client_id,
                enrollment_id=ben.enrollment_id,
                amount_minor=4900,
                currency="usd",
                status="failed",
            )
        )
    return ann.program_id


async def test_program_stats(db: Database) -> None:
    program_id = await scenario(db)
    async with db.unit_of_work() as session:
        stats = await program_stats(session, program_id, now=NOW)
    assert (stats.enrolled, stats.active, stats.completed) == (3, 1, 1)
    assert stats.completion_rate_pct == 50.0  # of the two who started
    assert stats.median_days_to_complete == 2.5  # 10 March 06:00 to 12 March 18:00
    assert [(s.day, s.reached, s.tasks, s.task_completion_pct) for s in stats.steps] == [
        (1, 3, 2, 50.0),  # Cy got day 1 without paying
        (3, 2, 1, 50.0),
    ]
    assert stats.checkin_adherence_pct == 50.0  # yes, partly, no
    assert stats.mood_change == 3.0  # first week 5, last week 8
    assert stats.revenue == {"usd": 4000}


def test_stats_command_prints_a_table_or_json(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from tests.support.databases import wipe

    async def prepare() -> int:
        db = Database(database_url)
        try:
            await wipe(db)
            return await scenario(db)
        finally:
            await db.dispose()

    program_id = asyncio.run(prepare())
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    assert main(["programs", "stats", str(program_id)]) == 0
    out = capsys.readouterr().out
    assert (
        "completion rate                  50 %" in out and "revenue (net of refunds)         40.00 USD" in out
    )
    assert "1    Welcome          3        2      50 %" in out
    assert main(["programs", "stats", str(program_id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["enrolled"], data["completed"], data["revenue"]) == (3, 1, {"usd": 4000})
    assert main(["programs", "stats", "999"]) == 1
    capsys.readouterr()


def test_stats_command_writes_the_funnel_chart(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import asyncio
    import xml.etree.ElementTree as ET

    from PIL import Image

    from tests.support.databases import wipe

    async def prepare() -> int:
        db = Database(database_url)
        try:
            await wipe(db)
            return await scenario(db)
        finally:
            await db.dispose()

    program_id = asyncio.run(prepare())
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    png, svg = tmp_path / "funnel.png", tmp_path / "funnel.svg"
    assert main(["programs", "stats", str(program_id), "--json", "--chart", str(png)]) == 0
    assert json.loads(capsys.readouterr().out)["enrolled"] == 3
    assert Image.open(png).format == "PNG"
    assert main(["programs", "stats", str(program_id), "--chart", str(svg)]) == 0
    assert ET.fromstring(svg.read_bytes()).tag.endswith("svg")
    assert main(["programs", "stats", str(program_id), "--chart", str(tmp_path / "f.pdf")]) == 2
    assert "--chart" in capsys.readouterr().err
