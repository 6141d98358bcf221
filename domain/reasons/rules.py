"""Why a value breaks one of the domain's small rules (:mod:`domain.rules`): a name, a scale, a time."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class FieldNames(Reasons):
    """The fields the rules name in their sentences (``{field}``), so a reader sees them in their
    language too; a field without a name here is shown as the code wrote it."""

    NAME = Sentence("name")
    CLIENT_NAME = Sentence("client name")
    MOOD = Sentence("mood")
    ENERGY = Sentence("energy")
    PROGRESS = Sentence("progress")
    GOAL_PROGRESS = Sentence("goal progress")
    SCORE = Sentence("score")
    TIME = Sentence("time")
    REMINDER_TIME = Sentence("reminder time")
    DIGEST_TIME = Sentence("digest time")
    QUIET_START = Sentence("quiet hours start")
    QUIET_END = Sentence("quiet hours end")


class RuleProblems(Reasons):
    NOT_IN_SCALE = Sentence("{field} must be a whole number from {low} to {high}")
    SLEEP_HOURS = Sentence("sleep hours must be between 0 and 24")
    ADHERENCE = Sentence("adherence must be yes, partly or no")
    NOTE_TOO_LONG = Sentence("a note may be at most {most} characters")
    EMPTY = Sentence("{field} must not be empty")
    TOO_LONG = Sentence("{field} may be at most {most} characters")
    LANGUAGE = Sentence("unsupported language {code}")
    TIMEZONE = Sentence("unknown timezone {name}")
    TIME_OF_DAY = Sentence("{field} must be HH:MM (24-hour)")
    CADENCE = Sentence("cadence must be daily, weekdays or weekly")
    BILLING = Sentence("billing must be one_off or monthly")
    PRICE = Sentence("price must be a non-negative whole number of minor units")
    CURRENCY = Sentence("currency must be a three-letter ISO code such as usd")
    # The number is domain.rules.CAPACITY_MAX, written in the sentence so each language groups its
    # digits its own way (tests check the two agree).
    CAPACITY = Sentence("capacity is 1 to 10,000 active clients, or empty for no limit")
    EMAIL = Sentence("not an email address: {value}")
