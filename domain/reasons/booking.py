"""What is wrong with a coach's availability YAML, and why a booking change was refused.

YAML key names (``session_minutes``, ``weekly``, ``monday``, ``from``) and what the coach typed are
values, shown as written: they are the file's words, not sentences."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class AvailabilityProblems(Reasons):
    # A problem and where it is; the problem is another reason.
    ON_LINE = Sentence("line {line}: {problem}")
    # What a problem is about when it is not a setting's name ({what} below).
    A_KEY = Sentence("a key")
    AN_EXCEPTION = Sentence("an exception")
    THE_FILE = Sentence("the file")
    HOURS_ON = Sentence("hours on {day}")

    TOO_LONG = Sentence("the file is too long (at most {limit} characters)")
    NOT_YAML = Sentence("not valid YAML: {detail}")
    EMPTY = Sentence("the file is empty: it needs at least weekly hours")
    UNKNOWN_SETTING = Sentence("unknown setting {name} (known: {known})")
    WEEKLY_MISSING = Sentence('weekly hours are missing (weekly: monday: ["09:00-12:00"])')
    NOT_A_WEEKDAY = Sentence("{name} is not a weekday (monday … sunday)")
    GIVEN_TWICE = Sentence("{name} is given twice")
    SINGLE_VALUE = Sentence("{what} must be a single value")
    MAPPING = Sentence("{what} must be a mapping of names to values")
    WHOLE_NUMBER = Sentence("{what} must be a whole number, not {text}")
    BETWEEN = Sentence("{what} must be between {low} and {high}, not {value}")
    HOURS_FORMAT = Sentence("hours are written like 09:00-12:30, not {text}")
    NOT_A_TIME = Sentence("{text} is not a time of day (00:00 to 23:59)")
    ENDS_BEFORE_START = Sentence("{text} ends before it starts")
    WINDOWS_LIST = Sentence('{what} must be a list like ["09:00-12:00"]')
    OVERLAP = Sentence("{what}: {first} and {second} overlap")
    NO_WINDOW_LONG_ENOUGH = Sentence("no window on {weekday} is long enough for a {minutes}-minute session")
    EXCEPTIONS_LIST = Sentence("exceptions must be a list (each item starting with -)")
    UNKNOWN_EXCEPTION_FIELD = Sentence("unknown exception field {name} (date and hours, or from and to)")
    DATE_OR_BLOCK = Sentence("an exception has either a date or from/to, not both")
    DATE_FORMAT = Sentence("a date is written like 2026-12-25, not {text}")
    TWO_EXCEPTIONS = Sentence("{day} has two exceptions")
    BLOCK_HAS_NO_HOURS = Sentence("a block has from and to, not hours")
    BLOCK_ENDS_BEFORE_START = Sentence("a block must end after it starts")
    EXCEPTION_NEEDS = Sentence(
        "an exception needs a date (a holiday, or other hours) or from and to (a block)"
    )
    DATETIME_FORMAT = Sentence("{what} is written like 2026-12-02 13:00, not {text}")
    LOCAL_TIME = Sentence("{what} is local time: leave the offset out of {text}")
    UNKNOWN_TIMEZONE = Sentence("unknown timezone {name} (a name like Europe/Berlin)")
    VIDEO_LINK = Sentence("video_link must be an https:// address, not {link}")


class BookingProblems(Reasons):
    NO_COACH = Sentence("no coach with id {coach_id}")
    NO_PROGRAM = Sentence("no program with id {program_id}")
    CALDAV_ADDRESS = Sentence("the CalDAV address starts with https:// (or http:// on a local network)")
