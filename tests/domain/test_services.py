"""Domain rules enforced by the services, with their typed errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.db import Database
from domain.errors import DuplicateIdentity, InvalidTransition, NotFound, ProgramNotPublished, ValidationError
from domain.models.enums import EnrollmentStatus, GoalStatus, PaymentStatus
from domain.services import billing, checkins, clients, coaches, enrollments, goals, messages, payments
from domain.services.demo import database_is_empty, seed_demo


async def _coach_and_client(db: Database) -> tuple[int, int]:
    async with db.unit_of_work() as s:
        coach = await coaches.create_coach(s, name="Ada Coach", email="ada@example.com")
        client = await clients.register_client(
            s,
            platform="telegram",
            external_user_id="42",
            chat_id="42",
            display_name="Bo",
            coach_id=coach.id,
            timezone="Europe/Berlin",
        )
        return coach.id, client.id


async def test_coach_rules(db: Database) -> None:
    async with db.unit_of_work() as s:
        first = await coaches.create_coach(
            s, name="  Ada   Coach ", email="ADA@example.com", slack_user_id="U1"
        )
        assert first.name == "Ada Coach" and first.email == "ada@example.com" and first.is_default
        second = await coaches.create_coach(s, name="Ben", email="ben@example.com")
        assert not second.is_default and second.invite_code != first.invite_code
        assert (await coaches.default_coach(s)).id == first.id  # type: ignore[union-attr]
        assert (await coaches.find_coach_by_invite(s, second.invite_code)).id == second.id  # type: ignore[union-attr]
    for kwargs, field in [
        ({"name": "X", "email": "ada@example.com"}, "email"),
        ({"name": "X", "email": "not-an-email"}, "email"),
        ({"name": "", "email": "x@example.com"}, "name"),
        ({"name": "X", "email": "x@example.com", "slack_user_id": "U1"}, "slack_user_id"),
        ({"name": "X", "email": "x@example.com", "timezone": "Mars/Base"}, "timezone"),
    ]:
        with pytest.raises(ValidationError) as err:
            async with db.unit_of_work() as s:
                await coaches.create_coach(s, **kwargs)  # type: ignore[arg-type]
        assert err.value.field == field


async def test_program_rules_and_enrollment(db: Database) -> None:
    coach_id, client_id = await _coach_and_client(db)
    async with db.unit_of_work() as s:
        with pytest.raises(ValidationError):
            await coaches.create_program(s, coach_id=coach_id, name="P", price_minor=-1, currency="usd")
        with pytest.raises(ValidationError):
            await coaches.create_program(s, coach_id=coach_id, name="P", price_minor=100, currency="dollars")
        with pytest.raises(ValidationError):
            await coaches.create_program(
                s, coach_id=coach_id, name="P", price_minor=0, currency="usd", billing="monthly"
            )
        with pytest.raises(NotFound):
            await coaches.create_program(s, coach_id=999, name="P", price_minor=0, currency="usd")
        free = await coaches.create_program(s, coach_id=coach_id, name="Free", price_minor=0, currency="USD")
        paid = await coaches.create_program(
            s, coach_id=coach_id, name="Paid", price_minor=4900, currency="eur"
        )
        assert paid.currency == "eur" and free.currency == "usd"
        with pytest.raises(ProgramNotPublished):
            await enrollments.enroll(s, client_id=client_id, program_id=free.id)
        await coaches.publish_program(s, free.id)
        await coaches.publish_program(s, paid.id)
        active = await enrollments.enroll(s, client_id=client_id, program_id=free.id)
        pending = await enrollments.enroll(s, client_id=client_id, program_id=paid.id)
        assert active.status == EnrollmentStatus.ACTIVE and active.activated_at is not None
        assert pending.status == EnrollmentStatus.PENDING_PAYMENT
        again = await enrollments.enroll(s, client_id=client_id, program_id=paid.id)
        assert again.id == pending.id
        await enrollments.change_enrollment_status(s, pending.id, EnrollmentStatus.ACTIVE)
        await enrollments.change_enrollment_status(
            s, pending.id, EnrollmentStatus.ACTIVE
        )  # repeat is a no-op
        await enrollments.change_enrollment_status(s, pending.id, EnrollmentStatus.CANCELLED)
        with pytest.raises(InvalidTransition):
            await enrollments.change_enrollment_status(s, pending.id, EnrollmentStatus.ACTIVE)


async def test_enrolling_in_another_coachs_program_is_refused(db: Database) -> None:
    _, client_id = await _coach_and_client(db)
    async with db.unit_of_work() as s:
        other = await coaches.create_coach(s, name="Other", email="other@example.com")
        program = await coaches.create_program(
            s, coach_id=other.id, name="Theirs", price_minor=0, currency="usd"
        )
        await coaches.publish_program(s, program.id)
        with pytest.raises(ValidationError):
            await enrollments.enroll(s, client_id=client_id, program_id=program.id)


async def test_register_client_requires_unique_identity_and_valid_timezone(db: Database) -> None:
    coach_id, client_id = await _coach_and_client(db)
    with pytest.raises(DuplicateIdentity):
        async with db.unit_of_work() as s:
            await clients.register_client(
                s, platform="telegram", external_user_id="42", chat_id="1", display_name="X"
            )
    with pytest.raises(ValidationError):
        async with db.unit_of_work() as s:
            await clients.register_client(
                s,
                platform="telegram",
                external_user_id="43",
                chat_id="43",
                display_name="X",
                timezone="Nowhere/City",
            )
    async with db.unit_of_work() as s:
        # The failed registrations left nothing half-saved.
        assert await clients.find_identity(s, "telegram", "43") is None
        found = await clients.resolve_client(s, identity="telegram:42")
        assert found.id == client_id
        await clients.add_identity(
            s, client_id=client_id, platform="slack", external_user_id="U9", chat_id="D9"
        )
        assert [i.platform for i in await clients.client_identities(s, client_id)] == ["telegram", "slack"]
        with pytest.raises(ValidationError):
            await clients.resolve_client(s, identity="telegram")
        with pytest.raises(NotFound):
            await clients.resolve_client(s, identity="telegram:404")
        overview = await clients.list_clients(s, coach_id=coach_id)
        assert [o.client.id for o in overview] == [client_id] and overview[0].last_check_in_at is None


async def test_check_in_rules(db: Database) -> None:
    _, client_id = await _coach_and_client(db)
    good = {"mood": 7, "energy": 6, "sleep_hours": 7.5, "adherence": "partly", "source_channel": "telegram"}
    bad_cases = [
        ({"mood": 0}, "mood"),
        ({"mood": 11}, "mood"),
        ({"energy": 0}, "energy"),
        ({"sleep_hours": 25}, "sleep_hours"),
        ({"sleep_hours": -1}, "sleep_hours"),
        ({"adherence": "maybe"}, "adherence"),
        ({"goal_progress": 101}, "goal progress"),
        ({"note": "x" * 4001}, "note"),
        ({"mood": True}, "mood"),
    ]
    for override, field in bad_cases:
        with pytest.raises(ValidationError) as err:
            async with db.unit_of_work() as s:
                await checkins.record_check_in(s, client_id=client_id, **{**good, **override})  # type: ignore[arg-type]
        assert err.value.field == field
    async with db.unit_of_work() as s:
        goal = await goals.set_goal(s, client_id=client_id, text="Run 5 km", target=5, unit="km")
        check_in = await checkins.record_check_in(
            s, client_id=client_id, goal_progress=40, note="  good day ", **good
        )
        assert check_in.note == "good day" and check_in.goal_id == goal.id
        assert (await goals.get_goal(s, goal.id)).progress == 40
        assert await checkins.check_in_count(s, client_id) == 1


async def test_streak_counts_local_days(db: Database) -> None:
    _, client_id = await _coach_and_client(db)
    now = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # 22:00 in Berlin
    async with db.unit_of_work() as s:
        for days_ago in (0, 1, 2, 4):
            await checkins.record_check_in(
                s,
                client_id=client_id,
                mood=5,
                energy=5,
                sleep_hours=7,
                adherence="yes",
                source_channel="console",
                at=now - timedelta(days=days_ago),
            )
        assert await checkins.check_in_streak(s, client_id, now=now) == 3
        assert await checkins.check_in_streak(s, client_id, now=now + timedelta(days=1)) == 3
        assert await checkins.check_in_streak(s, client_id, now=now + timedelta(days=2)) == 0
        week = await checkins.last_week_averages(s, client_id, before=now)
        assert week.count == 4 and week.mood_avg == 5.0


async def test_goal_lifecycle(db: Database) -> None:
    _, client_id = await _coach_and_client(db)
    async with db.unit_of_work() as s:
        with pytest.raises(ValidationError):
            await goals.set_goal(s, client_id=client_id, text="   ")
        with pytest.raises(ValidationError):
            await goals.set_goal(s, client_id=client_id, text="x", target=-2)
        with pytest.raises(ValidationError):
            await goals.set_goal(
                s, client_id=client_id, text="x", due_date=date(2020, 1, 1), today=date(2026, 1, 1)
            )
        goal = await goals.set_goal(s, client_id=client_id, text="Read 12 books", target=12, unit="books")
        await goals.update_goal_progress(s, goal.id, 50)
        with pytest.raises(ValidationError):
            await goals.update_goal_progress(s, goal.id, 150)
        with pytest.raises(NotFound):
            await goals.update_goal_progress(s, goal.id, 10, client_id=client_id + 1)
        await goals.update_goal_progress(s, goal.id, 100)
        assert goal.status == GoalStatus.DONE
        other = await goals.set_goal(s, client_id=client_id, text="Meditate")
        await goals.archive_goal(s, other.id)
        assert [g.id for g in await goals.list_goals(s, client_id, statuses=[GoalStatus.ARCHIVED])] == [
            other.id
        ]


async def test_payments_refunds_and_revenue(db: Database) -> None:
    coach_id, client_id = await _coach_and_client(db)
    async with db.unit_of_work() as s:
        p = await payments.record_payment(
            s, client_id=client_id, amount_minor=4900, currency="usd", provider_payment_id="pi_1"
        )
        again = await payments.record_payment(
            s, client_id=client_id, amount_minor=4900, currency="usd", provider_payment_id="pi_1"
        )
        assert again.id == p.id
        await payments.record_payment(
            s, client_id=client_id, amount_minor=1000, currency="eur", provider_payment_id="pi_2"
        )
        await payments.record_payment(
            s,
            client_id=client_id,
            amount_minor=999,
            currency="usd",
            status=PaymentStatus.FAILED,
            provider_payment_id="pi_3",
        )
        with pytest.raises(ValidationError):
            await payments.record_refund(s, p.id, 5000, actor="admin")
        await payments.record_refund(s, p.id, 900, actor="admin")
        assert p.status == PaymentStatus.PARTIALLY_REFUNDED
        await payments.record_refund(s, p.id, 4900, actor="admin")
        assert p.status == PaymentStatus.REFUNDED
        figures = {r.currency: r for r in await payments.revenue(s, coach_id=coach_id)}
        assert figures["usd"].gross_minor == 4900 and figures["usd"].net_minor == 0
        assert figures["eur"].net_minor == 1000
        with pytest.raises(ValidationError):
            await payments.record_payment(s, client_id=client_id, amount_minor=10, currency="usdollar")


async def test_messages_feedback_and_response_time(db: Database) -> None:
    coach_id, client_id = await _coach_and_client(db)
    async with db.unit_of_work() as s:
        await messages.record_client_message(s, client_id=client_id, channel="telegram", text="Hi coach")
        reply = await messages.record_coach_reply(
            s, client_id=client_id, coach_id=coach_id, channel="slack", text="Hi!"
        )
        assert reply.response_seconds is not None and reply.response_seconds >= 0
        second = await messages.record_coach_reply(
            s, client_id=client_id, coach_id=coach_id, channel="slack", text="?"
        )
        assert second.response_seconds is None
        with pytest.raises(ValidationError):
            await messages.record_feedback(s, client_id=client_id, score=6)
        assert (await messages.record_feedback(s, client_id=client_id, score=5, comment="great")).score == 5


async def test_seed_demo_is_idempotent(db: Database) -> None:
    async with db.unit_of_work() as s:
        assert await database_is_empty(s)
        coach, created = await seed_demo(s)
        again, created_again = await seed_demo(s)
        assert created and not created_again and again.id == coach.id
        programs = await coaches.list_programs(s, coach_id=coach.id, published_only=True)
        assert sorted(p.price_minor for p in programs) == [0, 4900]


async def test_check_in_rows_are_built_and_stored_by_the_domain(db: Database) -> None:
    """The conversation engine's batch INSERT goes through these same functions."""
    _, client_id = await _coach_and_client(db)
    at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    base = {
        "mood": 6,
        "energy": 5,
        "sleep_hours": 7,
        "adherence": "partly",
        "source_channel": "console",
        "at": at,
    }
    with pytest.raises(ValidationError) as err:
        checkins.check_in_values(client_id=client_id, goal_progress=101, **base)  # type: ignore[arg-type]
    assert err.value.field == "goal progress"
    async with db.unit_of_work() as s:
        goal = await goals.set_goal(s, client_id=client_id, text="Run 5 km", target=5, unit="km")
        other = await clients.register_client(
            s, platform="telegram", external_user_id="43", chat_id="43", display_name="Cy"
        )
        rows = [
            checkins.check_in_values(client_id=client_id, goal_id=goal.id, goal_progress=60, **base),  # type: ignore[arg-type]
            # Another client's progress never moves this client's goal.
            checkins.check_in_values(client_id=other.id, goal_id=goal.id, goal_progress=5, **base),  # type: ignore[arg-type]
        ]
        ids = await checkins.insert_check_ins(await s.connection(), rows)
        assert len(ids) == 2 and ids[0] < ids[1]
        await s.refresh(goal)
        assert goal.progress == 60


async def _paid_enrollment(db: Database) -> tuple[int, int, int]:
    """(coach id, client id, pending enrollment id) in a published paid program."""
    coach_id, client_id = await _coach_and_client(db)
    async with db.unit_of_work() as s:
        program = await coaches.create_program(
            s, coach_id=coach_id, name="Strength", price_minor=4900, currency="usd"
        )
        await coaches.publish_program(s, program.id)
        enrollment = await enrollments.enroll(s, client_id=client_id, program_id=program.id)
        return coach_id, client_id, enrollment.id


async def test_enrollment_lookups_for_provider_references(db: Database) -> None:
    coach_id, client_id, enrollment_id = await _paid_enrollment(db)
    async with db.unit_of_work() as s:
        other_coach = await coaches.create_coach(s, name="Other", email="other@example.com")
        yoga = await coaches.create_program(
            s, coach_id=other_coach.id, name="Yoga", price_minor=0, currency="usd"
        )
        await coaches.publish_program(s, yoga.id)
        other_client = await clients.register_client(
            s, platform="telegram", external_user_id="43", chat_id="43", display_name="Cy"
        )
        other = await enrollments.enroll(s, client_id=other_client.id, program_id=yoga.id)
    async with db.unit_of_work() as s:
        found = await enrollments.find_enrollment(s, enrollment_id)
        assert found is not None and found.client_id == client_id
        assert await enrollments.enrollment_program_name(s, enrollment_id) == "Strength"
        assert await enrollments.enrollment_coach_id(s, enrollment_id) == coach_id
        assert await enrollments.enrollment_program_name(s, other.id) == "Yoga"
        assert await enrollments.enrollment_coach_id(s, other.id) == other_coach.id
        # A reference to an enrollment we do not have is no error: the caller ignores it.
        assert await enrollments.find_enrollment(s, enrollment_id + 100) is None
        assert await enrollments.enrollment_program_name(s, enrollment_id + 100) is None
        assert await enrollments.enrollment_coach_id(s, enrollment_id + 100) is None


async def test_an_expired_checkout_fails_only_its_pending_payment(db: Database) -> None:
    _, client_id, enrollment_id = await _paid_enrollment(db)
    async with db.unit_of_work() as s:
        pending = await payments.record_payment(
            s,
            client_id=client_id,
            enrollment_id=enrollment_id,
            amount_minor=4900,
            currency="usd",
            status=PaymentStatus.PENDING,
            provider_checkout_id="cs_open",
        )
        paid = await payments.record_payment(
            s, client_id=client_id, amount_minor=4900, currency="usd", provider_checkout_id="cs_paid"
        )
    async with db.unit_of_work() as s:
        expired = await payments.expire_checkout(s, "cs_open")
        assert expired is not None and expired.id == pending.id
        assert await payments.expire_checkout(s, "cs_open") is None  # already failed
        assert await payments.expire_checkout(s, "cs_paid") is None
        assert await payments.expire_checkout(s, "cs_unknown") is None
    async with db.unit_of_work() as s:
        after = await payments.get_payment(s, pending.id)
        assert (after.status, after.failure_reason) == (PaymentStatus.FAILED, "checkout expired")
        untouched = await payments.get_payment(s, paid.id)
        assert (untouched.status, untouched.failure_reason) == (PaymentStatus.SUCCEEDED, None)


async def test_a_client_keeps_the_first_payment_customer(db: Database) -> None:
    _, client_id = await _coach_and_client(db)
    async with db.unit_of_work() as s:
        assert await payments.set_payment_customer(s, client_id, "cus_first") == "cus_first"
    async with db.unit_of_work() as s:
        assert await payments.set_payment_customer(s, client_id, "cus_second") == "cus_first"
        assert (await clients.get_client(s, client_id)).stripe_customer_id == "cus_first"
        with pytest.raises(NotFound):
            await payments.set_payment_customer(s, client_id + 100, "cus_other")


async def test_a_subscription_is_found_only_for_its_own_client(db: Database) -> None:
    _, client_id, enrollment_id = await _paid_enrollment(db)
    state = billing.SubscriptionState(
        provider_subscription_id="sub_1",
        status="active",
        amount_minor=4900,
        currency="usd",
        current_period_end=None,
        cancel_at_period_end=False,
    )
    async with db.unit_of_work() as s:
        other = await clients.register_client(
            s, platform="telegram", external_user_id="43", chat_id="43", display_name="Cy"
        )
        sub = await billing.sync_subscription(s, state, client_id=client_id, enrollment_id=enrollment_id)
    async with db.unit_of_work() as s:
        assert (await billing.find_subscription(s, "sub_1")).id == sub.id  # type: ignore[union-attr]
        own = await billing.find_subscription(s, "sub_1", client_id=client_id)
        assert own is not None and own.id == sub.id
        assert await billing.find_subscription(s, "sub_1", client_id=other.id) is None
        assert await billing.find_subscription(s, "sub_unknown", client_id=client_id) is None


def test_time_zones_are_loaded_once_and_unknown_ones_still_raise() -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from domain.clock import time_zone

    # More zones than ZoneInfo keeps alive on its own (eight): each still loaded once.
    names = [f"Etc/GMT{sign}{n}" for sign in "+-" for n in range(1, 7)]
    first = [time_zone(name) for name in names]
    assert [time_zone(name) for name in names] == first
    assert all(
        time_zone(name) is zone and ZoneInfo(name) is zone for name, zone in zip(names, first, strict=True)
    )
    with pytest.raises(ZoneInfoNotFoundError):
        time_zone("Mars/Olympus_Mons")
