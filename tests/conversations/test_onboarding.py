"""Onboarding transcripts: happy paths, consent, invite codes, validation, /cancel, payments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select, update

from conversations.engine import ConversationEngine
from conversations.ports import PaymentOffer, PaymentsUnavailable, SuggestedGoal
from domain.db import Database
from domain.models import (
    ChannelIdentity,
    Client,
    Coach,
    ConsentRecord,
    ConversationState,
    Enrollment,
    Goal,
    OutboundMessage,
)
from domain.services import coaches
from tests.conversations.conftest import CoachSetup, walking_goals
from tests.support.chat import ONBOARDING, Chat, FakeClock, onboard, play, running_engine, texts
from tests.support.databases import count


async def test_onboarding_sets_everything_up(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    await play(c, ONBOARDING)
    replies = await c.press("Starter (free)")
    summary = texts(replies)
    assert "You're all set, Sam!" in summary and "Europe/Berlin" in summary and "daily at 08:00" in summary
    assert "Program: Starter" in summary
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client))
        assert client is not None
        assert (client.display_name, client.timezone, client.checkin_cadence, client.checkin_time) == (
            "Sam",
            "Europe/Berlin",
            "daily",
            "08:00",
        )
        assert client.coach_id == coach_setup.coach.id
        assert client.assessment == {"activity_level": 3, "focus_area": "Fitness", "obstacle": "time"}
        goal = await session.scalar(select(Goal))
        assert (
            goal is not None and goal.target == 5 and goal.unit == "km" and goal.due_date == date(2027, 3, 1)
        )
        enrollment = await session.scalar(select(Enrollment))
        assert enrollment is not None and enrollment.status == "active"
        consent = await session.scalar(select(ConsentRecord))
        assert consent is not None and consent.accepted and consent.client_id == client.id
        notices = (await session.scalars(select(OutboundMessage))).all()
        assert [n.payload["kind"] for n in notices] == ["new_client"]


async def test_a_german_coach_is_told_of_a_new_client_in_german(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    async with db.unit_of_work() as session:
        await session.execute(update(Coach).where(Coach.id == coach_setup.coach.id).values(locale="de"))
    c = chat("u1")
    await play(c, ONBOARDING)
    assert "You're all set, Sam!" in texts(await c.press("Starter (free)"))  # the client keeps English
    async with db.unit_of_work() as session:
        notices = (await session.scalars(select(OutboundMessage))).all()
    assert [n.payload["text"] for n in notices] == ["Neuer Klient: Sam"]


async def test_decline_stores_only_the_refusal(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    await c.send("/start")
    assert "nothing about you has been stored" in texts(await c.press("Decline"))
    async with db.unit_of_work() as session:
        consent = await session.scalar(select(ConsentRecord))
    assert consent is not None and not consent.accepted and consent.client_id is None
    assert await count(db, Client) == 0
    assert "Do you accept?" in texts(await c.send("/start"))  # they may change their mind


async def test_invite_code_binds_the_client_to_that_coach(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    async with db.unit_of_work() as session:
        other = await coaches.create_coach(session, name="Bo Trainer", email="bo@example.com")
    c = chat("u1")
    assert "with Bo Trainer" in texts(await c.send(f"/start {other.invite_code}"))
    await play(
        c,
        ["[Accept]", "Sam", "[UTC]", "2", "[Stress]", "work", "run 5 km by 2027-03-01", "[Weekly]", "20:30"],
    )
    assert "You're all set" in c.text  # Bo has no published program: no program step
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client))
    assert client is not None and client.coach_id == other.id and client.checkin_cadence == "weekly"


async def test_unknown_invite_code_falls_back_to_the_default_coach(
    chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    assert "with Ada Coach" in texts(await chat("u1").send("/start nosuchcode"))


async def test_every_step_validates_and_reprompts(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    await c.send("/start")
    assert "Accept or Decline" in texts(await c.send("maybe"))
    await c.press("Accept")
    assert "type your name" in texts(await c.send("   "))
    await c.send("Sam")
    replies = await c.send("Atlantis")
    assert "didn't recognise that timezone" in texts(replies) and "Which timezone" in texts(replies)
    assert "How active" in texts(await c.send("UTC+2"))
    assert "from 1 to 5" in texts(await c.send("9"))
    await c.send("four")
    assert "pick one of the options" in texts(await c.send("Knitting"))
    await c.send("2")  # the second choice: Nutrition
    await c.send("no time")
    assert "How will you know" in texts(await c.send("get fitter"))
    assert "number with a unit" in texts(await c.send("a lot"))
    assert "By when?" in texts(await c.send("10 push-ups"))
    assert "date in the future" in texts(await c.send("2020-01-01"))
    assert "How often" in texts(await c.send("in 6 weeks"))
    assert "daily, weekdays or weekly" in texts(await c.send("hourly"))
    await c.send("weekdays")
    assert "time like" in texts(await c.send("whenever")).lower() or "time of day" in c.text
    await c.send("7:15pm")
    assert "pick one of the programs" in texts(await c.send("the best one"))
    await c.send("1")
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client))
        goal = await session.scalar(select(Goal))
    assert client is not None and client.timezone and client.checkin_time == "19:15"
    assert client.assessment["focus_area"] == "Nutrition" and client.assessment["activity_level"] == 4
    assert goal is not None and goal.target == 10 and goal.due_date is not None


async def _stored_zone(db: Database) -> str:
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client))
    assert client is not None
    return client.timezone


AFTER_TIMEZONE = ["3", "[Fitness]", "time", "run 5 km by 2027-03-01", "[Daily]", "8am", "[Starter (free)]"]


async def test_a_city_found_in_several_countries_is_confirmed_and_can_be_corrected(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    # GeoNames: Córdoba, Argentina (2.1 million) is read first; Spain's (326,000) and Mexico's are asked about.
    c = chat("u1")
    await play(c, ["/start", "[Accept]", "Sam"])
    replies = await c.send("Córdoba")
    assert "There is more than one Córdoba. I've taken Córdoba (Argentina), where it is" in texts(replies)
    assert [b.label for r in replies for b in r.all_buttons] == [
        "Córdoba (Argentina)",
        "Córdoba (Spain)",
        "Córdoba (Mexico)",
    ]
    assert "How active" in texts(await c.press("Córdoba (Spain)"))
    await play(c, AFTER_TIMEZONE)
    assert "You're all set" in c.text and "Europe/Madrid" in c.text
    assert await _stored_zone(db) == "Europe/Madrid"


@pytest.mark.parametrize(
    ("answer", "zone"),
    [("yes", "America/Argentina/Cordoba"), ("Córdoba, Spain", "Europe/Madrid"), ("Berlin", "Europe/Berlin")],
)
async def test_the_place_taken_can_be_confirmed_or_another_typed(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup, answer: str, zone: str
) -> None:
    c = chat("u1")
    await play(c, ["/start", "[Accept]", "Sam", "Córdoba"])
    assert "How active" in texts(await c.send(answer))
    await play(c, AFTER_TIMEZONE)
    assert await _stored_zone(db) == zone


async def test_no_is_asked_again_and_a_city_in_one_country_is_not_asked_about(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    await play(c, ["/start", "[Accept]", "Sam", "Córdoba"])
    assert "Which timezone" in texts(await c.send("no"))
    assert "How active" in texts(await c.send("Sevilla"))


async def test_a_german_speaking_client_reads_the_countries_in_german(
    chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    await play(c, ["/start", "/language de", "[Einverstanden]", "Lena"])
    replies = await c.send("Córdoba")
    assert "Córdoba gibt es mehrmals. Ich habe Córdoba (Argentinien) genommen" in texts(replies)
    assert [b.label for r in replies for b in r.all_buttons][1:] == ["Córdoba (Spanien)", "Córdoba (Mexiko)"]


@pytest.mark.parametrize("steps_before_cancel", range(1, len(ONBOARDING) + 1))
async def test_cancel_at_every_step_saves_nothing(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup, steps_before_cancel: int
) -> None:
    c = chat("u1")
    await play(c, ONBOARDING[:steps_before_cancel])
    assert "Nothing from that conversation was saved" in texts(await c.send("/cancel"))
    assert await count(db, Client) == 0 and await count(db, Goal) == 0 and await count(db, ConsentRecord) == 0
    async with db.unit_of_work() as session:
        state = await session.scalar(select(ConversationState))
    assert state is not None and state.flow is None and state.data == {}


async def test_restart_mid_onboarding(db: Database, clock: FakeClock, coach_setup: CoachSetup) -> None:
    first = ConversationEngine(db, clock=clock)
    await play(Chat(first, "u1"), ONBOARDING[:4])
    await first.stop()
    second = ConversationEngine(Database(db.url), clock=clock)
    c = Chat(second, "u1")
    assert "focus on" in texts(await c.send("4"))
    await play(c, ["Fitness", "time", "run 5 km by 2027-03-01", "daily", "8am", "Starter"])
    assert "You're all set" in c.text
    await second.stop()
    await second.db.dispose()
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client))
    assert client is not None and client.assessment["activity_level"] == 4


async def test_start_again_when_registered(chat: Callable[[str], Chat], coach_setup: CoachSetup) -> None:
    c = chat("u1")
    await onboard(c)
    assert "Welcome back, Sam" in texts(await c.send("/start"))


async def test_display_name_is_offered(engine: ConversationEngine, coach_setup: CoachSetup) -> None:
    from dataclasses import replace

    c = Chat(engine, "u1")
    await c.send("/start")
    replies = await engine.handle(replace(c.message(payload="accept"), display_name="Sam Smith"))
    assert [b.label for b in replies[-1].all_buttons] == ["Sam Smith"]


async def test_paid_program_without_payments_tells_client_and_coach(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    c = chat("u1")
    await play(c, ONBOARDING)
    replies = await c.press("Premium (49.00 USD)")
    assert "starts once paid" in texts(replies) and "Payments are not set up yet" in texts(replies)
    async with db.unit_of_work() as session:
        enrollment = await session.scalar(select(Enrollment))
        kinds = [n.payload["kind"] for n in (await session.scalars(select(OutboundMessage))).all()]
    assert enrollment is not None and enrollment.status == "pending_payment"
    assert "payments_not_configured" in kinds
    assert "Payments are not set up yet" in texts(await c.send("/pay"))


class FakePayments:
    """Checks the enrollment is committed (visible from another connection) when asked for a link."""

    def __init__(self, db: Database, *, unavailable: bool = False) -> None:
        self.db = db
        self.unavailable = unavailable
        self.calls: list[int] = []

    async def checkout_for_enrollment(self, enrollment_id: int) -> PaymentOffer:
        async with self.db.unit_of_work() as session:
            enrollment = await session.get(Enrollment, enrollment_id)
        assert enrollment is not None and enrollment.status == "pending_payment"
        self.calls.append(enrollment_id)
        if self.unavailable:
            raise PaymentsUnavailable("Card payments are down for a moment, please try /pay later.")
        return PaymentOffer(
            url=f"https://pay.example/{enrollment_id}",
            label="Pay 49.00 USD",
            amount_minor=4900,
            currency="usd",
        )


@pytest.mark.parametrize("unavailable", [False, True])
async def test_paid_program_offers_a_checkout_link_after_commit(
    db: Database, clock: FakeClock, coach_setup: CoachSetup, unavailable: bool
) -> None:
    payments = FakePayments(Database(db.url), unavailable=unavailable)
    try:
        async with running_engine(db, clock=clock, payments=payments) as engine:
            c = Chat(engine, "u1")
            await play(c, ONBOARDING)
            replies = await c.press("Premium (49.00 USD)")
            if unavailable:
                assert "Card payments are down" in texts(replies)
            else:
                assert replies[-1].url_buttons[0].url == f"https://pay.example/{payments.calls[0]}"
            replies = await c.send("/pay")
            assert len(payments.calls) == 2
            if not unavailable:
                assert replies[-1].url_buttons[0].label == "Pay 49.00 USD"
    finally:
        await payments.db.dispose()


async def test_nothing_to_pay(chat: Callable[[str], Chat], coach_setup: CoachSetup) -> None:
    c = chat("u1")
    await onboard(c)
    assert "nothing to pay" in texts(await c.send("/pay"))


async def test_onboarding_without_any_coach(db: Database, chat: Callable[[str], Chat]) -> None:
    c = chat("u1")
    await play(
        c,
        [
            "/start",
            "[Accept]",
            "Sam",
            "[UTC]",
            "3",
            "[Sleep]",
            "noise",
            "sleep 8 hours by 2027-01-01",
            "[Daily]",
            "22:00",
        ],
    )
    assert "You're all set" in c.text
    assert await count(db, ChannelIdentity) == 1


class NewcomerSuggester:
    """A suggester that can also advise someone who is still onboarding."""

    def __init__(self) -> None:
        self.answers: list[dict[str, object]] = []

    async def suggest_goals(self, client_id: int) -> list[SuggestedGoal]:
        return []

    async def suggest_goals_for_answers(self, answers: dict[str, object]) -> list[SuggestedGoal]:
        self.answers.append(answers)
        return walking_goals()


async def test_first_goal_step_offers_suggestions(
    db: Database, clock: FakeClock, coach_setup: CoachSetup
) -> None:
    suggester = NewcomerSuggester()
    async with running_engine(db, clock=clock, goal_suggester=suggester) as engine:
        c = Chat(engine, "u1")
        await play(c, ONBOARDING[:7])
        assert "first goal" in c.last[0].text
        assert [b.label for b in c.last[-1].all_buttons] == [
            "Walk 1 km a day",
            "Walk 2 km a day",
            "Walk 3 km a day",
        ]
        assert "How often" in texts(await c.press("Walk 2 km a day"))
        await play(c, ["[Daily]", "8am", "[Starter (free)]"])
    assert suggester.answers == [{"activity_level": 3, "focus_area": "Fitness", "obstacle": "time"}]
    async with db.unit_of_work() as session:
        goal = await session.scalar(select(Goal))
    assert (
        goal is not None
        and goal.text == "Walk 2 km a day"
        and goal.target == 2
        and goal.due_date == date(2027, 1, 2)
    )
