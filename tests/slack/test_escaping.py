"""Slack markup injection: a hostile client name and note reach the coach as text, never as markup.

Every message kind that carries client-written text is rendered through the real app and its Web API
client, then every ``text`` and mrkdwn field Slack received is searched for live markup.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.slack import blocks
from bot.slack.threads import relay_pending
from conversations.messages import OutgoingMessage
from domain.insights.approval import propose_goals
from domain.insights.goals import GoalProposal
from domain.models import Coach
from domain.services.checkins import record_check_in
from domain.services.coaches import create_program
from domain.services.messages import record_client_message
from domain.services.notices import notify_coach
from tests.slack.conftest import COACH_DM, SlackHarness, add_client
from tests.slack.test_commands import run

HOSTILE_NAME = "Eve <!channel> <@U0COACH> <#C0GENERAL> <https://evil.example|Stripe login> & co"
HOSTILE_NOTE = "call me <!here> <mailto:eve@evil.example|support> <@U0COACH> &amp; <#C1>"
# What Slack would act on: broadcasts, mentions, channel links and <url|label> links.
LIVE_MARKUP = re.compile(r"<[!@#]|<[a-z][a-z0-9+.-]*:[^>]*>", re.IGNORECASE)
SURFACES = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.publish", "response_url")


def markup_fields(value: Any, key: str = "") -> list[str]:
    """Every string Slack parses as markup: top-level ``text`` and mrkdwn objects (not plain_text)."""
    found: list[str] = []
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return found
        for k, v in value.items():
            found.extend(markup_fields(v, k))
    elif isinstance(value, list):
        for item in value:
            found.extend(markup_fields(item, key))
    elif isinstance(value, str) and key == "text":
        found.append(value)
    return found


def test_the_one_escape_neutralises_every_slack_control_character() -> None:
    assert blocks.escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert blocks.fallback("a <b> & c") == "a &lt;b&gt; &amp; c"
    assert not LIVE_MARKUP.search(blocks.escape(HOSTILE_NAME + HOSTILE_NOTE))
    assert LIVE_MARKUP.search(HOSTILE_NAME) and LIVE_MARKUP.search(HOSTILE_NOTE)  # the probe can fail


async def test_every_message_kind_keeps_a_hostile_name_and_note_inert(
    harness: SlackHarness, coach: Coach
) -> None:
    client = await add_client(harness.db, coach, HOSTILE_NAME, user="5550666")
    async with harness.db.unit_of_work() as session:
        await notify_coach(
            session,
            coach_id=coach.id,
            kind="new_client",
            text=f"{HOSTILE_NAME} joined. Note: {HOSTILE_NOTE}",
            client_id=client.id,
            data={"name": HOSTILE_NAME},
        )
        await record_check_in(
            session,
            client_id=client.id,
            mood=2,
            energy=3,
            sleep_hours=5,
            adherence="no",
            source_channel="telegram",
            note=HOSTILE_NOTE,
        )
        await notify_coach(
            session,
            coach_id=coach.id,
            kind="low_mood",
            text=f"{HOSTILE_NAME}: mood 2/10. {HOSTILE_NOTE}",
            client_id=client.id,
            data={"mood": 2, "note": HOSTILE_NOTE},
        )
        await record_client_message(session, client_id=client.id, channel="telegram", text=HOSTILE_NOTE)
        await propose_goals(
            session,
            client.id,
            [GoalProposal(HOSTILE_NOTE, "distance", 5.0, "km", date(2027, 1, 1))],
            ai=False,
        )
    await relay_pending(harness.db)
    for _ in range(8):  # notices, goal idea, thread root and the relayed message
        await harness.deliver_outbox()
    transport = harness.bot.transport
    await transport.deliver_payload(
        "UCOACH01",
        {"type": "coach_digest", "coach_id": coach.id, "text": f"Digest\n‼ {HOSTILE_NAME}: {HOSTILE_NOTE}"},
    )
    await transport.deliver_payload(
        "UCOACH01",
        {
            "type": "coach_digest",
            "title": "Digest",
            "overview": HOSTILE_NOTE,
            "lines": [{"name": HOSTILE_NAME, "status": HOSTILE_NOTE, "flags": [HOSTILE_NOTE]}],
        },
    )
    await transport.deliver("DCLIENT1", OutgoingMessage(text=f"💬 {HOSTILE_NAME}: {HOSTILE_NOTE}"))

    for command in ("clients", "client Eve", "digest", "goals Eve", "remind Eve drink water <!channel>"):
        assert (await harness.command(command)).status == 200
    await harness.api.wait_for("response_url", 5)
    await harness.event({"type": "app_home_opened", "user": "UCOACH01", "channel": COACH_DM, "tab": "home"})
    await harness.api.wait_for("views.publish")
    alert = next(p for p in harness.api.of("chat.postMessage") if "Low mood" in str(p["blocks"]))
    message = {"ts": "1700000000.000009", "text": alert["text"], "blocks": alert["blocks"]}
    posts = len(harness.api.of("chat.postMessage"))
    await harness.action(blocks.ALERT_MESSAGE_CLIENT, str(client.id), message=message, response_url=False)
    await harness.api.wait_for("chat.postMessage", posts + 1)
    await harness.action(
        blocks.ALERT_SNOOZE,
        f'{{"client_id":{client.id},"kind":"low_mood"}}',
        message=message,
        response_url=False,
    )
    await harness.api.wait_for("chat.update")
    await harness.bot.drain()

    fields = [
        text for surface in SURFACES for call in harness.api.of(surface) for text in markup_fields(call)
    ]
    leaks = [text for text in fields if LIVE_MARKUP.search(text)]
    assert leaks == []
    escaped_name = blocks.escape(HOSTILE_NAME)
    assert sum(escaped_name in text for text in fields) >= 10  # the name did reach Slack, escaped
    assert sum(blocks.escape(HOSTILE_NOTE) in text for text in fields) >= 5
    kinds = {call.method for call in harness.api.calls}
    assert {"chat.postMessage", "chat.update", "views.publish", "response_url"} <= kinds


SCRIPTS = {
    "arabic": ("محمد علي <!channel>", "ركبتي تؤلمني <@U0COACH> منذ أمس"),
    "hebrew": ("דנה כהן <!here>", "הברך כואבת לי מאתמול <#C1>"),
    "cjk": ("李小龙 さくら 김민준", "膝が痛い <https://evil.example|登录> 무릎이 아파요"),
}


async def test_names_and_notes_in_any_script_reach_slack_as_written(
    harness: SlackHarness, coach: Coach
) -> None:
    """Escaping touches only ``&``, ``<`` and ``>``: right-to-left and CJK text arrives unchanged."""
    for n, (name, note) in enumerate(SCRIPTS.values()):
        client = await add_client(harness.db, coach, name, user=f"555077{n}")
        async with harness.db.unit_of_work() as session:
            await record_client_message(session, client_id=client.id, channel="telegram", text=note)
    await relay_pending(harness.db)
    for _ in range(10):
        await harness.deliver_outbox()
    fields = [text for call in harness.api.of("chat.postMessage") for text in markup_fields(call)]
    assert [text for text in fields if LIVE_MARKUP.search(text)] == []
    for name, note in SCRIPTS.values():
        assert any(blocks.escape(name) in text for text in fields), name
        assert any(blocks.escape(note) in text for text in fields), note
        plain = re.sub(r"<[^>]*>", "", f"{name} {note}").split()
        assert all(
            any(word in text for text in fields) for word in plain
        )  # every word, codepoint for codepoint


async def test_a_refusal_keeps_what_the_coach_typed_or_named_inert(
    harness: SlackHarness, coach: Coach
) -> None:
    """A refusal's reason can quote a typed segment or a program's name: it reaches Slack escaped,
    once (the reply's own escape covers it; escaped again, the coach would read "&amp;lt;")."""
    await add_client(harness.db, coach, "Ann Lee")
    async with harness.db.unit_of_work() as session:
        await create_program(
            session, coach_id=coach.id, name="Strength <!here>", price_minor=4900, currency="usd"
        )
    answers = [
        await run(harness, "announce --segment <!channel> Hi"),
        await run(harness, "paylink Ann Lee Strength <!here>"),
    ]
    fields = [text for answer in answers for text in markup_fields(answer)]
    assert [text for text in fields if LIVE_MARKUP.search(text)] == []
    assert any("unknown segment '&lt;!channel&gt;'" in text for text in fields), fields
    assert any("'Strength &lt;!here&gt;' is not published" in text for text in fields), fields
