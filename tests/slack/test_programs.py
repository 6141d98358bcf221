"""Programs in Slack: ``/coach programs`` with their figures, and a client's program progress in
``/coach clients``, ``/coach client`` and App Home."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from conversations.flows.program import render_completion, render_step
from domain.clock import utcnow
from domain.models import Client, Coach, EnrollmentProgress
from domain.program_delivery import deliver_due_steps
from domain.services import enrollments
from domain.services import program_versions as versions
from domain.services.coaches import create_program
from tests.programs.example import EXAMPLE, INTERVALS_PDF
from tests.slack.conftest import COACH_DM, COACH_USER, SlackHarness, add_client
from tests.slack.test_coach_language import speaks
from tests.slack.test_commands import all_text, run


async def enrolled_ann(harness: SlackHarness, coach: Coach) -> None:
    ann = await add_client(harness.db, coach, "Ann <Lee>")
    now = utcnow()
    async with harness.db.unit_of_work() as session:
        imported = await versions.import_program(
            session,
            EXAMPLE.replace("price: 49.00", "price: 0"),
            coach_id=coach.id,
            files={"files/intervals.pdf": INTERVALS_PDF},
        )
        await versions.publish(session, imported.program_id)
        enrollment = await enrollments.enroll(session, client_id=ann.id, program_id=imported.program_id)
        enrollment.activated_at = now - timedelta(days=1)
        # Steps go out at the client's check-in time; at midnight it has passed whatever the hour
        # the test runs (at 09:00 a run before nine delivered nothing).
        client = await session.get(Client, ann.id)
        assert client is not None
        client.checkin_time = "00:00"
    async with harness.db.unit_of_work() as session:
        await deliver_due_steps(
            session, now=now, render_step=render_step, render_completion=render_completion
        )


async def test_programs_lists_each_program_with_its_figures(harness: SlackHarness, coach: Coach) -> None:
    await enrolled_ann(harness, coach)
    text = all_text(await run(harness, "programs"))
    assert "*Couch to 5K* — published · version 1 (published)" in text
    assert "1 enrolled · 1 active · 0 completed · completion 0 %" in text
    assert "/coach programs" in all_text(await run(harness, "help"))


async def test_a_clients_progress_shows_in_the_roster_the_card_and_app_home(
    harness: SlackHarness, coach: Coach
) -> None:
    await enrolled_ann(harness, coach)
    line = "📘 Couch to 5K · day 2 of 42 · steps 1/2 delivered · tasks 0/3"
    roster = all_text(await run(harness, "clients"))
    assert line in roster and "Ann &lt;Lee&gt;" in roster
    assert line in all_text(await run(harness, "client Ann"))
    await harness.event({"type": "app_home_opened", "user": COACH_USER, "channel": COACH_DM, "tab": "home"})
    (published,) = await harness.api.wait_for("views.publish")
    assert line in json.dumps(published["view"]["blocks"], ensure_ascii=False)


async def test_a_button_moves_clients_on_an_older_version_to_the_newest(
    harness: SlackHarness, coach: Coach
) -> None:
    await enrolled_ann(harness, coach)
    async with harness.db.unit_of_work() as session:
        v2 = EXAMPLE.replace("price: 49.00", "price: 0").replace("## Day 3:", "## Day 2:")
        await versions.import_program(
            session, v2, coach_id=coach.id, files={"files/intervals.pdf": INTERVALS_PDF}
        )
        await versions.publish(session, 1, note="Intervals a day earlier")
    answer = await run(harness, "programs")
    [program] = [b for b in answer["blocks"] if "accessory" in b]
    assert (
        program["accessory"]["text"]["text"] == "Move 1 to version 2"
        and program["accessory"]["value"] == "1:2"
    )
    before = len(harness.api.of("response_url"))
    await harness.action(
        "migrate_program", "1:2", message={"ts": "1700000000.000100", "blocks": answer["blocks"]}
    )
    moved = (await harness.api.wait_for("response_url", before + 1))[-1]
    assert "1 client(s) of Couch to 5K moved to version 2; 1 told what changed." in all_text(moved)
    async with harness.db.unit_of_work() as session:
        progress = await session.scalar(select(EnrollmentProgress))
        assert progress is not None and progress.version_id == (await versions.get_version(session, 1, 2)).id
    assert "accessory" not in json.dumps((await run(harness, "programs"))["blocks"])
    # Someone who is not a coach cannot press it.
    before = len(harness.api.of("response_url"))
    await harness.action("migrate_program", "1:1", user="USTRANGER", message={"ts": "1700000000.000200"})
    refused = (await harness.api.wait_for("response_url", before + 1))[-1]
    assert refused["text"].startswith("Sorry, this is only for coaches linked to this workspace.")


async def test_a_german_coach_is_told_in_german_why_nothing_moved_or_no_link_went_out(
    harness: SlackHarness, coach: Coach
) -> None:
    await enrolled_ann(harness, coach)
    async with harness.db.unit_of_work() as session:
        await versions.import_program(  # version 2, still a draft
            session,
            EXAMPLE.replace("price: 49.00", "price: 0"),
            coach_id=coach.id,
            files={"files/intervals.pdf": INTERVALS_PDF},
        )
        await create_program(  # never published
            session, coach_id=coach.id, name="Strength 8 weeks", price_minor=4900, currency="usd"
        )
    before = len(harness.api.of("response_url"))
    await harness.action("migrate_program", "1:2", message={"ts": "1700000000.000100"})
    english = (await harness.api.wait_for("response_url", before + 1))[-1]
    assert english["text"] == "Nothing moved: version 2 is a draft: publish it first"
    link = all_text(await run(harness, "paylink Ann Strength 8 weeks"))
    assert "Can't send a payment link: program 'Strength 8 weeks' is not published yet." in link

    await speaks(harness, coach, "de")
    before = len(harness.api.of("response_url"))
    await harness.action("migrate_program", "1:2", message={"ts": "1700000000.000200"})
    german = (await harness.api.wait_for("response_url", before + 1))[-1]
    assert german["text"] == "Nichts umgestellt: Version 2 ist ein Entwurf: veröffentliche sie zuerst"
    link = all_text(await run(harness, "paylink Ann Strength 8 weeks"))
    assert "Zahlungslink nicht gesendet: Programm 'Strength 8 weeks' ist noch nicht veröffentlicht." in link
