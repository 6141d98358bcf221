"""Turn what a person types into validated values, or a :class:`ParseError` with a friendly re-prompt.

Pure functions with no I/O: flows call them on each answer and show ``error.hint`` when one fails.
"""

from conversations.parsing._text import ParseError
from conversations.parsing.answers import normalize_command, parse_adherence, parse_yes_no
from conversations.parsing.goals import GoalDetails, parse_goal_details
from conversations.parsing.numbers import parse_number, parse_percent, parse_scale, parse_sleep_hours
from conversations.parsing.places import COMMON_TIMEZONES, parse_timezone, same_name_places
from conversations.parsing.times import DateInThePast, parse_date, parse_time_of_day

__all__ = [
    "COMMON_TIMEZONES",
    "DateInThePast",
    "GoalDetails",
    "ParseError",
    "normalize_command",
    "parse_adherence",
    "parse_date",
    "parse_goal_details",
    "parse_number",
    "parse_percent",
    "parse_scale",
    "parse_sleep_hours",
    "parse_time_of_day",
    "parse_timezone",
    "parse_yes_no",
    "same_name_places",
]
