"""``/coach support`` over signed HTTP: a coach asks the admins, an admin answers from Slack, the coach
answers back, and a closed request takes no replies; texts are escaped for mrkdwn."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from domain.models import Coach, SupportTicket
from domain.models.enums import CoachRole
from domain.services.coaches import create_coach
from tests.slack.conftest import SlackHarness, add_client

ADMIN_USER = "UADMIN01"


async def run(harness: SlackHarness, text: str, user: str | None = None) -> str:
    before = len(harness.api.of("response_url"))
    response = await (harness.command(text, user=user) if user else harness.command(text))
    assert response.status == 200
    answers = await harness.api.wait_for("response_url", before + 1)
    return json.dumps(answers[-1]["blocks"], ensure_ascii=False)


async def statuses(harness: SlackHarness) -> list[tuple[int, str, int | None]]:
    async with harness.db.sessions() as s:
        return [(t.id, t.status, t.coach_id) for t in (await s.scalars(select(SupportTicket))).all()]


async def posted(harness: SlackHarness) -> list[dict[str, Any]]:
    await harness.deliver_outbox()
    return harness.api.of("chat.postMessage")


async def test_a_coach_asks_and_an_admin_answers_in_slack(harness: SlackHarness, coach: Coach) -> None:
    async with harness.db.unit_of_work() as s:
        await create_coach(
            s, name="Ida Admin", email="ida@example.com", slack_user_id=ADMIN_USER, role=CoachRole.ADMIN
        )
    answer = await run(harness, "support The export <!channel> button <https://evil.example|does nothing>")
    assert "Support request #1 is open" in answer
    assert await statuses(harness) == [(1, "open", coach.id)]
    notice = json.dumps((await posted(harness))[-1]["blocks"], ensure_ascii=False)
    assert "New support request #1 from coach" in notice
    assert "&lt;!channel&gt;" in notice and "<!channel>" not in notice and "<https://evil" not in notice

    listing = await run(harness, "support", user=ADMIN_USER)
    assert "Open support requests" in listing and "#1" in listing and "&lt;!channel&gt;" in listing
    assert "on its way" in await run(
        harness, "support reply 1 Use the Programs page for now.", user=ADMIN_USER
    )
    assert await statuses(harness) == [(1, "answered", coach.id)]
    told = json.dumps((await posted(harness))[-1]["blocks"], ensure_ascii=False)
    assert "Support replied on your request #1" in told and "Use the Programs page" in told

    assert "went to the admins" in await run(harness, "support reply 1 Thanks, that works.")
    assert await statuses(harness) == [(1, "open", coach.id)]
    mine = await run(harness, "support")
    assert "Your support requests" in mine and "Thanks, that works." in mine

    assert "closed" in await run(harness, "support close 1", user=ADMIN_USER)
    refused = await run(harness, "support reply 1 one more thing")
    assert "is closed, so it takes no more replies" in refused
    assert "is closed, so it takes no more replies" in await run(
        harness, "support reply 1 late", user=ADMIN_USER
    )


async def test_bad_input_and_other_peoples_requests(harness: SlackHarness, coach: Coach) -> None:
    async with harness.db.unit_of_work() as s:
        other = await create_coach(s, name="Otto", email="otto@example.com", slack_user_id="UOTTO01")
    await add_client(harness.db, coach, "Ann Lee")
    assert "None." in await run(harness, "support")
    assert "Which request?" in await run(harness, "support reply")
    assert "Which request?" in await run(harness, "support close abc")
    assert "What is your reply?" in await run(harness, "support reply 1")
    assert "Support request #1 is open" in await run(
        harness, "support Where are my invoices?", user="UOTTO01"
    )
    assert "no support request #1 of yours" in await run(harness, "support reply 1 I am not an admin")
    assert "no support request #1 of yours" in await run(harness, "support close 1")
    assert "at most 4000 characters" in await run(harness, "support " + "x" * 4001)
    assert await statuses(harness) == [(1, "open", other.id)]
    assert "/coach support" in await run(harness, "help")


async def test_russian_readers_get_refusals_and_requesters_in_russian(
    harness: SlackHarness, coach: Coach
) -> None:
    async with harness.db.unit_of_work() as s:
        admin = await create_coach(
            s, name="Ida Admin", email="ida@example.com", slack_user_id=ADMIN_USER, role=CoachRole.ADMIN
        )
    # Only an unprintable character: nothing is left of the message once it is cleaned.
    assert "a support message needs some text" in await run(harness, "support \x07")
    assert "Support request #1 is open" in await run(harness, "support The export button does nothing")
    assert f"coach {coach.id} (" in await run(harness, "support", user=ADMIN_USER)
    async with harness.db.unit_of_work() as s:
        for coach_id in (coach.id, admin.id):
            row = await s.get(Coach, coach_id)
            assert row is not None
            row.locale = "ru"

    refused = await run(harness, "support \x07")
    assert (
        "в обращении в поддержку должен быть текст. `/coach support" in refused
        and "needs some text" not in refused
    )
    listing = await run(harness, "support", user=ADMIN_USER)
    assert f"коуч {coach.id} (" in listing and f"coach {coach.id} (" not in listing
