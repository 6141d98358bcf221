"""The roster's pure parts: sparklines and flag texts."""

from __future__ import annotations

from bot.slack.roster import flag_texts, sparkline
from domain.insights.facts import FlagKind, RiskFlag, Severity


def test_sparkline_scales_values_and_marks_days_without_a_check_in() -> None:
    assert sparkline([1, 5.5, 10, None, 3], 1, 10) == "▁▅█·▃"
    assert sparkline([], 1, 10) == ""
    assert sparkline([0, 11], 1, 10) == "▁█"  # out-of-range values are clamped, never an error


def test_flag_texts_put_urgent_flags_first_and_add_a_failed_payment() -> None:
    watch = RiskFlag(FlagKind.LOW_ADHERENCE, Severity.WATCH, "kept the plan on 40% of days")
    act = RiskFlag(FlagKind.FALLING_MOOD, Severity.ACT, "mood fell from 8 to 3 week over week")
    assert flag_texts([watch, act], "failed") == (act.reason, watch.reason, "payment failed")
    assert flag_texts([], "succeeded") == ()
