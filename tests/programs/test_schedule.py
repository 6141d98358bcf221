"""When the next program step goes: the client's day and reminder time, DST, quiet hours, pauses,
catching up one step a day, and steps after day 1 held for unpaid or paused enrollments."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.programs.schedule import ClientTiming, ScheduledStep, ends_at, next_step, program_day, step_due_at

BERLIN = ClientTiming("Europe/Berlin", "08:00")
STEPS = [
    ScheduledStep(1, "welcome", "Welcome"),
    ScheduledStep(3, "intervals", "Intervals"),
    ScheduledStep(4, "more", "More"),
]
# Friday 27 March 2026, 10:00 in Berlin (CET, UTC+1); Sunday the 29th clocks go forward to CEST.
STARTED = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


def decide(now: datetime, released: set[str], last: datetime | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    timing = kwargs.pop("timing", BERLIN)
    return next_step(
        STEPS, released, last_release_at=last, started_at=STARTED, timing=timing, now=now, **kwargs
    )  # type: ignore[arg-type]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_day_n_is_due_at_the_reminder_time_on_the_clients_nth_local_day_across_spring_forward() -> None:
    assert step_due_at(STARTED, 1, BERLIN) == utc(2026, 3, 27, 7, 0)  # 08:00 CET
    assert step_due_at(STARTED, 3, BERLIN) == utc(2026, 3, 29, 6, 0)  # 08:00 CEST, after the change
    assert program_day(STARTED, utc(2026, 3, 29, 23, 30), BERLIN) == 4  # 01:30 local on the 30th


def test_a_reminder_time_inside_the_spring_forward_gap_moves_to_the_first_valid_minute() -> None:
    night = ClientTiming("Europe/Berlin", "02:30")
    assert step_due_at(STARTED, 3, night) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    decision = decide(utc(2026, 3, 29, 1, 0), {"welcome"}, utc(2026, 3, 27, 1, 30), timing=night)
    assert (
        decision.send
        and decision.why == "day 3 (Intervals) at 02:30 Europe/Berlin, moved by quiet hours or a DST gap"
    )


def test_a_repeated_hour_in_autumn_takes_its_first_occurrence() -> None:
    autumn_start = utc(2026, 10, 23, 9, 0)  # Friday; Sunday the 25th clocks go back
    night = ClientTiming("Europe/Berlin", "02:30")
    assert step_due_at(autumn_start, 3, night) == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, not CET


def test_quiet_hours_move_the_step_to_their_end() -> None:
    early = ClientTiming("Europe/Berlin", "07:00", "22:00", "07:30")
    assert step_due_at(STARTED, 1, early) == utc(2026, 3, 27, 6, 30)  # 07:30 CET
    assert not decide(utc(2026, 3, 27, 6, 0), set(), timing=early).send
    assert decide(utc(2026, 3, 27, 6, 30), set(), timing=early).send


def test_not_before_its_time_then_sent() -> None:
    before = decide(utc(2026, 3, 29, 5, 59), {"welcome"}, utc(2026, 3, 27, 7, 0))
    assert not before.send and before.at == utc(2026, 3, 29, 6, 0)
    assert before.why == "day 3 (Intervals) is due 2026-03-29 08:00 local"
    on_time = decide(utc(2026, 3, 29, 6, 0), {"welcome"}, utc(2026, 3, 27, 7, 0))
    assert on_time.send and on_time.index == 1 and on_time.why == "day 3 (Intervals) at 08:00 Europe/Berlin"


def test_missed_days_catch_up_one_step_a_day_at_the_reminder_time() -> None:
    # Down from Friday to Tuesday morning: nothing was sent; Tuesday 07:00 local is before 08:00.
    waiting = decide(utc(2026, 3, 31, 5, 0), set())
    assert not waiting.send and waiting.at == utc(2026, 3, 31, 6, 0)
    assert waiting.why == "day 1 (Welcome) catches up at today's reminder time 08:00 Europe/Berlin"
    first = decide(utc(2026, 3, 31, 6, 0), set())
    assert first.send and first.index == 0 and first.why == "catching up: day 1 (Welcome) was due 2026-03-27"
    # The day-3 step is overdue too, but one step went out today: it waits for tomorrow.
    second = decide(utc(2026, 3, 31, 12, 0), {"welcome"}, utc(2026, 3, 31, 6, 0))
    assert not second.send and second.at == utc(2026, 4, 1, 6, 0)
    assert second.why == "day 3 (Intervals) waits: one step a day, and one went out today"
    assert decide(utc(2026, 4, 1, 6, 0), {"welcome"}, utc(2026, 3, 31, 6, 0)).send


def test_a_pause_holds_the_step_until_it_ends() -> None:
    paused = ClientTiming("Europe/Berlin", "08:00", paused_until=utc(2026, 3, 30, 0, 0))
    held = decide(utc(2026, 3, 29, 6, 0), {"welcome"}, utc(2026, 3, 27, 7, 0), timing=paused)
    assert not held.send and held.why.endswith("; paused until 2026-03-30 00:00Z")
    assert decide(utc(2026, 3, 30, 6, 0), {"welcome"}, utc(2026, 3, 27, 7, 0), timing=paused).send


def test_steps_after_day_one_wait_for_an_active_enrollment() -> None:
    assert decide(utc(2026, 3, 27, 7, 0), set(), locked_reason="waiting for payment").send  # day 1 is free
    held = decide(
        utc(2026, 3, 29, 6, 0), {"welcome"}, utc(2026, 3, 27, 7, 0), locked_reason="waiting for payment"
    )
    assert not held.send and held.why.endswith("; waiting for payment")


def test_after_the_last_step_nothing_is_due_and_the_program_ends_after_its_weeks() -> None:
    done = decide(utc(2026, 4, 2, 6, 0), {"welcome", "intervals", "more"})
    assert (done.index, done.send) == (None, False)
    assert ends_at(STARTED, 1, BERLIN) == utc(2026, 4, 2, 22, 0)  # midnight starting 3 April, CEST
