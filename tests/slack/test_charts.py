"""``/coach client`` posts the client's 4-week chart into the coach's DM with the app, over real HTTP."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from bot.charts.progress_chart import ENERGY_COLOUR, HEIGHT, MOOD_COLOUR, WIDTH, render_progress_chart
from bot.charts.style import ChartFormat
from domain.clock import utcnow
from domain.db import Database
from domain.insights.series import ClientSeries
from domain.models import Client, Coach
from domain.services.checkins import record_check_in
from domain.services.coaches import create_coach, set_coach_locale
from tests.slack.conftest import COACH_DM, SlackHarness, add_client

UPLOAD_CALLS = ("files.getUploadURLExternal", "upload", "files.completeUploadExternal")


async def profile(harness: SlackHarness, text: str) -> str:
    before = len(harness.api.of("response_url"))
    assert (await harness.command(text)).status == 200
    answer = (await harness.api.wait_for("response_url", before + 1))[-1]
    return json.dumps(answer["blocks"], ensure_ascii=False)


async def check_ins(db: Database, client: Client, days_ago_and_mood: list[tuple[int, int]]) -> None:
    now = utcnow()
    async with db.unit_of_work() as session:
        for days_ago, mood in days_ago_and_mood:
            await record_check_in(
                session,
                client_id=client.id,
                mood=mood,
                energy=6,
                sleep_hours=7,
                adherence="yes",
                source_channel="telegram",
                at=now - timedelta(days=days_ago, minutes=1),
            )


def uploads(harness: SlackHarness) -> list[Any]:
    return list(harness.api.uploads.values())


async def test_the_profile_comes_with_the_chart_uploaded_to_the_coachs_dm(
    harness: SlackHarness, coach: Coach
) -> None:
    ann = await add_client(harness.db, coach, "Ann Lee")
    await check_ins(harness.db, ann, [(20, 8), (19, 8), (9, 6), (2, 4), (1, 3)])
    text = await profile(harness, "client Ann Lee")
    assert "The chart of the last 4 weeks is in your direct messages with me" in text
    [upload] = uploads(harness)
    assert upload.channel == COACH_DM  # where the command was run: the coach's DM with the app
    assert upload.filename.endswith(".png")
    assert upload.alt_txt.startswith("Chart of Ann's daily mood and energy (1–10) and plan adherence")
    assert "5 check-ins on 5 of 28 days" in upload.alt_txt
    assert "mood 3.5/10 (down 4.5 from 8)" in upload.alt_txt and "energy 6/10 (steady)" in upload.alt_txt
    image = Image.open(io.BytesIO(upload.content))
    assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))
    colours = {rgb for _, rgb in image.convert("RGB").getcolors(maxcolors=WIDTH * HEIGHT) or []}
    assert MOOD_COLOUR in colours and ENERGY_COLOUR in colours
    # The upload went through the three steps of files_upload_v2, with the bot token.
    assert [c.method for c in harness.api.calls if c.method in UPLOAD_CALLS] == list(UPLOAD_CALLS)


async def test_one_check_in_gets_a_line_instead_of_a_chart(harness: SlackHarness, coach: Coach) -> None:
    ann = await add_client(harness.db, coach, "Ann Lee")
    await check_ins(harness.db, ann, [(3, 6), (40, 7)])  # the second is older than the four weeks
    text = await profile(harness, "client Ann Lee")
    assert "Not enough check-ins for a chart yet" in text and "Ann Lee" in text
    assert not uploads(harness) and not harness.api.of("files.getUploadURLExternal")


async def test_no_chart_of_another_coachs_client(harness: SlackHarness, coach: Coach) -> None:
    async with harness.db.unit_of_work() as session:
        other = await create_coach(session, name="Other Coach", email="other@example.com")
    zed = await add_client(harness.db, other, "Zed Other")
    await check_ins(harness.db, zed, [(2, 5), (1, 5)])
    assert "None of your clients" in await profile(harness, "client Zed Other")
    assert not uploads(harness)


async def test_a_failed_upload_still_shows_the_profile(harness: SlackHarness, coach: Coach) -> None:
    ann = await add_client(harness.db, coach, "Ann Lee")
    await check_ins(harness.db, ann, [(2, 5), (1, 6)])
    # Slack keeps answering 429 past the client's own retries.
    harness.api.rate_limit("files.getUploadURLExternal", "", retry_after=0, times=5)
    text = await profile(harness, "client Ann Lee")
    assert "couldn't post the chart just now" in text and "Last 2 check-ins" in text
    assert not harness.api.of("files.completeUploadExternal")


async def test_the_chart_is_drawn_in_the_coachs_language(
    harness: SlackHarness, coach: Coach, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str | None] = []

    def render(series: ClientSeries, fmt: ChartFormat = "png", *, locale: str | None = None) -> bytes:
        drawn.append(locale)
        return render_progress_chart(series, fmt, locale=locale)

    monkeypatch.setattr("bot.slack.charts.render_progress_chart", render)
    async with harness.db.unit_of_work() as session:
        await set_coach_locale(session, coach.id, "de")
    ann = await add_client(harness.db, coach, "Ann Lee")
    await check_ins(harness.db, ann, [(9, 6), (2, 4), (1, 3)])
    await profile(harness, "client Ann Lee")
    assert drawn == ["de"] and len(uploads(harness)) == 1


async def test_the_chart_lines_and_title_are_in_the_coachs_language(
    harness: SlackHarness, coach: Coach
) -> None:
    async with harness.db.unit_of_work() as session:
        await set_coach_locale(session, coach.id, "de")
    ann = await add_client(harness.db, coach, "Ann Lee")
    await check_ins(harness.db, ann, [(2, 5), (1, 6)])
    text = await profile(harness, "client Ann Lee")
    assert "📈 Das Diagramm der letzten 4 Wochen findest du in deinen Direktnachrichten mit mir." in text
    [completed] = harness.api.of("files.completeUploadExternal")
    assert [f["title"] for f in completed["files"]] == ["Ann: die letzten 4 Wochen"]

    async with harness.db.unit_of_work() as session:
        await set_coach_locale(session, coach.id, "ru")
    bo = await add_client(harness.db, coach, "Bo Quiet")
    await check_ins(harness.db, bo, [(3, 6)])
    text = await profile(harness, "client Bo Quiet")
    assert "📈 Пока мало отметок для графика (нужно не меньше 2 за последние 4 недели)." in text
