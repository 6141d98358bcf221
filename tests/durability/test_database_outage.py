"""The database goes away for 20 seconds under a running ``coach run`` while clients keep typing:
nothing they sent is dropped or answered with an apology, ``/healthz`` says 503 meanwhile and 200
again without a restart, and every chat ends as in a run without the outage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.durability.worker import Outage, run
from tests.support.databases import postgres_requested

CLIENTS = 4
OUTAGE = Outage(at=2.0, seconds=20.0)

pytestmark = [
    pytest.mark.heavy,
    pytest.mark.skipif(
        not postgres_requested(), reason="an outage needs a database server to cut off; SQLite is a file"
    ),
]


async def test_messages_sent_during_an_outage_are_all_answered_after_it(
    tmp_path: Path, database_factory: Callable[[], Awaitable[str]]
) -> None:
    clean = await run(tmp_path, await database_factory(), clients=CLIENTS)
    cut = await run(tmp_path, await database_factory(), clients=CLIENTS, outage=OUTAGE)

    for chat, expected in clean.transcripts.items():
        assert any("Check-in saved" in line for line in expected)
        assert cut.transcripts[chat] == expected, f"chat {chat} differs from the run without an outage"
    assert cut.stored == clean.stored
    assert cut.health_during_outage == {503}
    assert cut.health_after_outage == 200
    assert cut.recovery_seconds is not None and cut.recovery_seconds < 60
    assert cut.worker.exit_codes == [0] and cut.worker.starts == 1  # no restart was needed
    print(f"recovered {cut.recovery_seconds:.1f}s after a {OUTAGE.seconds:.0f}s outage")
