"""Coach feedback on check-ins from Slack: the check-in notice in the client's thread carries 👏 💪 ❤️
and Comment; the client gets it in their own chat, quoting the check-in, exactly once (signed, real
Bolt requests against the local Slack Web API)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from conversations.engine import ConversationEngine
from conversations.i18n import format_day, use_locale
from domain.models import AuditEvent, CheckIn, Client, Coach, CoachFeedback, OutboundMessage
from domain.services import coaches
from domain.services.coach_feedback import COMMENT_MAX_CHARS
from tests.slack.conftest import COACH_USER, STRANGER, TEAM_ID, SlackHarness, add_client
from tests.support.chat import Chat

CLIENT_USER = "555101"
CHECK_IN = ["/checkin", "7", "6", "7.5", "yes", "Legs <b>sore</b>"]


@pytest.fixture
async def checked_in(harness: SlackHarness, coach: Coach) -> AsyncIterator[tuple[Client, CheckIn]]:
    """A Telegram client of the coach who has just checked in."""
    client = await add_client(harness.db, coach, "Kim Kettle", user=CLIENT_USER)
    engine = ConversationEngine(harness.db)
    await engine.start()
    try:
        chat = Chat(engine, CLIENT_USER, platform="telegram")
        for text in CHECK_IN:
            await chat.send(text)
        async with harness.db.sessions() as session:
            check_in = await session.scalar(select(CheckIn))
        assert check_in is not None
        yield client, check_in
    finally:
        await engine.stop()


async def notice(harness: SlackHarness) -> dict[str, Any]:
    """The check-in notice, once the sender posted it (into the client's thread)."""
    for _ in range(100):
        await harness.deliver_outbox()
        posts = [
            p for p in harness.api.of("chat.postMessage") if str(p.get("text")).startswith("Check-in from")
        ]
        if posts:
            return posts[0]
        await asyncio.sleep(0.05)
    raise AssertionError("no check-in notice posted")


def buttons(post: dict[str, Any]) -> dict[str, dict[str, str]]:
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    return {e["text"]["text"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


async def client_texts(harness: SlackHarness) -> list[str]:
    async with harness.db.sessions() as session:
        rows = (
            await session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.chat_id == CLIENT_USER)
                .order_by(OutboundMessage.id)
            )
        ).all()
    return [str(r.payload.get("text")) for r in rows]


async def submit(
    harness: SlackHarness, view: dict[str, Any], text: str, *, view_id: str = "VCOMMENT1"
) -> dict[str, Any]:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": COACH_USER},
        "api_app_id": "A0000001",
        "trigger_id": "trigger.view",
        "view": {
            **view,
            "id": view_id,
            "state": {"values": {"checkin_comment": {"value": {"type": "plain_text_input", "value": text}}}},
        },
    }
    response = await harness.post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert response.status == 200
    return json.loads(harness.last_body) if harness.last_body else {}


async def test_a_reaction_reaches_the_client_once_quoting_the_check_in(
    harness: SlackHarness, coach: Coach, checked_in: tuple[Client, CheckIn]
) -> None:
    _client, check_in = checked_in
    post = await notice(harness)
    assert post.get("thread_ts"), "the notice goes into the client's thread"
    rendered = json.dumps(post["blocks"])
    assert "Kim Kettle" in rendered and "mood 7/10" in rendered and "sleep 7.5 h" in rendered
    assert "&lt;b&gt;sore&lt;/b&gt;" in rendered and "<b>" not in rendered  # the note is escaped
    clap = buttons(post)["👏"]
    assert set(buttons(post)) == {"👏", "💪", "❤️", "Comment"}
    message = {"ts": post.get("ts", "1700000000.000009"), "text": post["text"], "blocks": post["blocks"]}

    # A stranger, then another coach, are refused and audited; nothing reaches the client.
    await harness.action(clap["action_id"], clap["value"], user=STRANGER, message=message)
    (refusal,) = await harness.api.wait_for("chat.postEphemeral")
    assert "only for coaches" in refusal["text"]
    async with harness.db.unit_of_work() as session:
        await coaches.create_coach(session, name="Other", email="o@example.com", slack_user_id="UOTHER1")
    await harness.action(clap["action_id"], clap["value"], user="UOTHER1", message=message)
    refusals = await harness.api.wait_for("chat.postEphemeral", 2)
    assert "isn't one of yours" in refusals[-1]["text"]
    assert await client_texts(harness) == []

    await harness.action(clap["action_id"], clap["value"], message=message)
    sent = await harness.api.wait_for("chat.postEphemeral", 3)
    assert "👏 sent to Kim Kettle" in sent[-1]["text"]
    with use_locale("en"):
        day = format_day(check_in.created_at)
    assert await client_texts(harness) == [
        f"👏 Casey Coach reacted to your check-in of {day} (mood 7/10, energy 6/10, sleep 7.5 h)."
    ]

    # A double click, and Slack re-sending the very same request: nothing is sent again.
    await harness.action(clap["action_id"], clap["value"], message=message)
    again = await harness.api.wait_for("chat.postEphemeral", 4)
    assert "already sent 👏" in again[-1]["text"]
    body = harness.last_request
    assert "checkin_react" in body
    await harness.post(body, "application/x-www-form-urlencoded", headers={"X-Slack-Retry-Num": "1"})
    await harness.api.wait_for("chat.postEphemeral", 5)
    assert len(await client_texts(harness)) == 1

    # Another reaction is another message.
    heart = buttons(post)["❤️"]
    await harness.action(heart["action_id"], heart["value"], message=message)
    await harness.api.wait_for("chat.postEphemeral", 6)
    assert len(await client_texts(harness)) == 2
    async with harness.db.sessions() as session:
        rows = (await session.scalars(select(CoachFeedback).order_by(CoachFeedback.id))).all()
        audit = (
            await session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("coach_feedback.%")))
        ).all()
    assert [(r.reaction, r.source, r.check_in_id) for r in rows] == [
        ("clap", "slack", check_in.id),
        ("heart", "slack", check_in.id),
    ]
    assert audit == ["coach_feedback.reaction", "coach_feedback.reaction"]


async def test_a_comment_opens_a_modal_is_checked_and_sent_once(
    harness: SlackHarness, coach: Coach, checked_in: tuple[Client, CheckIn]
) -> None:
    _client, _check_in = checked_in
    post = await notice(harness)
    comment = buttons(post)["Comment"]
    message = {"ts": "1700000000.000011", "text": post["text"], "blocks": post["blocks"]}
    await harness.action(comment["action_id"], comment["value"], message=message)
    (opened,) = await harness.api.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == "checkin_comment_view"

    # Bad input keeps the modal open with the reason under the field; nothing is sent.
    empty = await submit(harness, view, "   ")
    assert empty["response_action"] == "errors" and "Write a comment" in empty["errors"]["checkin_comment"]
    long = await submit(harness, view, "x" * (COMMENT_MAX_CHARS + 1))
    assert "at most 1000 characters" in long["errors"]["checkin_comment"]
    forged = {**view, "private_metadata": json.dumps({"check_in_id": 999999})}
    refused = await submit(harness, forged, "hello")
    assert "isn't one of yours" in refused["errors"]["checkin_comment"]
    assert await client_texts(harness) == []

    assert await submit(harness, view, "Great sleep, <!channel> keep it up!") == {}
    [text] = await client_texts(harness)
    assert text.startswith("💬 Casey Coach commented on your check-in of ")
    assert text.endswith("(mood 7/10, energy 6/10, sleep 7.5 h):\nGreat sleep, <!channel> keep it up!")
    # Slack re-sends a submission it got no answer to (same view): sent once.
    assert await submit(harness, view, "Great sleep, <!channel> keep it up!") == {}
    assert len(await client_texts(harness)) == 1


async def test_the_client_reads_it_in_their_language(
    harness: SlackHarness, coach: Coach, checked_in: tuple[Client, CheckIn]
) -> None:
    client, _check_in = checked_in
    async with harness.db.unit_of_work() as session:
        row = await session.get(Client, client.id)
        assert row is not None
        row.locale = "de"
    post = await notice(harness)
    muscle = buttons(post)["💪"]
    await harness.action(
        muscle["action_id"], muscle["value"], message={"ts": "1.2", "text": "", "blocks": []}
    )
    await harness.api.wait_for("chat.postEphemeral")
    [text] = await client_texts(harness)
    assert text.startswith("💪 Casey Coach hat auf deinen Check-in vom ")
    assert "Stimmung 7/10, Energie 6/10, Schlaf 7,5 h" in text


async def test_malformed_button_values_are_refused_politely(harness: SlackHarness, coach: Coach) -> None:
    for action_id, value in (
        ("checkin_react", "12:thumbsdown"),
        ("checkin_react", "x:clap"),
        ("checkin_comment", "-1"),
    ):
        await harness.action(action_id, value, message={"ts": "1.3", "text": "", "blocks": []})
    answers = await harness.api.wait_for("chat.postEphemeral", 3)
    assert all("no longer exists" in a["text"] for a in answers)


async def test_a_german_coachs_reaction_answer_and_comment_modal_read_german(
    harness: SlackHarness, coach: Coach, checked_in: tuple[Client, CheckIn]
) -> None:
    async with harness.db.unit_of_work() as session:
        row = await session.get(Coach, coach.id)
        assert row is not None
        row.locale = "de"
    for _ in range(100):
        await harness.deliver_outbox()
        posts = [
            p for p in harness.api.of("chat.postMessage") if str(p.get("text")).startswith("Check-in von")
        ]
        if posts:
            break
        await asyncio.sleep(0.05)
    [post] = posts
    message = {"ts": post.get("ts", "1700000000.000009"), "text": post["text"], "blocks": post["blocks"]}
    clap = buttons(post)["👏"]
    await harness.action(clap["action_id"], clap["value"], message=message)
    (sent,) = await harness.api.wait_for("chat.postEphemeral")
    assert sent["text"] == "👏 an Kim Kettle gesendet."
    await harness.action(clap["action_id"], clap["value"], message=message)
    again = await harness.api.wait_for("chat.postEphemeral", 2)
    assert again[-1]["text"].startswith("Du hast 👏 für diesen Check-in schon gesendet")
    comment = buttons(post)["Kommentieren"]
    await harness.action(comment["action_id"], comment["value"], message=message)
    (opened,) = await harness.api.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["title"]["text"] == "Check-in kommentieren" and view["submit"]["text"] == "Senden"
    assert (
        view["blocks"][0]["elements"][0]["text"]
        == "Kim Kettle erhält ihn im Chat, mit dem Check-in als Zitat."
    )
