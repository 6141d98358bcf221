"""Table-driven tests of the chat-input parsers: what people type → value, or a helpful ParseError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.parsing import (
    COMMON_TIMEZONES,
    GoalDetails,
    ParseError,
    normalize_command,
    parse_adherence,
    parse_date,
    parse_goal_details,
    parse_number,
    parse_percent,
    parse_scale,
    parse_sleep_hours,
    parse_time_of_day,
    parse_timezone,
    parse_yes_no,
)
from conversations.parsing.places import _cities

TODAY = date(2026, 11, 27)  # a Friday

# Every parser, called as the flows call it: scores from 1 to 10, dates from TODAY.
PARSERS: dict[str, Callable[[str], object]] = {
    "number": parse_number,
    "scale": lambda text: parse_scale(text, 1, 10),
    "sleep": parse_sleep_hours,
    "percent": parse_percent,
    "adherence": parse_adherence,
    "time": parse_time_of_day,
    "timezone": parse_timezone,
    "date": lambda text: parse_date(text, TODAY),
    "goal": lambda text: parse_goal_details(text, TODAY),
    "yes/no": parse_yes_no,
}


def test_parse_error_is_a_value_error_with_a_hint() -> None:
    with pytest.raises(ValueError) as caught:
        parse_number("lots")
    assert isinstance(caught.value, ParseError)
    assert caught.value.hint == str(caught.value) == "Please send a number, like 7 or 7.5."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7.0),
        ("7.5", 7.5),
        ("7,5", 7.5),
        (".5", 0.5),
        ("  7  ", 7.0),
        ("-3", -3.0),
        ("1,000", 1000.0),
        ("0,500", 0.5),
        ("seven", 7.0),
        ("Seven", 7.0),
        ("twenty one", 21.0),
        ("twenty-one", 21.0),
        ("ninety nine", 99.0),
        ("a hundred", 100.0),
        ("one hundred and five", 105.0),
        ("two thousand three hundred", 2300.0),
        ("a dozen", 12.0),
        ("zero", 0.0),
        ("half", 0.5),
        ("a half", 0.5),
        ("a quarter", 0.25),
        ("three quarters", 0.75),
        ("seven and a half", 7.5),
        ("7 and a half", 7.5),
        ("seven point five", 7.5),
        ("7/10", 7.0),
        ("7 / 10", 7.0),
        ("7 out of 10", 7.0),
        ("about 7", 7.0),
        ("around seven", 7.0),
        ("~7", 7.0),
        ("7ish", 7.0),
        ("7-ish", 7.0),
        ("maybe 7 or so", 7.0),
        ("7h", 7.0),
        ("7 hours", 7.0),
        ("5km", 5.0),
        ("40%", 40.0),
        ("7.", 7.0),
        ("7!", 7.0),
        ("7½", 7.5),
        ("½", 0.5),
        ("７", 7.0),  # full-width digit
        ("٧", 7.0),  # Arabic-Indic digit
        ("7️⃣", 7.0),  # keycap emoji
        ("\u200b7", 7.0),  # zero-width space pasted in
    ],
)
def test_parse_number_accepts(text: str, expected: float) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [
        ("8", 1, 10, 8),
        ("eight", 1, 10, 8),
        ("8/10", 1, 10, 8),
        ("8 out of 10", 1, 10, 8),
        ("10/10", 1, 10, 10),
        ("1", 1, 10, 1),
        ("ten", 1, 10, 10),
        ("8.0", 1, 10, 8),
        ("about 6", 1, 10, 6),
        ("3", 1, 5, 3),
        ("4/5", 1, 5, 4),
        ("five", 1, 5, 5),
        ("0", 0, 3, 0),
    ],
)
def test_parse_scale_accepts(text: str, low: int, high: int, expected: int) -> None:
    assert parse_scale(text, low, high) == expected


@pytest.mark.parametrize(
    ("text", "low", "high", "hint"),
    [
        ("7.5", 1, 10, "Please send a whole number from 1 to 10 (no halves), like 7."),
        ("seven and a half", 1, 10, "Please send a whole number from 1 to 10 (no halves), like 7."),
        ("11", 1, 10, "Please send a whole number from 1 to 10, like 7."),
        ("0", 1, 10, "Please send a whole number from 1 to 10, like 7."),
        ("-1", 1, 10, "Please send a whole number from 1 to 10, like 7."),
        ("great", 1, 10, "Please send a whole number from 1 to 10, like 7."),
        ("", 1, 10, "Please send a whole number from 1 to 10, like 7."),
        ("4/5", 1, 10, "Please score from 1 to 10, like 7/10."),
        ("6", 1, 5, "Please send a whole number from 1 to 5, like 4."),
    ],
)
def test_parse_scale_rejects_with_specific_hint(text: str, low: int, high: int, hint: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_scale(text, low, high)
    assert caught.value.hint == hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7.0),
        ("7.5", 7.5),
        ("7,5", 7.5),
        ("7.30", 7.3),  # a dot is a decimal point
        ("7h30", 7.5),
        ("7h 30", 7.5),
        ("7h30m", 7.5),
        ("7:30", 7.5),
        ("7:05", 7.08),
        ("7 hours 30 minutes", 7.5),
        ("7 hrs 15 mins", 7.25),
        ("7 hours and 45 minutes", 7.75),
        ("seven hours thirty minutes", 7.5),
        ("7h", 7.0),
        ("7 hours", 7.0),
        ("about 8 hours", 8.0),
        ("seven and a half", 7.5),
        ("7 and a half hours", 7.5),
        ("7½", 7.5),
        ("450 minutes", 7.5),
        ("0", 0.0),
        ("24", 24.0),
        ("7.5 h", 7.5),
    ],
)
def test_parse_sleep_hours_accepts(text: str, expected: float) -> None:
    assert parse_sleep_hours(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40", 40),
        ("40%", 40),
        ("40 %", 40),
        ("forty percent", 40),
        ("40 per cent", 40),
        ("half", 50),
        ("Halfway", 50),
        ("a quarter", 25),
        ("one quarter", 25),
        ("an half", 50),
        ("one half", 50),
        ("two thirds", 67),
        ("three quarters", 75),
        ("3/4", 75),
        ("40/100", 40),
        ("0", 0),
        ("100", 100),
        ("done", 100),
        ("none", 0),
        ("12.5", 13),
        ("about 60%", 60),
        ("４０％", 40),  # full-width
    ],
)
def test_parse_percent_accepts(text: str, expected: int) -> None:
    assert parse_percent(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("Y", "yes"),
        ("yeah", "yes"),
        ("Yep!", "yes"),
        ("fully", "yes"),
        ("👍", "yes"),
        ("✅", "yes"),
        ("partly", "partly"),
        ("p", "partly"),
        ("mostly", "partly"),
        ("somewhat", "partly"),
        ("a bit", "partly"),
        ("kinda", "partly"),
        ("more or less", "partly"),
        ("not fully", "partly"),
        ("yes, but only in the mornings", "partly"),
        ("no", "no"),
        ("n", "no"),
        ("nope", "no"),
        ("Nah.", "no"),
        ("not at all", "no"),
        ("not really", "no"),
        ("👎", "no"),
        ("no, I was ill", "no"),
    ],
)
def test_parse_adherence_accepts(text: str, expected: str) -> None:
    assert parse_adherence(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("yeah!", True),
        ("sure", True),
        ("OK", True),
        ("yes please", True),
        ("Yes, let's go", True),
        ("👍", True),
        ("no", False),
        ("N", False),
        ("nope.", False),
        ("no thanks", False),
        ("not really", False),
        ("👎", False),
    ],
)
def test_parse_yes_no_accepts(text: str, expected: bool) -> None:
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8am", "08:00"),
        ("8 am", "08:00"),
        ("8 a.m.", "08:00"),
        ("8AM", "08:00"),
        ("8:30pm", "20:30"),
        ("8:30 PM", "20:30"),
        ("8.30pm", "20:30"),
        ("20:30", "20:30"),
        ("20.30", "20:30"),
        ("20h30", "20:30"),
        ("20h", "20:00"),
        ("0830", "08:30"),
        ("830", "08:30"),
        ("2030", "20:30"),
        ("noon", "12:00"),
        ("Midday", "12:00"),
        ("midnight", "00:00"),
        ("8", "08:00"),
        ("0", "00:00"),
        ("23:59", "23:59"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("12:15am", "00:15"),
        ("at 7", "07:00"),
        ("7 o'clock", "07:00"),
        ("eight", "08:00"),
        ("eight am", "08:00"),
        ("eight thirty pm", "20:30"),
        ("seven forty five", "07:45"),
        ("8 in the morning", "08:00"),
        ("8 in the evening", "20:00"),
        ("11 at night", "23:00"),
        ("２０:３０", "20:30"),
    ],
)
def test_parse_time_of_day_accepts(text: str, expected: str) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("europe/berlin", "Europe/Berlin"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
        ("Asia/Calcutta", "Asia/Calcutta"),  # a legacy name is still a valid IANA name
        ("Berlin", "Europe/Berlin"),
        ("berlin ", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("NYC", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Tokyo", "Asia/Tokyo"),
        ("Zürich", "Europe/Zurich"),
        ("Kraków", "Europe/Warsaw"),
        ("Ho Chi Minh", "Asia/Ho_Chi_Minh"),
        ("St. John's", "America/St_Johns"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Singapore", "Asia/Singapore"),
        ("Istanbul", "Europe/Istanbul"),
        ("Munich", "Europe/Berlin"),
        ("San Francisco", "America/Los_Angeles"),
        ("Mumbai", "Asia/Kolkata"),
        ("Beijing", "Asia/Shanghai"),
        ("Doha", "Asia/Qatar"),
        ("Cape Town", "Africa/Johannesburg"),
        ("Lagos", "Africa/Lagos"),
        ("Nairobi", "Africa/Nairobi"),
        ("Sydney", "Australia/Sydney"),
        ("Auckland", "Pacific/Auckland"),
        ("Honolulu", "Pacific/Honolulu"),
        ("Japan", "Asia/Tokyo"),
        ("UK", "Europe/London"),
        ("Berlin, Germany", "Europe/Berlin"),
        ("Paris (France)", "Europe/Paris"),
        ("I'm in Lisbon", "Europe/Lisbon"),
        ("London time", "Europe/London"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("Z", "UTC"),
        ("UTC+0", "UTC"),
        ("+00:00", "UTC"),
        ("UTC+2", "Etc/GMT-2"),
        ("utc +2", "Etc/GMT-2"),
        ("UTC+02:00", "Etc/GMT-2"),
        ("GMT-5", "Etc/GMT+5"),
        ("UTC−5", "Etc/GMT+5"),  # Unicode minus sign
        ("+3", "Etc/GMT-3"),
        ("UTC-12", "Etc/GMT+12"),
        ("UTC+14", "Etc/GMT-14"),
        ("+05:30", "Asia/Kolkata"),
        ("UTC+5:30", "Asia/Kolkata"),
        ("+0530", "Asia/Kolkata"),
        ("UTC+5.5", "Asia/Kolkata"),
        ("+05:45", "Asia/Kathmandu"),
        ("-03:30", "America/St_Johns"),
        ("+03:30", "Asia/Tehran"),
        ("+09:30", "Australia/Darwin"),
        ("CET", "Europe/Berlin"),
        ("cest", "Europe/Berlin"),
        ("EST", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("CST", "America/Chicago"),
        ("MST", "America/Denver"),
        ("IST", "Asia/Kolkata"),
        ("GMT", "Europe/London"),
        ("BST", "Europe/London"),
        ("JST", "Asia/Tokyo"),
        ("AEST", "Australia/Sydney"),
    ],
)
def test_parse_timezone_accepts(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


def test_parse_timezone_suggests_a_close_city() -> None:
    with pytest.raises(ParseError) as caught:
        parse_timezone("Berln")
    assert "Did you mean Berlin (Europe/Berlin)?" in caught.value.hint


@pytest.mark.parametrize("offset_minutes", [-12 * 60, -5 * 60, -1 * 60, 60, 2 * 60, 9 * 60, 14 * 60])
def test_whole_hour_offsets_give_etc_zones_with_that_offset(offset_minutes: int) -> None:
    sign = "+" if offset_minutes >= 0 else "-"
    zone = ZoneInfo(parse_timezone(f"UTC{sign}{abs(offset_minutes) // 60}"))
    assert datetime(2026, 7, 1, tzinfo=zone).utcoffset() == timedelta(minutes=offset_minutes)


@pytest.mark.parametrize(
    ("text", "offset_minutes"),
    [("-09:30", -570), ("-03:30", -210), ("+03:30", 210), ("+04:30", 270), ("+05:30", 330), ("+05:45", 345),
     ("+06:30", 390), ("+08:45", 525), ("+09:30", 570), ("+10:30", 630), ("+12:45", 765)],
)  # fmt: skip
def test_fractional_offsets_map_to_zones_with_that_standard_offset(text: str, offset_minutes: int) -> None:
    zone = ZoneInfo(parse_timezone(text))
    # The standard offset is the smaller of winter and summer (DST only ever adds).
    offsets = [datetime(2026, month, 15, tzinfo=zone).utcoffset() for month in (1, 7)]
    assert min(o for o in offsets if o is not None) == timedelta(minutes=offset_minutes)


def test_common_timezones_are_valid_buttons_that_parse_back() -> None:
    assert 6 <= len(COMMON_TIMEZONES) <= 10
    for label, zone in COMMON_TIMEZONES:
        ZoneInfo(zone)
        assert parse_timezone(label.split(" / ")[0]) == zone


def test_city_table_is_broad_and_every_entry_is_a_real_zone() -> None:
    cities = _cities()
    assert len(cities) >= 150
    for city in ["london", "paris", "moscow", "new york", "chicago", "mexico city", "sao paulo", "bogota",
                 "cairo", "lagos", "johannesburg", "dubai", "delhi", "shanghai", "jakarta", "tokyo", "sydney"]:  # fmt: skip
        assert city in cities
    for zone in set(cities.values()):
        ZoneInfo(zone)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2027/1/5", date(2027, 1, 5)),
        ("31.12.2026", date(2026, 12, 31)),
        ("31.12.26", date(2026, 12, 31)),
        ("1.2.2027", date(2027, 2, 1)),
        ("31.12", date(2026, 12, 31)),
        ("5.1.", date(2027, 1, 5)),  # no year: next occurrence
        ("12/31/2026", date(2026, 12, 31)),  # month first, unambiguous
        ("31/12/2026", date(2026, 12, 31)),  # day first, unambiguous
        ("5/5/2027", date(2027, 5, 5)),
        ("31-12-2026", date(2026, 12, 31)),
        ("today", TODAY),
        ("tomorrow", date(2026, 11, 28)),
        ("Tomorrow!", date(2026, 11, 28)),
        ("the day after tomorrow", date(2026, 11, 29)),
        ("in 3 days", date(2026, 11, 30)),
        ("in 3 weeks", date(2026, 12, 18)),
        ("in three weeks", date(2026, 12, 18)),
        ("in a week", date(2026, 12, 4)),
        ("in 2 months", date(2027, 1, 27)),
        ("in a month", date(2026, 12, 27)),
        ("in a year", date(2027, 11, 27)),
        ("within 6 months", date(2027, 5, 27)),
        ("for 2 months", date(2027, 1, 27)),
        ("in the next 3 weeks", date(2026, 12, 18)),
        ("2 weeks from now", date(2026, 12, 11)),
        ("3 weeks", date(2026, 12, 18)),
        ("in a couple of weeks", date(2026, 12, 11)),
        ("next week", date(2026, 12, 6)),  # end of next week (Sunday)
        ("end of this week", date(2026, 11, 29)),
        ("next month", date(2026, 12, 31)),  # end of next month
        ("this month", date(2026, 11, 30)),
        ("by the end of the month", date(2026, 11, 30)),
        ("end of next month", date(2026, 12, 31)),
        ("this year", date(2026, 12, 31)),
        ("next year", date(2027, 12, 31)),
        ("by March", date(2027, 3, 31)),  # month → its last day, next occurrence
        ("end of march", date(2027, 3, 31)),
        ("in March", date(2027, 3, 31)),
        ("mar", date(2027, 3, 31)),
        ("November", date(2026, 11, 30)),  # the current month has not ended yet
        ("december 2027", date(2027, 12, 31)),
        ("31 december", date(2026, 12, 31)),
        ("the 1st of march", date(2027, 3, 1)),
        ("March 3rd", date(2027, 3, 3)),
        ("Dec 31st, 2027", date(2027, 12, 31)),
        ("27 November", TODAY),
        ("26 November", date(2027, 11, 26)),  # already passed this year → next year
        ("friday", date(2026, 12, 4)),  # a weekday is never today
        ("by Monday", date(2026, 11, 30)),
        ("next saturday", date(2026, 11, 28)),
        ("deadline: 2027-01-15", date(2027, 1, 15)),
        ("２０２７-０１-１５", date(2027, 1, 15)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_parse_date_rolls_months_over_year_end_and_clamps_days() -> None:
    assert parse_date("in 1 month", date(2027, 1, 31)) == date(2027, 2, 28)
    assert parse_date("next month", date(2026, 12, 15)) == date(2027, 1, 31)
    assert parse_date("in 3 months", date(2026, 11, 30)) == date(2027, 2, 28)
    assert parse_date("by February", date(2028, 1, 10)) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("text", "hint_part"),
    [
        ("2025-01-01", "already passed"),
        ("26.11.2026", "already passed"),
        ("yesterday", "Please send a date like"),
        ("31.02.2027", "does not exist"),
        ("2027-13-01", "does not exist"),
        ("in 10000000 years", "Please send a date like"),
        ("whenever", "Please send a date like"),
        ("", "Please send a date like"),
        ("in 2.5 weeks", "Please send a date like"),
        ("in -3 weeks", "Please send a date like"),
        ("03/04/2027", "Is that 3 April or 4 March? Please send the date as YYYY-MM-DD, like 2027-04-03."),
    ],
)
def test_parse_date_rejects(text: str, hint_part: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(text, TODAY)
    assert hint_part in caught.value.hint


@pytest.mark.parametrize(
    ("text", "metric", "target", "unit", "due"),
    [
        ("Run 5 km by March", "run", 5.0, "km", date(2027, 3, 31)),
        ("run 5km by the end of March", "run", 5.0, "km", date(2027, 3, 31)),
        ("lose 4 kg in 3 months", "lose", 4.0, "kg", date(2027, 2, 27)),
        ("Lose 4 kilos in three months.", "lose", 4.0, "kg", date(2027, 2, 27)),
        ("read 12 books this year", "read", 12.0, "books", date(2026, 12, 31)),
        ("read twenty books by december", "read", 20.0, "books", date(2026, 12, 31)),
        ("meditate 10 minutes daily", "meditate", 10.0, "minutes", None),
        ("meditate for 10 mins every day", "meditate", 10.0, "minutes", None),
        ("I want to run at least 5 km before end of january", "run", 5.0, "km", date(2027, 1, 31)),
        ("My goal is to walk 10k steps every day", "walk", 10000.0, "steps", None),
        ("save $500 by 2027-06-30", "save", 500.0, "usd", date(2027, 6, 30)),
        ("gym 3 times a week for 2 months", "gym", 3.0, "times", date(2027, 1, 27)),
        ("5 km run by March", "run", 5.0, "km", date(2027, 3, 31)),
        ("run a hundred km this month", "run", 100.0, "km", date(2026, 11, 30)),
        ("swim 1,500 m by 31.12.2026", "swim", 1500.0, "m", date(2026, 12, 31)),
        ("drink 2.5 litres of water daily", "drink", 2.5, "litres", None),
        ("get to 15% body fat by June", "get", 15.0, "%", date(2027, 6, 30)),
        ("sleep 8 hours a night", "sleep", 8.0, "hours", None),
    ],
)
def test_parse_goal_details_extracts(
    text: str, metric: str | None, target: float | None, unit: str | None, due: date | None
) -> None:
    details = parse_goal_details(text, TODAY)
    assert details == GoalDetails(text=text, metric=metric, target=target, unit=unit, due_date=due)


@pytest.mark.parametrize(
    ("text", "due", "missing"),
    [
        ("Get fit", None, ("target", "due_date")),
        ("be healthier by summer", None, ("target", "due_date")),
        ("I want to run a half marathon", None, ("target", "due_date")),
        ("run a marathon by October", date(2027, 10, 31), ("target",)),
        ("I may start running", None, ("target", "due_date")),  # "may" is not May
        ("get more sun", None, ("target", "due_date")),  # "sun" is not Sunday
        ("feel better by 2020-01-01", None, ("target", "due_date")),  # past dates are left for a follow-up
    ],
)
def test_parse_goal_details_leaves_missing_fields_none(
    text: str, due: date | None, missing: tuple[str, ...]
) -> None:
    details = parse_goal_details(text, TODAY)
    assert (details.text, details.target, details.unit, details.metric, details.due_date) == (
        text,
        None,
        None,
        None,
        due,
    )
    assert details.missing == missing


def test_parse_goal_details_keeps_the_original_text_and_is_frozen() -> None:
    details = parse_goal_details("  Run   5 km  by March ", TODAY)
    assert details.text == "Run 5 km by March"
    assert details.missing == ()
    with pytest.raises(AttributeError):
        details.target = 6  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", ("start", "")),
        ("/start abc", ("start", "abc")),
        ("/start  INVITE-42 ", ("start", "INVITE-42")),
        ("/checkin@MyBot", ("checkin", "")),
        ("/checkin@MyBot now", ("checkin", "now")),
        ("/START", ("start", "")),
        (" /help", ("help", "")),
        ("/feedback great\nthanks", ("feedback", "great\nthanks")),
        ("/skip", ("skip", "")),
        ("hello", None),
        ("", None),
        ("/", None),
        ("/ start", None),
        ("start /now", None),
        ("/старт", None),
        ("https://example.com/start", None),
    ],
)
def test_normalize_command(text: str, expected: tuple[str, str] | None) -> None:
    assert normalize_command(text) == expected


_NASTY_INPUTS = [
    "",
    " ",
    "\n\t",
    "\u200b",
    "🙂🙂🙂",
    "99999999999999999999",
    "in 99999999999999999999 days",
    "1e308",
    "nan",
    "inf",
    "-",
    "+",
    "/",
    "//",
    ":",
    "a" * 5000,
    "1" * 5000,
    "7" + "\u0301" * 10,  # combining accents
    "<script>alert(1)</script>",
    "'; DROP TABLE clients; --",
    "null",
    "السبت",
    "семь",
    "七",
]


@pytest.mark.parametrize("text", _NASTY_INPUTS)
def test_every_parser_answers_nasty_input_with_a_value_or_a_parse_error(text: str) -> None:
    for parser in PARSERS.values():
        try:
            parser(text)
        except ParseError as error:
            assert error.hint.strip()
    assert normalize_command(text) is None


# What each parser refuses, and a part of the hint it answers with.
REJECTED: dict[str, tuple[str, list[str]]] = {
    "number": (
        "number",
        ["", "   ", "lots", "seven eight", "7 8", "7.5.3", "7-8", "seven seven", "a", "a bit",
         "7 hours and a half", "x7"],
    ),
    "sleep": (
        "hours you slept",
        ["25", "-1", "24:30", "7:75", "7 km", "7/10", "lots", "", "1500 minutes", "7h30 8h"],
    ),
    "percent": ("percentage from 0 to 100", ["101", "-5", "150%", "40 km", "lots", "", "3/0"]),
    "adherence": ("yes, partly or no", ["", "maybe", "what?", "7", "🙂"]),
    "yes/no": ("yes or no", ["", "maybe", "idk", "7", "yesterday", "nothing"]),
    "time": (
        "time of day",
        ["", "24:00", "25", "7:60", "13pm", "0am", "8:3", "tonight", "soon", "12345", "8:30:15", "-1"],
    ),
    "timezone": (
        "UTC offset",
        ["", "   ", "Atlantis", "asdf", "UTC+15", "UTC-13", "+05:10", "Localtime", "Factory"],
    ),
    "goal": ("goal", ["", "   ", "?!", "x" * 501]),  # empty or huge
}  # fmt: skip


@pytest.mark.parametrize(
    ("parser", "text"), [(parser, text) for parser, (_, texts) in REJECTED.items() for text in texts]
)
def test_parsers_reject_with_their_hint(parser: str, text: str) -> None:
    with pytest.raises(ParseError, match=REJECTED[parser][0]):
        PARSERS[parser](text)


def test_numbers_too_large_for_a_float_are_rejected() -> None:
    with pytest.raises(ParseError):
        parse_number("1" * 400)
    with pytest.raises(ParseError, match="from 1 to 10"):
        parse_scale("9" * 400, 1, 10)
