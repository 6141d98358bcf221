"""What waits in the outbox is encrypted at rest: a hostile note a Slack client writes about the bot,
relayed to the admin coach's Slack, their message relayed to the coach, and a coach's sign-in link
are in no table's raw bytes (SQLite ``iterdump``, PostgreSQL ``pg_dump``) while queued or after
sending; the sender decrypts just before sending, so the coach still reads them (escaped)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.slack.threads import relay_pending
from domain.db import Database
from domain.models import OutboundMessage
from domain.models.enums import CoachRole
from domain.services import coaches
from domain.services.sign_in_delivery import queue_sign_in_link
from tests.bot.test_erasure_leaves_nothing import SlackPerson, check_in, dump_database, script_for
from tests.slack.conftest import (  # noqa: F401 - the Slack rig's fixtures
    COACH_USER,
    SlackHarness,
    harness,
    slack_api,
)
from tests.support.chat import play

# Whole phrases with spaces and markup: a Fernet token (url-safe base64) can never hold one.
NOTE = "Eve <!channel> <@U0COACH> <https://evil.example|Stripe login> my knee gave out on the stairs"
SAID = "Coach, <!here> please read: I relapsed after the night shift"
GOAL = "swim 3 km by 2027-06-01"


@pytest.mark.once
async def test_relayed_notes_and_sign_in_links_are_ciphertext_in_every_table(
    db: Database,
    harness: SlackHarness,  # noqa: F811 - the Slack rig's fixture
    tmp_path: Path,
) -> None:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(
            session, name="Ada Coach", email="ada@example.com", slack_user_id=COACH_USER, role=CoachRole.ADMIN
        )
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        await coaches.publish_program(session, program.id)
        invite = coach.invite_code

    client = SlackPerson(harness, "UEVE0001")
    script = script_for("Eve Hostile")
    await client.send(f"/start {invite}")
    await play(client, [GOAL if step.startswith("run 5 km") else step for step in script[1:]])
    await play(client, check_in(NOTE))
    await play(client, ["/feedback", "[About the bot itself]", NOTE])
    await client.send(SAID)
    async with db.unit_of_work() as session:
        assert await queue_sign_in_link(
            session, email="ada@example.com", base_url="https://coach.example", channels=["slack"]
        )
    await relay_pending(db)

    async with db.sessions() as session:
        payloads = [m.payload for m in (await session.scalars(select(OutboundMessage))).all()]
    link = next(p["url_buttons"][0]["url"] for p in payloads if p.get("url_buttons"))
    secrets = [NOTE, SAID, GOAL, "knee gave out", "relapsed after", link, link.rsplit("/", 1)[1]]
    assert any(NOTE in str(p) for p in payloads)  # the services read the payloads in the clear
    queued = await dump_database(db, tmp_path)
    assert [s for s in secrets if s in queued] == []

    for _ in range(20):
        await harness.deliver_outbox()
    posted = str(harness.api.of("chat.postMessage"))
    # Decrypted for sending, escaped in Slack.
    assert link in posted and "&lt;!channel&gt;" in posted and "&lt;!here&gt; please read" in posted
    async with db.sessions() as session:
        unsent = await session.scalar(select(OutboundMessage.id).where(OutboundMessage.sent_at.is_(None)))
    assert unsent is None
    sent = await dump_database(db, tmp_path)
    assert [s for s in secrets if s in sent] == []
