"""The Clients list over real HTTP: whose clients, search, the three filters, its columns, and a
number of queries that does not grow with the roster."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import event, update

from domain.clock import utcnow
from domain.db import Database
from domain.models import Client, Payment
from domain.models.enums import PaymentStatus
from domain.services.checkins import record_check_in
from domain.services.coaches import create_coach, create_program
from domain.services.enrollments import enroll
from domain.services.messages import record_client_message, record_coach_reply
from tests.support.web import add_client, add_coach, browser, served_workspace


def names(body: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/app/clients/\d+">([^<]+)</a>', body)


def waiting(body: str) -> list[str]:
    """The clients marked as waiting for a reply."""
    return re.findall(
        r'<a href="/app/clients/\d+">([^<]+)</a> <span class="badge badge-warn">new message', body
    )


async def _roster(db: Database) -> dict[str, int]:
    """Ana's clients: Kim checks in daily, Lee went quiet two weeks ago, Max owes a payment; Bo's Ned."""
    ana = await add_coach(db, "Ana", "ana@example.com")
    bo = await add_coach(db, "Bo", "bo@example.com")
    ids = {
        name: (await add_client(db, coach.id, name, console_user=name.lower())).id
        for name, coach in (("Kim", ana), ("Lee", ana), ("Max", ana), ("Ned", bo))
    }
    now = utcnow()
    async with db.unit_of_work() as session:
        await session.execute(update(Client).values(created_at=now - timedelta(days=30)))
        for days in range(10):
            await record_check_in(
                session,
                client_id=ids["Kim"],
                mood=7,
                energy=7,
                sleep_hours=8,
                adherence="yes",
                source_channel="console",
                at=now - timedelta(days=days),
            )
            await record_check_in(
                session,
                client_id=ids["Max"],
                mood=7,
                energy=7,
                sleep_hours=8,
                adherence="yes",
                source_channel="console",
                at=now - timedelta(days=days),
            )
        await record_check_in(
            session,
            client_id=ids["Lee"],
            mood=6,
            energy=6,
            sleep_hours=7,
            adherence="yes",
            source_channel="console",
            at=now - timedelta(days=14),
        )
        session.add(
            Payment(client_id=ids["Max"], amount_minor=4900, currency="usd", status=PaymentStatus.FAILED)
        )
        await record_client_message(session, client_id=ids["Kim"], channel="console", text="Is Friday ok?")
        await record_client_message(session, client_id=ids["Lee"], channel="console", text="Busy week")
        await record_coach_reply(
            session, client_id=ids["Lee"], coach_id=ana.id, channel="console", text="Noted"
        )
    return {"ana": ana.id, "bo": bo.id, **ids}


async def test_a_coach_lists_their_clients_with_search_and_filters(db: Database) -> None:
    ids = await _roster(db)
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ids["ana"])
        status, body, _ = await coach.get("/app/clients")
        assert status == 200 and names(body) == ["Kim", "Lee", "Max"]  # never Bo's Ned
        assert "failed" in body and "never" not in body
        assert waiting(body) == ["Kim"]  # Lee's message was answered
        _, body, _ = await coach.get("/app/clients?q=le")
        assert names(body) == ["Lee"]
        _, body, _ = await coach.get("/app/clients?missed=1")
        assert names(body) == ["Lee"]
        _, body, _ = await coach.get("/app/clients?unpaid=1")
        assert names(body) == ["Max"]
        _, body, _ = await coach.get("/app/clients?flagged=1")
        assert "Lee" in names(body) and "Kim" not in names(body)
        _, body, _ = await coach.get("/app/clients?q=nobody")
        assert names(body) == [] and "No client matches" in body
        _, body, _ = await coach.get("/app/clients?q=%25")  # a LIKE wildcard is just a character
        assert names(body) == []


async def test_streak_program_and_payment_columns(db: Database) -> None:
    ids = await _roster(db)
    async with db.unit_of_work() as session:
        program = await create_program(
            session, coach_id=ids["ana"], name="Couch to 5K", price_minor=4900, currency="usd"
        )
        program.published = True
        await enroll(session, client_id=ids["Kim"], program_id=program.id)
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ids["ana"])
        _, body, _ = await coach.get("/app/clients?q=kim")
    row = body[body.index(">Kim<") :]
    row = row[: row.index("</tr>")]
    assert re.search(r"<td>10</td>", row)  # ten days in a row
    assert "awaiting payment" in row
    assert "Couch to 5K · pending payment" in row  # a program without daily steps: its name and status


async def test_an_admin_sees_every_coachs_clients(db: Database) -> None:
    await _roster(db)
    async with db.unit_of_work() as session:
        admin = await create_coach(session, name="Ada", email="ada@example.com", role="admin")
    async with served_workspace(db) as root, browser(root) as visitor:
        await visitor.sign_in(db, admin.id)
        _, body, _ = await visitor.get("/app/clients")
    assert names(body) == ["Kim", "Lee", "Max", "Ned"]
    assert '<th scope="col">Coach</th>' in body


async def test_the_list_costs_the_same_queries_for_three_or_thirty_clients(db: Database) -> None:
    ids = await _roster(db)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    async def queries_for_list() -> int:
        statements.clear()
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            status, _, _ = await coach.get("/app/clients")
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        assert status == 200
        return len(statements)

    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ids["ana"])
        few = await queries_for_list()
        for n in range(27):
            client = await add_client(db, ids["ana"], f"Extra {n}", console_user=f"extra{n}")
            async with db.unit_of_work() as session:
                await record_check_in(
                    session,
                    client_id=client.id,
                    mood=5,
                    energy=5,
                    sleep_hours=7,
                    adherence="partly",
                    source_channel="console",
                )
        many = await queries_for_list()
    assert many == few


async def test_a_coach_without_slack_reads_their_alerts_on_the_clients_page(db: Database) -> None:
    from bot.web.pages.clients import NOTICES_SHOWN
    from domain.services.notices import notify_coach

    ana = await add_coach(db, "Ana", "ana@example.com")
    bo = await add_coach(db, "Bo", "bo@example.com")
    sam = await add_client(db, ana.id, "Sam <b>")
    moved = await add_client(db, bo.id, "Moved Away")
    async with db.unit_of_work() as session:
        assert (
            await notify_coach(session, coach_id=ana.id, kind="payment_failed", text="x", client_id=sam.id)
            is None
        )
        await notify_coach(session, coach_id=ana.id, kind="some_new_kind", text="x", client_id=moved.id)
        await notify_coach(session, coach_id=bo.id, kind="low_mood", text="x", client_id=moved.id)
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana.id)
        _, body, _ = await coach.get("/app/clients")
        assert "Recent alerts" in body and "Payment failed" in body
        assert f'href="/app/clients/{sam.id}">Sam &lt;b&gt;</a>' in body
        assert "Some new kind" in body and "Moved Away" not in body  # no longer Ana's client: no name
        assert "Low mood" not in body  # Bo's
        _, body, _ = await coach.get("/app/clients?q=sam")
        assert "Recent alerts" not in body  # a search shows only the list
    async with db.unit_of_work() as session:
        for n in range(NOTICES_SHOWN + 2):
            await notify_coach(session, coach_id=ana.id, kind="new_client", text="x", dedupe_key=f"n{n}")
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana.id)
        _, body, _ = await coach.get("/app/clients")
        assert body.count("<strong>New client</strong>") == NOTICES_SHOWN and "Payment failed" not in body
