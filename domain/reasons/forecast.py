"""Why a goal's forecast reads as it does, and why a client may drop out (churn risk and the risk flags
behind it); said in the coach's language by the channels, English in the JSON API, CSV and CLI."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class ForecastReasons(Reasons):
    DONE = Sentence("already at 100 %")
    PAST_DUE = Sentence("due on {due} and at {progress} %")
    TOO_FEW = Sentence(
        "needs progress in {needed} check-in on different days, has {has}",
        plural="needs progress in {needed} check-ins on different days, has {has}",
        count="needed",
    )
    ONE_INSTANT = Sentence("all progress check-ins at one instant")
    # The pace is signed: rising (or flat) gets a plus, falling its minus.
    RISING = Sentence("at +{pace} points a week, about {projected} % by {due} (likely {low} %-{high} %)")
    FALLING = Sentence("at {pace} points a week, about {projected} % by {due} (likely {low} %-{high} %)")
    # "100 %" is a sentence of its own: "% i" and "% o" in one text would read as printf formats.
    FULL = Sentence("100 %")
    ONLY_AT_THE_TOP = Sentence("{trend}; {full} only at the top of the range")
    OUT_OF_REACH = Sentence("{trend}; {full} is out of reach at this pace")


class ChurnReasons(Reasons):
    """The churn risk's reasons: a long silence, and the risk flags (domain.insights.risk)."""

    SILENT = Sentence("no check-in for {days} day", plural="no check-in for {days} days", count="days")
    MOOD = Sentence("mood")
    ENERGY = Sentence("energy")
    FELL = Sentence("{metric} fell from {last} to {value} week over week")
    MISSED_WEEKLY = Sentence("missed this week's check-in")
    MISSED = Sentence("missed {missed} of {expected} expected check-ins")
    MISSED_SILENT = Sentence(
        "missed {missed} of {expected} expected check-ins; last check-in {days} day ago",
        plural="missed {missed} of {expected} expected check-ins; last check-in {days} days ago",
        count="days",
    )
    PERCENT = Sentence("{value}%")
    LOW_ADHERENCE = Sentence("kept to the plan {percent} of the time this week")
    NEGATIVE_NOTES = Sentence("{negative} of {count} notes read negative")
