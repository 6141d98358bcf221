"""System metrics (domain/telemetry.py) moved by the real code paths, scraped from ``GET /metrics`` over
HTTP and parsed with prometheus_client's own parser. Counters are process-wide: each test compares a
scrape before with one after."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from bot.http.door import Refused, refuse
from bot.http.metrics import MetricsEndpoint
from bot.logs import ErrorCounter
from bot.loop_lag import LOOP_LAG
from bot.outbound.sender import OutboundSender
from bot.outbound.transport import RateLimits
from bot.telegram.transport import TelegramTransport
from conversations.engine import ConversationEngine
from conversations.messages import IncomingMessage, OutgoingMessage
from domain.db import Database
from integrations.llm.client import LlmClient, LlmUnavailable
from integrations.scheduler import ReminderScheduler
from tests.outbound.conftest import fake_telegram, make_transport  # noqa: F401 - fixtures
from tests.reminders.conftest import Clock, People, utc
from tests.support.openai_api import FakeOpenAI, answer, server_error
from tests.support.servers import serve_locally
from tests.support.telegram_api import FakeTelegram

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
FAMILIES = {
    "coach_messages_received": "counter",
    "coach_messages_sent": "counter",
    "coach_engine_batch_size": "histogram",
    "coach_engine_batch_seconds": "histogram",
    "coach_engine_message_seconds": "histogram",
    "coach_outbox_depth": "gauge",
    "coach_outbox_oldest_age_seconds": "gauge",
    "coach_deliveries_failed": "counter",
    "coach_rate_limited_responses": "counter",
    "coach_reminders": "counter",
    "coach_webhook_rejections": "counter",
    "coach_llm_calls": "counter",
    "coach_unhandled_errors": "counter",
    "coach_event_loop_lag_seconds": "histogram",
}


@pytest.fixture
async def scrape(db: Database) -> AsyncIterator[Callable[[], object]]:
    app = web.Application()
    MetricsEndpoint(db=db).install_routes(app)
    runner, url = await serve_locally(app)

    async def read() -> tuple[dict[str, str], Samples]:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as response:
            assert response.status == 200
            body = await response.text()
        types, samples = {}, {}
        for family in text_string_to_metric_families(body):
            types[family.name] = family.type
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return types, samples

    yield read
    await runner.cleanup()


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_every_system_metric_is_served_with_its_type(scrape: Callable[[], object]) -> None:
    types, _ = await scrape()  # type: ignore[misc]
    assert LOOP_LAG is not None  # `coach run` imports the monitor, which registers the lag histogram
    assert {name: types.get(name) for name in FAMILIES} == FAMILIES


PACED = RateLimits(per_chat_interval_s=0.05, global_per_second=1000.0)


async def test_outbox_depth_and_the_senders_counts(
    db: Database,
    scrape: Callable[[], object],
    fake_telegram: FakeTelegram,  # noqa: F811
    make_transport: Callable[[RateLimits], TelegramTransport],  # noqa: F811
) -> None:
    sender = OutboundSender(db, poll_interval=0.05, backoff_base=0.05)
    sender.register(make_transport(PACED))
    for chat, text in (("1", "a"), ("2", "b"), ("3", "c"), ("3", "d")):
        await sender.enqueue("telegram", chat, OutgoingMessage(text))
    _, queued = await scrape()  # type: ignore[misc]
    assert value(queued, "coach_outbox_depth", platform="telegram") == 4
    assert value(queued, "coach_outbox_oldest_age_seconds", platform="telegram") >= 0

    fake_telegram.fail(429, chat_id=1, retry_after=1)
    fake_telegram.fail(400, chat_id=2)  # "chat not found": permanent, stored as failed
    await sender.start()
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent()) == 3)
    finally:
        await sender.stop()
    _, after = await scrape()  # type: ignore[misc]
    assert value(after, "coach_outbox_depth", platform="telegram") == 0  # emptied: 0, not stale
    for name, delta in (
        ("coach_messages_sent_total", 3),
        ("coach_rate_limited_responses_total", 1),
        ("coach_deliveries_failed_total", 1),
    ):
        label = "service" if "rate_limited" in name else "platform"
        got = value(after, name, **{label: "telegram"}) - value(queued, name, **{label: "telegram"})
        assert got == delta, name


class Answer(BaseModel):
    word: str


async def test_engine_door_model_and_error_counts(db: Database, scrape: Callable[[], object]) -> None:
    _, before = await scrape()  # type: ignore[misc]
    engine = ConversationEngine(db)
    await engine.start()
    try:
        await engine.handle(IncomingMessage("console", "metrics-1", "metrics-1", "m1", text="/help"))
        await engine.begin_flow(  # a reminder starting a flow is not a message from a person
            platform="console",
            external_user_id="metrics-1",
            chat_id="metrics-1",
            flow="help",
            idempotency_key="r1",
        )
    finally:
        await engine.stop()

    await refuse(db, "slack", Refused(401, "bad signature"))

    server = await FakeOpenAI().start()
    try:
        llm = LlmClient(model="fake-model", base_url=server.base_url, local=True, backoff=0.01, attempts=2)
        server.then(answer({"word": "fine"}), server_error(429), server_error(429))
        await llm.complete_json(system="s", user="u", output=Answer)
        with pytest.raises(LlmUnavailable):
            await llm.complete_json(system="s", user="u", output=Answer)
        await llm.close()
    finally:
        await server.stop()

    counter = ErrorCounter()
    logger = logging.getLogger("bot.metrics_test")
    logger.addHandler(counter)
    logger.propagate = False
    try:
        logger.error("not an exception: not counted")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("counted")
    finally:
        logger.removeHandler(counter)
        logger.propagate = True

    _, after = await scrape()  # type: ignore[misc]

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("coach_messages_received_total", platform="console") == 1
    assert delta("coach_engine_batch_size_count") == 2 and delta("coach_engine_message_seconds_count") == 2
    assert delta("coach_engine_batch_size_sum") == 2  # one message per batch here
    assert delta("coach_webhook_rejections_total", source="slack", status="401") == 1
    assert delta("coach_llm_calls_total", outcome="ok") == 1
    assert delta("coach_llm_calls_total", outcome="unavailable") == 1
    assert delta("coach_rate_limited_responses_total", service="llm") == 2
    assert delta("coach_unhandled_errors_total", place="bot.metrics_test") == 1


async def test_reminders_due_sent_and_skipped(db: Database, scrape: Callable[[], object]) -> None:
    people = People(db)
    await people.client(checkin_time="09:00")
    checked_in = await people.client(checkin_time="09:00")
    clock = Clock(utc(2026, 11, 24, 8, 0))
    component = ReminderScheduler(db, clock=clock)
    await component.plan()
    await people.check_in(checked_in, utc(2026, 11, 24, 7, 30))
    clock.now = utc(2026, 11, 24, 9, 0) + timedelta(seconds=30)
    _, before = await scrape()  # type: ignore[misc]
    assert await component.dispatch() == 2
    _, after = await scrape()  # type: ignore[misc]

    def delta(status: str) -> float:
        return value(after, "coach_reminders_total", status=status) - value(
            before, "coach_reminders_total", status=status
        )

    assert (delta("due"), delta("sent"), delta("skipped")) == (2, 1, 1)


def test_the_error_counter_survives_the_console_log_file(tmp_path: object) -> None:
    from pathlib import Path

    from bot.console.component import log_to_file
    from bot.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO", "text", io.StringIO())
        log_to_file(Path(str(tmp_path)) / "coach.log")
        assert any(isinstance(h, ErrorCounter) for h in root.handlers)
    finally:
        for handler in root.handlers:
            if handler not in saved[0]:
                handler.close()
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


def test_the_grafana_dashboard_uses_only_served_metrics() -> None:
    import json
    import re
    from pathlib import Path

    dashboard = json.loads((Path(__file__).parents[2] / "deploy/grafana/stripe-coach.json").read_text())
    used = {
        re.sub(r"_(total|bucket|sum|count)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"coach_[a-z_]+", target["expr"])
    }
    assert used == set(FAMILIES)  # every metric has a panel, and every panel a real metric


def test_the_readme_lists_every_system_metric() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for name, kind in FAMILIES.items():
        listed = f"`{name}_total" if kind == "counter" else f"`{name}"
        assert listed in readme, name
