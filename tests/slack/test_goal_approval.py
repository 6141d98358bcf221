"""Coach-first review of AI goals: the ideas go to the coach in Slack, who approves, edits or dismisses
each; the client sees only the approved ones."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from conversations.engine import ConversationEngine
from domain.models import AuditEvent, Client, Coach, Goal, OutboundMessage
from domain.models.enums import GoalStatus
from domain.services import coaches, enrollments
from domain.services.clients import set_client_locale
from integrations.llm.insights import InsightsService
from tests.conversations.conftest import Chat
from tests.slack.conftest import COACH_USER, STRANGER, TEAM_ID, SlackHarness, add_client

CLIENT_USER = "555001"


@pytest.fixture
async def client_chat(harness: SlackHarness, coach: Coach) -> AsyncIterator[tuple[Client, Chat]]:
    """A Telegram client of the coach, in a program whose AI goals need approval, talking to an
    engine that suggests (computed) goals."""
    client = await add_client(harness.db, coach, "Gia Goal", user=CLIENT_USER)
    async with harness.db.unit_of_work() as session:
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Guided", price_minor=0, currency="usd", goals_need_approval=True
        )
        await coaches.publish_program(session, program.id)
        await enrollments.enroll(session, client_id=client.id, program_id=program.id)
    engine = ConversationEngine(harness.db, goal_suggester=InsightsService(harness.db))
    await engine.start()
    try:
        yield client, Chat(engine, CLIENT_USER, platform="telegram")
    finally:
        await engine.stop()


async def ask_for_ideas(chat: Chat) -> None:
    await chat.send("/goals")
    await chat.send("suggest")


async def proposed(harness: SlackHarness) -> list[Goal]:
    async with harness.db.sessions() as session:
        rows = await session.scalars(select(Goal).where(Goal.status == GoalStatus.PROPOSED).order_by(Goal.id))
        return list(rows)


async def goal_named(harness: SlackHarness, text: str) -> Goal:
    async with harness.db.sessions() as session:
        # Goal texts are encrypted at rest (randomised): found by their plain text in Python.
        goal = next((g for g in (await session.scalars(select(Goal))).all() if g.text == text), None)
    assert goal is not None
    return goal


async def client_messages(harness: SlackHarness, client: Client) -> list[str]:
    async with harness.db.sessions() as session:
        rows = (
            await session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.chat_id == CLIENT_USER)
                .order_by(OutboundMessage.id)
            )
        ).all()
    return [str(r.payload.get("text")) for r in rows]


async def notices(
    harness: SlackHarness, count: int = 3, title: str = "uggested goal"
) -> list[dict[str, Any]]:
    """The goal review notices, once ``count`` were posted (Slack allows about one per second)."""
    for _ in range(100):
        await harness.deliver_outbox()
        posts = [p for p in harness.api.of("chat.postMessage") if title in str(p.get("text"))]
        if len(posts) >= count:
            return posts
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} goal review notices expected, {len(posts)} posted")


async def speaks(harness: SlackHarness, coach: Coach, locale: str) -> None:
    async with harness.db.unit_of_work() as session:
        row = await session.get(Coach, coach.id)
        assert row is not None
        row.locale = locale


def buttons(post: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {e["text"]["text"]: e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]}


async def submit_view(harness: SlackHarness, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": COACH_USER},
        "api_app_id": "A0000001",
        "trigger_id": "trigger.view",
        "view": {
            **view,
            "id": "VEDIT",
            "state": {"values": values},
        },
    }
    response = await harness.post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert response.status == 200
    return json.loads(harness.last_body) if harness.last_body else {}


def form(text: str, target: str, unit: str, due: str | None) -> dict[str, Any]:
    return {
        "goal_text": {"value": {"type": "plain_text_input", "value": text}},
        "goal_target": {"value": {"type": "plain_text_input", "value": target}},
        "goal_unit": {"value": {"type": "plain_text_input", "value": unit}},
        "goal_due": {"value": {"type": "datepicker", "selected_date": due}},
    }


async def test_ideas_go_to_the_coach_first_and_only_approved_ones_reach_the_client(
    harness: SlackHarness, coach: Coach, client_chat: tuple[Client, Chat]
) -> None:
    client, chat = client_chat
    await ask_for_ideas(chat)
    assert "Your coach will look at them first" in chat.text
    assert not [b for r in chat.last for b in r.all_buttons]  # no AI text for the client yet
    ideas = await proposed(harness)
    assert len(ideas) == 3
    assert await client_messages(harness, client) == []

    # Asking again while the coach has not decided sends the coach nothing new.
    await ask_for_ideas(chat)
    assert "still looking at the goal ideas" in chat.text
    assert len(await proposed(harness)) == 3

    posts = await notices(harness)
    assert len(posts) == 3
    post = posts[0]
    assert "Gia Goal" in post["blocks"][0]["text"]["text"] and ideas[0].text in post["text"]
    assert post["text"].startswith("Suggested goal (computed, not AI) for Gia Goal")
    assert set(buttons(post)) == {"Approve", "Edit", "Dismiss"}
    approve = buttons(post)["Approve"]
    message = {"ts": "1700000000.000042", "text": post["text"], "blocks": post["blocks"]}

    # A stranger is refused and audited; the goal stays waiting.
    await harness.action(approve["action_id"], approve["value"], user=STRANGER, message=message)
    (refusal,) = await harness.api.wait_for("chat.postEphemeral")
    assert "only for coaches" in refusal["text"]
    assert (await goal_named(harness, ideas[0].text)).status == GoalStatus.PROPOSED
    async with harness.db.sessions() as session:
        assert await session.scalar(select(AuditEvent.id).where(AuditEvent.action == "slack.refused"))

    # Another linked coach is not this client's coach: refused too.
    async with harness.db.unit_of_work() as session:
        await coaches.create_coach(session, name="Other", email="o@example.com", slack_user_id="UOTHER1")
    await harness.action(approve["action_id"], approve["value"], user="UOTHER1", message=message)
    refusals = await harness.api.wait_for("chat.postEphemeral", 2)
    assert "isn't one of yours" in refusals[-1]["text"]
    assert (await goal_named(harness, ideas[0].text)).status == GoalStatus.PROPOSED

    await harness.action(approve["action_id"], approve["value"], message=message)
    (updated,) = await harness.api.wait_for("chat.update")
    assert "offered to the client" in updated["text"] and all(
        b["type"] != "actions" for b in updated["blocks"]
    )
    assert (await goal_named(harness, ideas[0].text)).status == GoalStatus.SUGGESTED
    offer = f"Your coach suggests a goal for you: '{ideas[0].text}'. Want to take it on?"
    assert await client_messages(harness, client) == [offer]

    # A second press (double click, or another device) changes nothing and tells the client once.
    await harness.action(approve["action_id"], approve["value"], message=message)
    ephemerals = await harness.api.wait_for("chat.postEphemeral", 3)
    assert "no longer waiting" in ephemerals[-1]["text"]
    assert len(await client_messages(harness, client)) == 1

    # The client takes the offered goal with its button; it becomes their active goal.
    async with harness.db.sessions() as session:
        row = await session.scalar(select(OutboundMessage).where(OutboundMessage.chat_id == CLIENT_USER))
    assert row is not None
    [[button]] = row.payload["buttons"]
    assert button["label"] == "Add this goal"
    await chat.send(payload=button["payload"])
    assert f"Added your goal: '{ideas[0].text}'" in chat.text
    assert (await goal_named(harness, ideas[0].text)).status == GoalStatus.ACTIVE


async def test_an_approved_goal_reaches_a_german_client_in_german(
    harness: SlackHarness, coach: Coach, client_chat: tuple[Client, Chat]
) -> None:
    """The coach approves in English; the client, who switched to German, is offered the goal (its
    words as approved) in German, and its German button adds it."""
    client, chat = client_chat
    await ask_for_ideas(chat)
    async with harness.db.unit_of_work() as session:
        await set_client_locale(session, client.id, "de")
    [idea, *_] = await proposed(harness)
    approve = buttons((await notices(harness))[0])["Approve"]
    await harness.action(
        approve["action_id"], approve["value"], message={"ts": "1700000000.000045", "text": ""}
    )
    (updated,) = await harness.api.wait_for("chat.update")
    assert "offered to the client" in updated["text"]  # the coach's own language
    assert await client_messages(harness, client) == [
        f"Dein Coach schlägt dir ein Ziel vor: „{idea.text}“. Möchtest du es dir vornehmen?"
    ]
    async with harness.db.sessions() as session:
        row = await session.scalar(select(OutboundMessage).where(OutboundMessage.chat_id == CLIENT_USER))
    assert row is not None
    [[button]] = row.payload["buttons"]
    assert button["label"] == "Dieses Ziel übernehmen"
    await chat.send(payload=button["payload"])
    assert f"Dein Ziel wurde hinzugefügt: „{idea.text}“." in chat.text
    assert (await goal_named(harness, idea.text)).status == GoalStatus.ACTIVE


async def test_a_dismissed_idea_never_reaches_the_client(
    harness: SlackHarness, coach: Coach, client_chat: tuple[Client, Chat]
) -> None:
    client, chat = client_chat
    await ask_for_ideas(chat)
    [first, *_] = await proposed(harness)
    post = (await notices(harness))[0]
    dismiss = buttons(post)["Dismiss"]
    await harness.action(
        dismiss["action_id"], dismiss["value"], message={"ts": "1700000000.000044", "text": ""}
    )
    (updated,) = await harness.api.wait_for("chat.update")
    assert "Dismissed" in updated["text"]
    assert (await goal_named(harness, first.text)).status == GoalStatus.ARCHIVED
    assert await client_messages(harness, client) == []
    async with harness.db.sessions() as session:
        assert await session.scalar(select(AuditEvent.id).where(AuditEvent.action == "goal.dismissed"))
    # The client cannot take it either, even with a forged button.
    await chat.send(payload=f"/goals accept:{first.id}")
    assert "no longer available" in chat.text


async def test_the_coach_edits_in_a_modal_with_validation(
    harness: SlackHarness, coach: Coach, client_chat: tuple[Client, Chat]
) -> None:
    client, chat = client_chat
    await ask_for_ideas(chat)
    label = (await proposed(harness))[1].text
    post = (await notices(harness))[1]
    edit = buttons(post)["Edit"]
    await harness.action(edit["action_id"], edit["value"], message={"ts": "1700000000.000043", "text": ""})
    (opened,) = await harness.api.wait_for("views.open")
    view = opened["view"]
    assert isinstance(view, dict) and view["callback_id"] == "goal_edit_view"
    prefilled = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert prefilled["goal_text"]["initial_value"] == label

    answer = await submit_view(harness, view, form("Walk daily", "lots", "walks", None))
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"goal_target", "goal_due"}
    answer = await submit_view(harness, view, form("Walk daily", "4", "walks per week", "2020-01-01"))
    assert answer["response_action"] == "errors" and "due date" in answer["errors"]["goal_due"]
    assert (await goal_named(harness, label)).status == GoalStatus.PROPOSED

    answer = await submit_view(
        harness, view, form("Walk 20 minutes daily", "4", "walks per week", "2099-01-01")
    )
    assert "within 26 weeks" in answer["errors"]["goal_due"]
    answer = await submit_view(
        harness, view, form("Walk 20 minutes daily", "4", "walks per week", "2027-01-15")
    )
    assert answer == {}
    goal = await goal_named(harness, "Walk 20 minutes daily")
    assert (goal.status, goal.target, goal.unit, goal.due_date.isoformat() if goal.due_date else None) == (
        GoalStatus.SUGGESTED,
        4,
        "walks per week",
        "2027-01-15",
    )
    assert await client_messages(harness, client) == [
        "Your coach suggests a goal for you: 'Walk 20 minutes daily'. Want to take it on?"
    ]
    (updated,) = await harness.api.wait_for("chat.update")
    assert "Edited" in updated["text"]


async def test_the_coach_asks_for_goal_ideas_for_a_client(harness: SlackHarness, coach: Coach) -> None:
    """`/coach goals <client>`: ideas for any client go to the coach first, whatever the program."""
    client = await add_client(harness.db, coach, "Hal Idea", user="555002")
    harness.bot.commands.goal_ideas = InsightsService(harness.db)
    before = len(harness.api.of("response_url"))
    assert (await harness.command("goals Hal Idea")).status == 200
    answers = await harness.api.wait_for("response_url", before + 1)
    assert "3 goal ideas for Hal Idea are on their way" in json.dumps(answers[-1]["blocks"])
    ideas = await proposed(harness)
    assert len(ideas) == 3 and {g.client_id for g in ideas} == {client.id}
    posts = await notices(harness)
    assert all(set(buttons(p)) == {"Approve", "Edit", "Dismiss"} for p in posts)
    async with harness.db.sessions() as session:
        sent = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.chat_id == "555002"))
        ).all()
    assert sent == []  # nothing reaches the client before the coach approves

    # Asking again while those wait adds nothing.
    assert (await harness.command("goals Hal Idea")).status == 200
    answers = await harness.api.wait_for("response_url", before + 2)
    assert "still waiting for your review" in json.dumps(answers[-1]["blocks"])
    assert len(await proposed(harness)) == 3

    # A client of another coach is out of reach.
    async with harness.db.unit_of_work() as session:
        other = await coaches.create_coach(session, name="Other", email="o@example.com")
    await add_client(harness.db, other, "Zed Elsewhere", user="555003")
    assert (await harness.command("goals Zed Elsewhere")).status == 200
    answers = await harness.api.wait_for("response_url", before + 3)
    assert "None of your clients is called" in json.dumps(answers[-1]["blocks"])


async def test_a_german_coach_reviews_goal_ideas_in_german(
    harness: SlackHarness, coach: Coach, client_chat: tuple[Client, Chat]
) -> None:
    """The idea's words stay as written; the sentence around them, the title and buttons are German."""
    await speaks(harness, coach, "de")
    _, chat = client_chat
    await ask_for_ideas(chat)
    ideas = await proposed(harness)
    posts: list[dict[str, Any]] = []
    for _ in range(100):
        await harness.deliver_outbox()
        posts = [p for p in harness.api.of("chat.postMessage") if "Zielvorschlag" in str(p.get("text"))]
        if posts:
            break
        await asyncio.sleep(0.05)
    assert posts, "no goal review notice posted"
    goal = next(g for g in ideas if g.text in posts[0]["text"])
    expected = f"Zielvorschlag (berechnet, nicht KI) für Gia Goal: {goal.text}"
    if goal.target:
        expected += f" (Zielwert {goal.target:g} {goal.unit or ''}".rstrip().replace(".", ",") + ")"
    if goal.due_date:
        expected += f", fällig am {goal.due_date.isoformat()}"
    assert posts[0]["text"] == expected, posts[0]["text"]
    assert posts[0]["blocks"][0]["text"]["text"].startswith("*🎯 ")
    assert set(buttons(posts[0])) == {"Freigeben", "Bearbeiten", "Verwerfen"}


async def test_a_german_coachs_edit_is_refused_in_german(
    harness: SlackHarness, coach: Coach, client_chat: tuple[Client, Chat]
) -> None:
    """The domain's own check of an edited idea (the due date's horizon) answers in the coach's language."""
    await speaks(harness, coach, "de")
    _, chat = client_chat
    await ask_for_ideas(chat)
    post = (await notices(harness, 1, title="Zielvorschlag"))[0]
    edit = buttons(post)["Bearbeiten"]
    await harness.action(edit["action_id"], edit["value"], message={"ts": "1700000000.000044", "text": ""})
    (opened,) = await harness.api.wait_for("views.open")
    view = opened["view"]
    answer = await submit_view(
        harness, view, form("Walk 20 minutes daily", "4", "walks per week", "2099-01-01")
    )
    assert answer["errors"] == {"goal_due": "Das Fälligkeitsdatum muss innerhalb von 26 Wochen liegen."}
