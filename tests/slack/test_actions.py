"""Alert buttons, App Home and its buttons, over HTTP."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from domain.models import AuditEvent, Coach, CoachThread, OutboundMessage
from domain.services.checkins import record_check_in
from domain.services.clients import set_client_locale
from domain.services.notices import notify_coach
from tests.slack.conftest import COACH_DM, COACH_USER, STRANGER, SlackHarness, add_client


async def _alert(harness: SlackHarness, coach: Coach, client_id: int, key: str) -> dict[str, object]:
    async with harness.db.unit_of_work() as session:
        await notify_coach(
            session,
            coach_id=coach.id,
            kind="low_mood",
            text="Mood 2/10 today",
            client_id=client_id,
            data={"mood": 2},
            dedupe_key=key,
        )
    before = len(harness.api.of("chat.postMessage"))
    await harness.deliver_outbox()
    return (
        harness.api.of("chat.postMessage")[before:][-1]
        if len(harness.api.of("chat.postMessage")) > before
        else {}
    )


def _buttons(post: dict[str, object]) -> dict[str, dict[str, str]]:
    blocks = post["blocks"]
    assert isinstance(blocks, list)
    return {e["text"]["text"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


async def test_alert_buttons_message_snooze_and_open(harness: SlackHarness, coach: Coach) -> None:
    client = await add_client(harness.db, coach, "Lou Low")
    alert = await _alert(harness, coach, client.id, "a1")
    buttons = _buttons(alert)
    message = {"ts": "1700000000.000001", "text": alert["text"], "blocks": alert["blocks"]}

    # Open client: the profile, ephemeral, through the response_url.
    await harness.action(
        buttons["Open client"]["action_id"], buttons["Open client"]["value"], message=message
    )
    (profile,) = await harness.api.wait_for("response_url")
    assert profile["blocks"][0]["text"]["text"] == "Lou Low"

    # Message client: the client's thread is created and the coach is invited to reply there.
    count = len(harness.api.of("chat.postMessage"))
    await harness.action(
        buttons["Message client"]["action_id"], buttons["Message client"]["value"], message=message
    )
    posts = await harness.api.wait_for("chat.postMessage", count + 2)
    root, invite = posts[count:]
    assert invite["thread_ts"] == root.get("ts") or invite["thread_ts"]
    async with harness.db.sessions() as session:
        assert await session.scalar(select(CoachThread.id).where(CoachThread.client_id == client.id))

    # Snooze 1 day: the alert loses its buttons, and the next alert for Lou is not posted.
    await harness.action(
        buttons["Snooze 1 day"]["action_id"], buttons["Snooze 1 day"]["value"], message=message
    )
    (updated,) = await harness.api.wait_for("chat.update")
    assert all(b["type"] != "actions" for b in updated["blocks"]) and "snoozed" in json.dumps(
        updated["blocks"]
    )
    assert await _alert(harness, coach, client.id, "a2") == {}
    async with harness.db.sessions() as session:
        row = await session.scalar(select(OutboundMessage).where(OutboundMessage.dedupe_key == "a2"))
    assert row is not None and row.status == "sent"  # handled: skipped on purpose, not retried


async def test_a_stranger_pressing_an_alert_button_is_refused(harness: SlackHarness, coach: Coach) -> None:
    client = await add_client(harness.db, coach, "Lou Low")
    await harness.action(
        "open_client", str(client.id), user=STRANGER, message={"ts": "1.2", "text": "", "blocks": []}
    )
    (answer,) = await harness.api.wait_for("response_url")
    assert "only for coaches" in answer["text"] and "Lou" not in json.dumps(answer)
    async with harness.db.sessions() as session:
        assert await session.scalar(select(AuditEvent.id).where(AuditEvent.action == "slack.refused"))


async def test_app_home_shows_the_coachs_clients_at_a_glance(harness: SlackHarness, coach: Coach) -> None:
    client = await add_client(harness.db, coach, "Hana Home")
    async with harness.db.unit_of_work() as session:
        await record_check_in(
            session,
            client_id=client.id,
            mood=8,
            energy=7,
            sleep_hours=8,
            adherence="yes",
            source_channel="telegram",
        )
    await harness.event({"type": "app_home_opened", "user": COACH_USER, "channel": COACH_DM, "tab": "home"})
    (published,) = await harness.api.wait_for("views.publish")
    assert published["user_id"] == COACH_USER and published["view"]["type"] == "home"
    text = json.dumps(published["view"]["blocks"], ensure_ascii=False)
    assert "Hana Home" in text and "streak 1" in text and "last check-in today" in text

    # "Open" on the Home tab has no response_url: the profile goes to the coach's DM.
    await harness.action("open_client", str(client.id))
    post = (await harness.api.wait_for("chat.postMessage"))[-1]
    assert post["channel"] == COACH_DM and post["blocks"][0]["text"]["text"] == "Hana Home"

    await harness.event({"type": "app_home_opened", "user": STRANGER, "channel": "DX", "tab": "home"})
    stranger_view = (await harness.api.wait_for("views.publish", 2))[-1]
    assert "Hana" not in json.dumps(stranger_view)


async def test_app_home_of_anyone_else_is_in_their_language(harness: SlackHarness, coach: Coach) -> None:
    """A client reads their Home in the language they chose; someone who is not a client yet in the
    one their Slack is set to (as their first message would be answered); anyone else in English."""
    client = await add_client(harness.db, coach, "Greta Home", platform="slack", user="UGRETA01")
    async with harness.db.unit_of_work() as session:
        await set_client_locale(session, client.id, "de")
    harness.api.locales["UGRETA01"] = "en-US"  # the choice made in the chat wins over Slack's
    harness.api.locales["UNEW0001"] = "ru-RU"

    async def home(user: str, count: int) -> list[dict[str, Any]]:
        await harness.event({"type": "app_home_opened", "user": user, "channel": "DHOME", "tab": "home"})
        view = (await harness.api.wait_for("views.publish", count))[-1]["view"]
        assert view["type"] == "home"
        return list(view["blocks"])

    greta = await home("UGRETA01", 1)
    assert greta[0]["text"]["text"] == "Dein Coaching-Assistent"
    assert "Schreib mir im Tab *Nachrichten*" in json.dumps(greta, ensure_ascii=False)
    newcomer = await home("UNEW0001", 2)
    assert newcomer[0]["text"]["text"] == "Твой коучинг-ассистент"
    stranger = await home(STRANGER, 3)
    assert stranger[0]["text"]["text"] == "Your coaching assistant"
    assert "Send me a message in the *Messages* tab" in json.dumps(stranger)
