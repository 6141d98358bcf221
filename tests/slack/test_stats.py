"""``/coach stats`` and the weekly business summary in Block Kit: figures with the week before, goals
needing attention, definitions as footnotes, and client-written text kept inert."""

from __future__ import annotations

import json
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.transport import SlackTransport
from conversations.i18n import format_day, use_locale
from domain.analytics.weekly import weekly_numbers
from domain.clock import utcnow
from domain.db import Database
from domain.models import Coach, Goal
from domain.services.checkins import record_check_in
from tests.slack.conftest import SlackHarness, add_client
from tests.slack.test_commands import all_text, run
from tests.slack.test_escaping import HOSTILE_NAME, LIVE_MARKUP, markup_fields
from tests.support.slack_api import SlackApiServer


async def _hostile_client_behind_on_a_goal(db: Database, coach: Coach) -> None:
    client = await add_client(db, coach, HOSTILE_NAME, user="5550777")
    async with db.unit_of_work() as session:
        await record_check_in(
            session,
            client_id=client.id,
            mood=6,
            energy=6,
            sleep_hours=7,
            adherence="yes",
            source_channel="telegram",
            at=utcnow() - timedelta(days=2),
        )
        session.add(
            Goal(
                client_id=client.id,
                text="<!channel> run <https://evil.example|far>",
                due_date=(utcnow() - timedelta(days=3)).date(),
                progress=20,
            )
        )


async def test_stats_shows_the_week_with_definitions_and_escapes_clients(
    harness: SlackHarness, coach: Coach
) -> None:
    await _hostile_client_behind_on_a_goal(harness.db, coach)
    answer = await run(harness, "stats")
    text = all_text(answer)
    assert "Your week:" in text and "clients 1/∞ (active / capacity)" in text
    assert "*Active clients* [1]" in text and "1  _(+1 · before 0)_" in text
    assert "[1] Active clients: Clients who checked in at least once in the 14 days" in text
    assert "Goals needing attention" in text and "off track" in text and "at 20 %" in text
    assert not any(LIVE_MARKUP.search(field) for field in markup_fields(answer))
    assert "/coach stats" in all_text(await run(harness, "help"))


async def test_the_weekly_summary_payload_is_rendered_from_the_outbox(
    db: Database, slack_api: SlackApiServer, coach: Coach
) -> None:
    await _hostile_client_behind_on_a_goal(db, coach)
    async with db.unit_of_work() as session:
        payload = (await weekly_numbers(session, coach.id, now=utcnow())).to_dict()
    transport = SlackTransport(AsyncWebClient(token="xoxb-test", base_url=slack_api.base_url), db)
    assert await transport.deliver_payload("UCOACH", payload)
    (post,) = slack_api.of("chat.postMessage")
    assert post["blocks"][0]["type"] == "header" and post["text"].startswith("Your week:")
    assert len([b for b in post["blocks"] if b.get("fields")]) == 1
    assert not any(LIVE_MARKUP.search(field) for field in markup_fields(post))
    # Then the chart of the last eight weeks, with the numbers in words as its alt text.
    assert slack_api.of("upload") and slack_api.of("files.completeUploadExternal")


async def _speaks(db: Database, coach: Coach, locale: str) -> None:
    async with db.unit_of_work() as session:
        row = await session.get(Coach, coach.id)
        assert row is not None
        row.locale = locale


async def test_a_german_coachs_stats_read_in_german(harness: SlackHarness, coach: Coach) -> None:
    await _hostile_client_behind_on_a_goal(harness.db, coach)
    await _speaks(harness.db, coach, "de")
    text = all_text(await run(harness, "stats"))
    assert "Deine Woche:" in text and "Klienten 1/∞ (aktiv / Kapazität) · UTC-Tage" in text
    assert "*Aktive Klienten* [1]" in text and "1  _(+1 · davor 0)_" in text
    assert "*Abgewandert* [3]" in text and "*Check-in-Treue* [5]" in text
    assert "[1] Aktive Klienten: Klienten, die in den 14 Tagen" in text
    # The goal due three days ago: its date and why, the German way; the client's name as written.
    with use_locale("de"):
        due = format_day((utcnow() - timedelta(days=3)).date())
    assert "Ziele, die Aufmerksamkeit brauchen" in text and f"Ziel fällig am {due}: nicht im Plan" in text
    assert "bei 20 %" in text
    assert "Your week" not in text and "Active clients" not in text and "off track" not in text
    assert not any(LIVE_MARKUP.search(field) for field in markup_fields(await run(harness, "stats")))


async def test_a_russian_coachs_weekly_summary_and_its_chart_in_russian(
    db: Database, slack_api: SlackApiServer, coach: Coach
) -> None:
    await _hostile_client_behind_on_a_goal(db, coach)
    await _speaks(db, coach, "ru")
    async with db.unit_of_work() as session:
        payload = (await weekly_numbers(session, coach.id, now=utcnow())).to_dict()
    transport = SlackTransport(AsyncWebClient(token="xoxb-test", base_url=slack_api.base_url), db)
    assert await transport.deliver_payload("UCOACH", payload)
    (post,) = slack_api.of("chat.postMessage")
    assert post["text"].startswith("Ваша неделя:")
    assert "Цели, требующие внимания" in json.dumps(post["blocks"], ensure_ascii=False)
    # Then the chart, its numbers in words (alt text) in Russian too.
    (asked,) = slack_api.of("files.getUploadURLExternal")
    assert str(asked["alt_txt"]).startswith("Casey Coach, недели начиная с ")
    assert "регулярность отметок: " in asked["alt_txt"] and "check-in adherence" not in asked["alt_txt"]


async def test_a_summary_queued_in_english_before_an_upgrade_is_still_delivered(
    db: Database, slack_api: SlackApiServer, coach: Coach
) -> None:
    queued = {
        "type": "business_summary",
        "coach_id": coach.id,
        "rows": [{"metric": "active_clients", "label": "Active clients", "this_week": "1"}],
        "text": "Your week: 2026-11-16 to 2026-11-22\nClients 1/∞",
    }
    transport = SlackTransport(AsyncWebClient(token="xoxb-test", base_url=slack_api.base_url), db)
    assert await transport.deliver_payload("UCOACH", queued)
    (post,) = slack_api.of("chat.postMessage")
    assert post["text"].startswith("Your week: 2026-11-16 to 2026-11-22")
