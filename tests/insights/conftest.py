"""Fixtures for insights: the local OpenAI-compatible server and the evaluation set."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.openai_api import FakeOpenAI

DATA = Path(__file__).parent.parent / "data"
EVAL_ROWS = DATA / "insights_eval.jsonl"
EVAL_EXPECTED = DATA / "insights_eval_expected.json"
EVAL_WEEK_ENDING = date(2026, 11, 22)
EVAL_NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
async def openai_server() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI().start()
    try:
        yield server
    finally:
        await server.stop()


def eval_expected() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(EVAL_EXPECTED.read_text())
    return data
