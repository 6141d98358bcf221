"""Four ``coach run`` workers drain one outbox within Telegram's limits, all together: on PostgreSQL
only (real subprocesses, about two minutes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.telegram.limits import GLOBAL_PER_SECOND
from tests.support.databases import TEST_DATABASE_ENV, postgres_requested
from tests.support.workers import WorkersOutcome, run_workers

pytestmark = pytest.mark.skipif(
    not postgres_requested(), reason="several workers share one database only on PostgreSQL (slow scenario)"
)

REDIS_URL = "redis://127.0.0.1:6379"


def assert_delivered_within_limits(outcome: WorkersOutcome) -> None:
    assert outcome.worker_errors == []
    assert outcome.exit_codes == [0] * outcome.workers  # SIGTERM stops each worker cleanly
    assert (outcome.lost, outcome.duplicated) == (0, 0)
    assert outcome.out_of_order_chats == []
    # The fixture answers 429 to any send over the limits, so none may have been needed. It times each
    # arrival as its handler starts, up to its own event loop's largest lateness after the request came
    # in (fixture_lag_s, measured during the run): windows are counted one second less that much.
    lag = f"fixture lag {outcome.fixture_lag_s:.3f} s"
    assert outcome.too_many_requests == 0, lag
    assert outcome.max_in_1s <= GLOBAL_PER_SECOND, lag
    assert outcome.max_chat_in_1s == 1, lag
    assert len(outcome.arrivals) == outcome.chats


async def test_four_workers_with_redis_deliver_2000_messages_once_in_order_within_limits(
    tmp_path: Path,
) -> None:
    outcome = await run_workers(
        os.environ[TEST_DATABASE_ENV], REDIS_URL, messages=2000, chats=50, logs=tmp_path
    )
    assert_delivered_within_limits(outcome)


async def test_four_workers_without_redis_share_the_budget_in_postgres(tmp_path: Path) -> None:
    outcome = await run_workers(os.environ[TEST_DATABASE_ENV], None, messages=600, chats=50, logs=tmp_path)
    assert_delivered_within_limits(outcome)
