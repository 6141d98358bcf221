"""The console journey: a coach imports and publishes a program file, a client onboards into it in
``coach chat``, opens /today and ticks its tasks with a button and by typing (real processes)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.db import Database
from tests.programs.example import EXAMPLE, INTERVALS_PDF
from tests.support.databases import wipe

COACH = str(Path(sys.executable).parent / "coach")
ONBOARDING = [
    "/start",
    "1",
    "Sam",
    "Berlin",
    "3",
    "Fitness",
    "time",
    "10",
    "run 5 km by 2027-03-01",
    "Daily",
    "8am",
]


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    async def _wipe() -> None:
        db = Database(database_url)
        await wipe(db)
        await db.dispose()

    asyncio.run(_wipe())
    return {**os.environ, "COACH_DATABASE_URL": database_url}


def coach(env: dict[str, str], *args: str, lines: list[str] | None = None) -> str:
    result = subprocess.run(
        [COACH, *args],
        input="".join(f"{line}\n" for line in lines or []),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_from_a_program_file_to_ticked_tasks_in_coach_chat(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "intervals.pdf").write_bytes(INTERVALS_PDF)
    program = tmp_path / "c25k.md"
    program.write_text(EXAMPLE.replace("price: 49.00", "price: 0"), encoding="utf-8")
    coach(env, "coaches", "add", "--name", "Ada", "--email", "ada@example.com")
    assert "new draft version 1" in coach(env, "programs", "import", str(program))
    coach(env, "programs", "publish", "1", "--note", "First edition")

    out = coach(env, "chat", "--user", "42", lines=[*ONBOARDING, "1"])
    # The program's own assessment question comes after the standard ones.
    assert (
        "What is your biggest obstacle right now?\nWhat is the longest you have run recently, in minutes?"
        in out
    )
    assert "[1] Couch to 5K (free)" in out and "Program: Couch to 5K" in out

    # Typing "done 1" ticks the first task; typing a button's label presses it (the task texts hold
    # digits, so the console does not read a bare number as a button there).
    out = coach(
        env, "chat", "--user", "42", lines=["/today", "done 1", "✓ 2. Put your shoes by the door", "/program"]
    )
    assert (
        "Couch to 5K · Day 1: Welcome (step 1 of 2)\n\n"
        "Why walking first works, in three short paragraphs.\n\n"
        "Tasks (press one, or type done 1, when it's done):\n"
        "1. ☐ Walk 20 minutes at an easy pace\n"
        "2. ☐ Put your shoes by the door\n"
        "[1] ✓ 1. Walk 20 minutes at an easy pace\n"
        "[2] ✓ 2. Put your shoes by the door\n"
        "✅ Walk 20 minutes at an easy pace (1 of 2 done today).\n"
        "[1] ✓ 2. Put your shoes by the door\n"
        "✅ Put your shoes by the door: every task of today's step is done. Well done!\n"
    ) in out
    assert "Steps: 1 of 2 done (0 delivered)\nTasks: 2 of 3 done" in out
    assert coach(env, "programs", "export", "1") == program.read_text(encoding="utf-8")
