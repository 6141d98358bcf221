"""``/coach settings``: the coach's digest time, cadence and timezone, in Block Kit, a modal or one line."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.clock import ensure_utc
from domain.models import Coach, Reminder
from tests.slack.conftest import COACH_USER, STRANGER, SlackHarness
from tests.slack.test_commands import all_text, run
from tests.support.slack_api import TEAM_ID


async def saved_coach(harness: SlackHarness, coach: Coach) -> Coach:
    async with harness.db.sessions() as session:
        found = await session.get(Coach, coach.id)
    assert found is not None
    return found


async def submit(
    harness: SlackHarness, view: dict[str, Any], values: dict[str, Any], *, user: str = COACH_USER
) -> dict[str, Any]:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0000001",
        "trigger_id": "trigger.view",
        "view": {**view, "id": "VSET", "state": {"values": values}},
    }
    response = await harness.post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert response.status == 200
    return json.loads(harness.last_body) if harness.last_body else {}


def form(time: str, cadence: str | None, zone: str) -> dict[str, Any]:
    option = {"value": cadence, "text": {"type": "plain_text", "text": cadence}} if cadence else None
    return {
        "digest_time": {"value": {"type": "plain_text_input", "value": time}},
        "digest_cadence": {"value": {"type": "static_select", "selected_option": option}},
        "digest_timezone": {"value": {"type": "plain_text_input", "value": zone}},
    }


async def test_settings_show_and_edit_in_a_modal(harness: SlackHarness, coach: Coach) -> None:
    shown = await run(harness, "settings")
    text = all_text(shown)
    assert "08:00" in text and "daily" in text and "UTC" in text
    edit = next(e for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert edit["text"]["text"] == "Edit"

    await harness.action(edit["action_id"], edit["value"], message={"ts": "1700000000.000001", "text": ""})
    (opened,) = await harness.api.wait_for("views.open")
    view = opened["view"]
    assert view["callback_id"] == "coach_settings_view"
    prefilled = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert prefilled["digest_time"]["initial_value"] == "08:00"
    assert prefilled["digest_cadence"]["initial_option"]["value"] == "daily"

    # Bad input keeps the modal open, with the error under each wrong field; nothing is saved.
    answer = await submit(harness, view, form("quarter past lunch", None, "Atlantis"))
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"digest_time", "digest_cadence", "digest_timezone"}
    assert "08:00" in answer["errors"]["digest_time"]
    assert (await saved_coach(harness, coach)).digest_time == "08:00"

    answer = await submit(harness, view, form("7:30pm", "daily", "Berlin"))
    assert answer == {}
    saved = await saved_coach(harness, coach)
    assert (saved.digest_time, saved.digest_cadence, saved.timezone) == ("19:30", "daily", "Europe/Berlin")
    (confirmation,) = await harness.api.wait_for("chat.postMessage")
    assert confirmation["channel"] == COACH_USER and "19:30" in confirmation["text"]
    # The pending digest follows the change at once.
    async with harness.db.sessions() as session:
        pending = (await session.scalars(select(Reminder).where(Reminder.coach_id == coach.id))).all()
    assert pending, "a digest is planned for the coach"
    berlin = ZoneInfo("Europe/Berlin")
    assert {ensure_utc(r.due_at).astimezone(berlin).strftime("%H:%M") for r in pending} == {"19:30"}


async def test_settings_in_one_line(harness: SlackHarness, coach: Coach) -> None:
    answer = await run(harness, "settings digest 8am weekdays New York")
    assert "Saved" in all_text(answer)
    saved = await saved_coach(harness, coach)
    assert (saved.digest_time, saved.digest_cadence, saved.timezone) == (
        "08:00",
        "weekdays",
        "America/New_York",
    )

    answer = await run(harness, "settings digest 25:99 weekly Europe/Berlin")
    assert "08:00" in all_text(answer) and "Saved" not in all_text(answer)
    answer = await run(harness, "settings digest 08:00 Europe/Berlin")
    assert "/coach settings digest 08:00 weekly Europe/Berlin" in all_text(answer)
    assert (await saved_coach(harness, coach)).timezone == "America/New_York"
    assert "/coach settings" in all_text(await run(harness, "help"))


async def test_settings_refused_for_a_non_coach(harness: SlackHarness, coach: Coach) -> None:
    assert (await harness.command("settings", user=STRANGER)).status == 200
    (answer,) = await harness.api.wait_for("response_url")
    assert "only for coaches" in answer["text"]
    answer = await submit(
        harness,
        {"type": "modal", "callback_id": "coach_settings_view"},
        form("08:00", "daily", "UTC"),
        user=STRANGER,
    )
    assert answer["response_action"] == "errors"
