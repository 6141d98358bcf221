"""``coach run`` killed (-9) and stopped (SIGTERM) at several instants while clients type faster than
the bot may answer: every chat's transcript and the stored data equal a clean run's — nothing lost,
nothing doubled — in long polling and in webhook mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.durability.worker import run

CLIENTS = 6
# Seconds after the first message at which the worker is stopped, and how.
CRASHES = ((3.0, "kill"), (7.0, "term"), (12.0, "kill"), (17.0, "term"))
STOP_GRACE_S = 10


@pytest.mark.once
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_kill_and_sigterm_lose_and_double_nothing(
    tmp_path: Path, database_factory: Any, mode: str
) -> None:
    clean = await run(
        tmp_path, await database_factory(), mode=mode, clients=CLIENTS, stop_grace_s=STOP_GRACE_S
    )
    crashed = await run(
        tmp_path,
        await database_factory(),
        mode=mode,
        clients=CLIENTS,
        crashes=CRASHES,
        stop_grace_s=STOP_GRACE_S,
    )

    assert len(clean.stored["clients"]) == CLIENTS and len(clean.stored["check_ins"]) == CLIENTS
    for chat, expected in clean.transcripts.items():
        assert any("Check-in saved" in line for line in expected), expected
        assert crashed.transcripts[chat] == expected, (
            f"chat {chat} differs from the clean run:\n"
            + "\n".join(_side_by_side(expected, crashed.transcripts[chat]))
        )
    assert crashed.stored == clean.stored
    everything = "\n".join(line for lines in crashed.transcripts.values() for line in lines)
    assert "something went wrong" not in everything
    # Graceful stops exit 0 within the grace period; -9 is -9.
    assert crashed.worker.exit_codes == [-9 if how == "kill" else 0 for _, how in CRASHES] + [0]
    assert all(seconds < STOP_GRACE_S + 5 for seconds in crashed.stop_seconds)
    assert "Traceback" not in crashed.worker.logs()


def _side_by_side(clean: list[str], crashed: list[str]) -> list[str]:
    width = max(len(clean), len(crashed))
    return [
        f"{i:3} {'=' if a == b else '!'} {a[:60]!r:64} | {b[:60]!r}"
        for i, (a, b) in enumerate(zip(clean + [""] * width, crashed + [""] * width, strict=False))
        if i < width
    ]
