"""Progress prediction (Theil–Sen with Sen's band, labelled with its reason) and churn risk, worked out
by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.analytics.prediction import ChurnRisk, Outlook, forecast, goal_forecasts, theil_sen
from domain.analytics.scope import Scope
from domain.db import Database
from domain.models import CheckIn, Client, Coach, Goal

MARCH_1 = datetime(2026, 3, 1, tzinfo=UTC)


def weekly(*values: int) -> list[tuple[datetime, int]]:
    return [(MARCH_1 + timedelta(days=7 * n), v) for n, v in enumerate(values)]


def test_theil_sen_fits_a_line_and_shrugs_off_an_outlier() -> None:
    exact = theil_sen([(0, 10), (1, 15), (2, 20), (3, 25)])
    assert exact is not None and (exact.slope, exact.intercept) == (5, 10)
    assert (exact.slope_low, exact.slope_high) == (5, 5)
    # One wild answer (90 on day 3) moves a least-squares line a lot; the median of slopes not at all.
    robust = theil_sen([(0, 10), (1, 15), (2, 20), (3, 90), (4, 30)])
    assert robust is not None and robust.slope == 5 and robust.intercept == 10
    assert theil_sen([(1, 10), (1, 20)]) is None


def test_on_track_when_the_projection_reaches_the_target() -> None:
    outlook, reason, band, pace = forecast(
        weekly(10, 20, 30), date(2026, 5, 9), 30, now=MARCH_1 + timedelta(days=15)
    )
    # 10 points a week from 10 % on 1 March: 100 % after 63 days, before the due date (70 days).
    assert outlook is Outlook.ON_TRACK and band == (100.0, 100.0, 100.0) and pace == 10.0
    assert str(reason).startswith("at +10.0 points a week, about 100 % by 2026-05-09")


def test_off_track_when_even_the_band_falls_short() -> None:
    outlook, reason, band, _pace = forecast(
        weekly(10, 12, 14), date(2026, 5, 9), 14, now=MARCH_1 + timedelta(days=15)
    )
    assert outlook is Outlook.OFF_TRACK and band == (30.0, 30.0, 30.0)  # 2 a week for 10 weeks
    assert "out of reach" in str(reason)


def test_at_risk_when_only_the_top_of_the_band_reaches_it() -> None:
    # Slopes per day between the four check-ins: 5/7, 25/14, 15/7, 50/21, 20/7, 25/7; median 2.262.
    # Sen's 95 % ranks for 4 points and 6 slopes cover them all: 5/7 to 25/7.
    outlook, reason, band, pace = forecast(
        weekly(10, 30, 35, 60), date(2026, 4, 4), 60, now=MARCH_1 + timedelta(days=22)
    )
    assert outlook is Outlook.AT_RISK and "only at the top of the range" in str(reason)
    assert band is not None
    projected, low, high = band
    assert projected == pytest.approx(11.25 + (15 / 7 + 50 / 21) / 2 * 35)  # ≈ 90.4
    assert low == pytest.approx(25 + 5 / 7 * 35)  # 50
    assert high == 100.0
    assert pace == pytest.approx((15 / 7 + 50 / 21) / 2 * 7)


def test_too_few_check_ins_past_due_and_done() -> None:
    now = MARCH_1 + timedelta(days=10)
    outlook, reason, _band, _pace = forecast(weekly(10, 20), date(2026, 5, 1), 20, now=now)
    assert (outlook, str(reason)) == (
        Outlook.NOT_ENOUGH_DATA,
        "needs progress in 3 check-ins on different days, has 2",
    )
    outlook, reason, _band, _pace = forecast(weekly(10, 20, 30), date(2026, 3, 5), 30, now=now)
    assert (outlook, str(reason)) == (Outlook.OFF_TRACK, "due on 2026-03-05 and at 30 %")
    assert forecast([], date(2026, 3, 5), 100, now=now)[0] is Outlook.ON_TRACK


async def test_forecasts_for_a_coach_with_churn_risk(db: Database) -> None:
    now = datetime(2026, 3, 30, 12, tzinfo=UTC)
    async with db.unit_of_work() as session:
        coach = Coach(name="Ada", email="ada@example.com", invite_code="ada")
        session.add(coach)
        await session.flush()
        keen = Client(coach_id=coach.id, display_name="Keen", timezone="Asia/Tokyo", created_at=MARCH_1)
        quiet = Client(
            coach_id=coach.id, display_name="Quiet", timezone="America/Chicago", created_at=MARCH_1
        )
        session.add_all([keen, quiet])
        await session.flush()
        keen_goal = Goal(client_id=keen.id, text="run 10 km", due_date=date(2026, 5, 31), progress=40)
        quiet_goal = Goal(client_id=quiet.id, text="sleep 8 h", due_date=date(2026, 4, 30), progress=10)
        session.add_all([keen_goal, quiet_goal])
        await session.flush()
        for day in range(1, 30):  # Keen checks in daily, progress rising 10 a week
            session.add(
                CheckIn(
                    client_id=keen.id,
                    goal_id=keen_goal.id if day % 2 else None,
                    mood=7,
                    energy=7,
                    sleep_hours=8,
                    adherence="yes",
                    goal_progress=round(day * 10 / 7) if day % 7 == 0 else None,
                    source_channel="console",
                    created_at=MARCH_1 + timedelta(days=day - 1, hours=1),
                )
            )
        session.add(
            CheckIn(
                client_id=quiet.id,
                mood=4,
                energy=4,
                sleep_hours=6,
                adherence="no",
                goal_progress=10,
                source_channel="console",
                created_at=datetime(2026, 3, 10, 15, tzinfo=UTC),
            )
        )
    async with db.unit_of_work() as session:
        found = {f.client_name: f for f in await goal_forecasts(session, Scope(coach_id=coach.id), now=now)}
    assert found["Keen"].check_ins == 4 and found["Keen"].outlook is Outlook.ON_TRACK
    assert found["Keen"].churn_risk is ChurnRisk.LOW and found["Keen"].churn_reasons == ()
    assert found["Quiet"].outlook is Outlook.NOT_ENOUGH_DATA
    assert found["Quiet"].churn_risk is ChurnRisk.HIGH
    # 10 March 15:00 to 30 March 12:00
    assert str(found["Quiet"].churn_reasons[0]) == "no check-in for 19 days"
    exported = found["Quiet"].to_dict()
    assert exported["outlook"] == "not enough data"
    assert exported["churn_reasons"][0] == "no check-in for 19 days"
    assert exported["reason"] == "needs progress in 3 check-ins on different days, has 1"
