"""Every metric against the hand-computed business in fixture.py, per scope, plus the edge cases: no
data, one client, refunds larger than the period's revenue, clients in many timezones."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.analytics.metrics import METRICS, compute, flatten, metric_names
from domain.analytics.report import definitions_markdown
from domain.analytics.responses import business_seconds
from domain.analytics.scope import Period, Scope
from domain.analytics.usage import DailyUsage, llm_usage_by_coach_and_day
from domain.db import Database
from domain.errors import ValidationError
from domain.models import CheckIn, Client, Coach
from tests.analytics.fixture import PERIOD, at, build


async def test_whole_business_matches_the_sums_on_paper(db: Database) -> None:
    b = await build(db)
    async with db.unit_of_work() as session:
        values = await compute(session, Scope(), PERIOD)
    assert values == {
        # ann, bob (12 March) and cy checked in within 14 days of 16 March; dee never did.
        "active_clients": 3,
        "new_clients": 1,  # cy joined on 5 March
        # bob went 20 days without a check-in after 20 Feb; dee's enrollment was cancelled on 10 March.
        "churned_clients": 2,
        "reactivated_clients": 1,  # bob, on 12 March
        # done / expected: ann 14/14 (UTC days 2-15), dee 0/14, bob 1/10 (Tokyo weekdays 3-16 March),
        # cy 1/1 (Los Angeles 5-15 March is one full week; two check-ins count once) → 16/39.
        "checkin_adherence": 41.0,
        # 90 min (Friday 17:00 to Monday 09:30 in UTC), 20 min, and 60 min (08:00 to 10:00 in New York).
        "response_time_median": 60.0,
        "response_time_p90": 90.0,
        "coach_feedback_rate": 0.0,  # check-ins, none with a coach's reaction or comment
        "satisfaction_average": 3.75,  # 5, 4, 5, 1
        "satisfaction_count": 4,
        "satisfaction_distribution": {"1": 1, "2": 0, "3": 0, "4": 1, "5": 2},
        "satisfaction_top_share": 50.0,
        "goal_completion_rate": 50.0,  # ann's done, bob's active; cy's is due later, dee's archived
        "program_completion_rate": 50.0,  # ann completed, dee cancelled
        "mood_change": 1.0,  # ann 4 → 7, cy 6 → 5; bob has no first-week check-in
        "energy_change": 1.5,  # ann 6 → 5, cy 4 → 8
        "revenue_gross": {"eur": 3000, "usd": 5900},  # ann 4900 + erased clients' 1000; cy 3000
        "revenue_refunds": {"usd": 5800},  # ann's 900 and bob's February payment, refunded on 4 March
        "revenue_net": {"eur": 3000, "usd": 100},
        "mrr": {"eur": 3000},  # a cancelled and a later subscription do not count
        "arpu": {"eur": 1000.0, "usd": 33.3},  # net / 3 active clients
        "failed_payment_rate": 25.0,  # dee's declined card of 4; the expired checkout is not a payment
        "client_load": {f"coach:{b.ada}": 2, f"coach:{b.bea}": 2},
        "capacity_used": {f"coach:{b.ada}": 66.7, f"coach:{b.bea}": None},
        "llm_calls": 4,
        "llm_tokens": 1465,
    }


async def test_a_coach_whose_refunds_exceed_the_period_revenue(db: Database) -> None:
    b = await build(db)
    async with db.unit_of_work() as session:
        values = await compute(session, Scope(coach_id=b.ada), PERIOD)
    assert values["active_clients"] == 2
    assert values["new_clients"] == 0
    assert values["churned_clients"] == 1
    assert values["checkin_adherence"] == 62.5  # (14 + 1) / (14 + 10)
    assert values["response_time_median"] == 55.0 and values["response_time_p90"] == 90.0
    assert values["satisfaction_average"] == 4.5 and values["satisfaction_count"] == 2
    assert values["revenue_gross"] == {"usd": 4900}
    assert values["revenue_refunds"] == {"usd": 5800}
    assert values["revenue_net"] == {"usd": -900}  # refunds of an earlier payment exceed the period's
    assert values["arpu"] == {"usd": -450.0}
    assert values["failed_payment_rate"] == 0.0
    assert values["mrr"] == {}
    assert values["program_completion_rate"] == 100.0
    assert values["client_load"] == {f"coach:{b.ada}": 2}
    assert values["capacity_used"] == {f"coach:{b.ada}": 66.7}
    assert values["llm_calls"] == 3 and values["llm_tokens"] == 465


async def test_a_program_counts_its_enrolled_clients_and_its_enrollments_payments(db: Database) -> None:
    b = await build(db)
    async with db.unit_of_work() as session:
        values = await compute(session, Scope(program_id=b.bea_program), PERIOD)
    assert values["active_clients"] == 1  # cy
    assert values["churned_clients"] == 1  # dee, cancelled
    assert values["revenue_gross"] == {"eur": 3000}
    assert values["revenue_refunds"] == {}
    assert values["failed_payment_rate"] == 50.0
    assert values["mrr"] == {}  # cy's subscription is not tied to an enrollment
    assert values["program_completion_rate"] == 0.0
    assert values["goal_completion_rate"] is None
    assert values["llm_calls"] == 1  # its coach's


async def test_llm_usage_per_coach_and_day(db: Database) -> None:
    b = await build(db)
    async with db.unit_of_work() as session:
        rows = await llm_usage_by_coach_and_day(session, Scope(), PERIOD)
    assert rows == [
        DailyUsage(b.ada, "2026-03-03", 2, 450),
        DailyUsage(b.ada, "2026-03-04", 1, 15),
        DailyUsage(b.bea, "2026-03-05", 1, 1000),
    ]


async def test_no_data_gives_zero_counts_and_no_rates(db: Database) -> None:
    async with db.unit_of_work() as session:
        values = await compute(session, Scope(), PERIOD)
    for name, value in values.items():
        if METRICS[name].unit in ("clients", "scores", "calls", "tokens") and name not in (
            "client_load",
            "satisfaction_distribution",
        ):
            assert value == 0, name
        elif isinstance(value, dict):
            assert all(v == 0 for v in value.values()), name
        else:
            assert value is None, name


async def test_one_client_checking_in_every_other_day(db: Database) -> None:
    async with db.unit_of_work() as session:
        coach = Coach(name="Solo", email="solo@example.com", invite_code="solo")
        session.add(coach)
        await session.flush()
        client = Client(
            coach_id=coach.id, display_name="Una", timezone="Europe/Berlin", created_at=at(1, month=1)
        )
        session.add(client)
        await session.flush()
        for day in range(2, 16, 2):  # 07:00 UTC is 08:00 in Berlin: the same local day
            session.add(
                CheckIn(
                    client_id=client.id,
                    mood=day // 2,
                    energy=5,
                    sleep_hours=7,
                    adherence="yes",
                    source_channel="console",
                    created_at=at(day, 7),
                )
            )
    async with db.unit_of_work() as session:
        values = await compute(session, Scope(), PERIOD)
    # Berlin days 2-15 March begin at 23:00 UTC the day before: 1 March's evening is outside the
    # period, so the days are 3-16 March (16 March ends 16 March 23:00 UTC, before 20 March).
    # Check-ins on 4, 6, ..., 14 March fall in them: 6 of 14.
    assert values["checkin_adherence"] == round(100 * 6 / 14, 1)
    assert values["active_clients"] == 1
    assert values["churned_clients"] == 0
    # First week (2-8 March): moods 1, 2, 3, 4 → 2.5; last week (9-15): 5, 6, 7 → 6.
    assert values["mood_change"] == 3.5


async def test_a_period_still_running_expects_only_days_that_are_over(db: Database) -> None:
    async with db.unit_of_work() as session:
        coach = Coach(name="Solo", email="solo@example.com", invite_code="solo")
        session.add(coach)
        await session.flush()
        session.add(Client(coach_id=coach.id, display_name="Una", created_at=at(1, month=1)))
    running = Period(at(2, 0), at(16, 0), now=at(4, 12))
    async with db.unit_of_work() as session:
        values = await compute(session, Scope(), running, ["checkin_adherence", "active_clients"])
    assert values == {"checkin_adherence": 0.0, "active_clients": 0}  # 2 and 3 March expected


def test_business_hours_follow_the_coach_timezone_and_daylight_saving() -> None:
    new_york = ZoneInfo("America/New_York")
    # Saturday 7 to Monday 9 March: the weekend is closed; Monday opens at 09:00 EDT (13:00 UTC).
    assert business_seconds(at(7, 12), at(9, 14), new_york) == 3600
    # 17:00 to 19:00 New York time on a Friday: one hour before closing.
    assert business_seconds(at(6, 22), at(7, 0), new_york) == 3600
    assert business_seconds(at(6, 22), at(6, 22), new_york) == 0
    tokyo = ZoneInfo("Asia/Tokyo")
    # A whole Tokyo working week: five days of nine hours.
    assert business_seconds(
        datetime(2026, 3, 8, 15, tzinfo=UTC), datetime(2026, 3, 15, 15, tzinfo=UTC), tokyo
    ) == (5 * 9 * 3600)


def test_every_metric_has_a_one_line_definition_and_names_are_parsed() -> None:
    for metric in METRICS.values():
        assert metric.definition.endswith(".") and len(metric.definition) < 250, metric.name
    assert metric_names("checkin_adherence, mrr") == ["checkin_adherence", "mrr"]
    with pytest.raises(ValidationError, match="unknown metric adherence"):
        metric_names("adherence")
    assert flatten("mrr", {"usd": 5}) == {"mrr.usd": 5}
    assert flatten("llm_calls", 3) == {"llm_calls": 3}


def test_periods_are_validated() -> None:
    with pytest.raises(ValidationError):
        Period.between(date(2026, 3, 2), date(2026, 3, 1), now=at(20))
    with pytest.raises(ValidationError):
        Scope(coach_id=1, program_id=2)
    assert Period.between(date(2026, 3, 2), date(2026, 3, 15), now=at(20)).previous().start == at(
        16, 0, month=2
    )


def test_readme_lists_the_metric_definitions_of_the_registry() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- metrics:start -->\n", 1)[1].split("\n<!-- metrics:end -->", 1)[0]
    assert block == definitions_markdown(), (
        "paste domain.analytics.report.definitions_markdown() into the README"
    )


async def test_each_refund_is_a_dated_row_and_a_repeated_total_adds_none(db: Database) -> None:
    from sqlalchemy import select

    from domain.models import Payment, PaymentRefund
    from domain.services.payments import record_refund

    async with db.unit_of_work() as session:
        coach = Coach(name="Solo", email="solo@example.com", invite_code="solo")
        session.add(coach)
        await session.flush()
        client = Client(coach_id=coach.id, display_name="Una")
        session.add(client)
        await session.flush()
        payment = Payment(client_id=client.id, amount_minor=1000, currency="eur", status="succeeded")
        session.add(payment)
        await session.flush()
        for total in (300, 300, 500):  # a webhook re-sent, then a second refund
            await record_refund(session, payment.id, total, actor="test")
        await session.flush()
        amounts = (await session.scalars(select(PaymentRefund.amount_minor).order_by(PaymentRefund.id))).all()
    assert amounts == [300, 200]


async def test_churn_and_return_across_long_gaps(db: Database) -> None:
    """Each way of going quiet and coming back, with gaps longer than the 14 days before the period."""
    async with db.unit_of_work() as session:
        coach = Coach(name="Solo", email="solo@example.com", invite_code="solo")
        session.add(coach)
        await session.flush()
        people = {
            # back on 5 March after a check-in on 10 January
            "long": (at(1, month=1), [at(10, month=1), at(5)]),
            # imported today-ish (record after the history): the same history
            "imported": (at(20), [at(10, month=1), at(5)]),
            # joined 1 February, first check-in on 5 March
            "late": (at(1, month=2), [at(5)]),
            # joined 25 February, first check-in on 5 March: not a return
            "new": (at(25, month=2), [at(5)]),
            # checked in on 20 February, then went quiet: churned on 6 March
            "quiet": (at(1, month=1), [at(20, month=2)]),
        }
        for name, (joined, times) in people.items():
            client = Client(coach_id=coach.id, display_name=name, created_at=joined)
            session.add(client)
            await session.flush()
            for when in times:
                session.add(
                    CheckIn(
                        client_id=client.id,
                        mood=5,
                        energy=5,
                        sleep_hours=7,
                        adherence="yes",
                        source_channel="console",
                        created_at=when,
                    )
                )
    async with db.unit_of_work() as session:
        values = await compute(session, Scope(), PERIOD, ["reactivated_clients", "churned_clients"])
    assert values == {"reactivated_clients": 3, "churned_clients": 1}


async def test_coach_feedback_rate_counts_check_ins_of_the_period_with_any_feedback(db: Database) -> None:
    from domain.models import CoachFeedback

    async with db.unit_of_work() as session:
        ada = Coach(name="Ada", email="ada-f@example.com", invite_code="adaf")
        bea = Coach(name="Bea", email="bea-f@example.com", invite_code="beaf")
        session.add_all([ada, bea])
        await session.flush()
        una = Client(coach_id=ada.id, display_name="Una", created_at=at(1, month=1))
        vic = Client(coach_id=bea.id, display_name="Vic", created_at=at(1, month=1))
        session.add_all([una, vic])
        await session.flush()
        days = (3, 4, 5, 6)
        check_ins = [
            CheckIn(
                client_id=una.id,
                mood=5,
                energy=5,
                sleep_hours=7,
                adherence="yes",
                source_channel="x",
                created_at=at(d),
            )
            for d in days
        ]
        before = CheckIn(
            client_id=una.id,
            mood=5,
            energy=5,
            sleep_hours=7,
            adherence="yes",
            source_channel="x",
            created_at=at(1, month=2),
        )
        session.add_all([*check_ins, before])
        await session.flush()

        def feedback(check_in: CheckIn, key: str, **values: str) -> CoachFeedback:
            kind = "reaction" if "reaction" in values else "comment"
            return CoachFeedback(
                check_in_id=check_in.id,
                client_id=una.id,
                coach_id=ada.id,
                kind=kind,
                source="web",
                request_key=key,
                **values,
            )

        # The first check-in got a reaction and a comment (counted once); one before the period got one.
        session.add_all(
            [
                feedback(check_ins[0], "r1", reaction="clap"),
                feedback(check_ins[0], "c1", comment="great week"),
                feedback(before, "r0", reaction="heart"),
            ]
        )
    async with db.unit_of_work() as session:
        assert (await compute(session, Scope(), PERIOD, ["coach_feedback_rate"])) == {
            "coach_feedback_rate": 25.0
        }
        assert (await compute(session, Scope(coach_id=ada.id), PERIOD, ["coach_feedback_rate"]))[
            "coach_feedback_rate"
        ] == 25.0
        # Bea's clients did not check in: nothing to measure.
        assert (await compute(session, Scope(coach_id=bea.id), PERIOD, ["coach_feedback_rate"]))[
            "coach_feedback_rate"
        ] is None
