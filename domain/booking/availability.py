"""A coach's availability: weekly hours in their timezone, exceptions (holidays, other hours on a day,
one-off blocks), session length, buffer, notice period and how far ahead clients may book.

Written by coaches as YAML (``coach availability set --file hours.yaml``, Slack, the web workspace)::

    timezone: Europe/Berlin     # optional: the coach's timezone by default
    session_minutes: 50
    buffer_minutes: 10          # free time kept between two sessions (and around busy time)
    notice_hours: 24            # no booking, cancelling or rescheduling closer to the start than this
    horizon_days: 28            # how far ahead slots are offered
    video_link: https://...     # optional: the coach's fixed meeting link (default: a new Jitsi room each)
    extra_session_program: 12   # optional: a priced program including sessions, to buy one more
    weekly:
      monday: ["09:00-12:00", "14:00-17:30"]
      wednesday: ["10:00-16:00"]
    exceptions:
      - date: 2026-12-25                   # a holiday: closed all day
      - date: 2026-12-30                   # other hours that day
        hours: ["09:00-11:00"]
      - from: 2026-12-02 13:00             # a one-off block (coach's local time)
        to: 2026-12-02 15:00

:func:`parse_availability` walks the YAML node tree, so every error names the line it is on.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.clock import time_zone
from domain.reasons import Count, Reason
from domain.reasons.booking import AvailabilityProblems as P

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SESSION_MINUTES_RANGE = (10, 480)
BUFFER_MINUTES_RANGE = (0, 240)
NOTICE_HOURS_RANGE = (0, 24 * 30)
HORIZON_DAYS_RANGE = (1, 365)
DEFAULT_SESSION_MINUTES = 50
DEFAULT_BUFFER_MINUTES = 10
DEFAULT_NOTICE_HOURS = 24
DEFAULT_HORIZON_DAYS = 28
MAX_YAML_CHARS = 50_000
VIDEO_LINK_MAX_CHARS = 500
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_KEYS = (
    "timezone",
    "session_minutes",
    "buffer_minutes",
    "notice_hours",
    "horizon_days",
    "video_link",
    "extra_session_program",
    "weekly",
    "exceptions",
)


class AvailabilityError(ValueError):
    """The YAML cannot be used; ``line`` is 1-based (0: not tied to a line). ``message`` is the
    problem in English, ``reason`` the same as a :class:`~domain.reasons.Reason` for the channels."""

    def __init__(self, line: int, reason: Reason) -> None:
        super().__init__(str(P.ON_LINE(line=line, problem=reason)) if line else str(reason))
        self.line = line
        self.reason = reason
        self.message = str(reason)

    @property
    def reason_with_line(self) -> Reason:
        """The problem with its line ("line 3: …"), as ``str()`` says it in English."""
        return P.ON_LINE(line=self.line, problem=self.reason) if self.line else self.reason


@dataclass(frozen=True, slots=True)
class Hours:
    """One window of a day in local wall-clock times; it ends the same day, after it starts."""

    start: time
    end: time

    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class DayException:
    """Other hours on one local date: none (closed, a holiday) or the windows given."""

    day: date
    hours: tuple[Hours, ...] = ()


@dataclass(frozen=True, slots=True)
class Block:
    """A one-off busy time, local wall-clock (naive) in the coach's timezone."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Availability:
    timezone: str
    weekly: dict[int, tuple[Hours, ...]]  # weekday (0 = Monday) -> windows
    exceptions: tuple[DayException, ...] = ()
    blocks: tuple[Block, ...] = ()
    session_minutes: int = DEFAULT_SESSION_MINUTES
    buffer_minutes: int = DEFAULT_BUFFER_MINUTES
    notice_hours: int = DEFAULT_NOTICE_HOURS
    horizon_days: int = DEFAULT_HORIZON_DAYS
    video_link: str | None = None
    # A priced program that includes sessions: clients who used theirs buy one more through it.
    extra_session_program: int | None = None
    _by_day: dict[date, tuple[Hours, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_day.update({e.day: e.hours for e in self.exceptions})

    @property
    def zone(self) -> ZoneInfo:
        return time_zone(self.timezone)

    def hours_on(self, day: date) -> tuple[Hours, ...]:
        """The windows of a local date: its exception when it has one, else its weekday's."""
        if day in self._by_day:
            return self._by_day[day]
        return self.weekly.get(day.weekday(), ())

    def to_dict(self) -> dict[str, Any]:
        """The stored (JSON) form; :func:`from_dict` reads it back."""
        return {
            "timezone": self.timezone,
            "session_minutes": self.session_minutes,
            "buffer_minutes": self.buffer_minutes,
            "notice_hours": self.notice_hours,
            "horizon_days": self.horizon_days,
            "video_link": self.video_link,
            "extra_session_program": self.extra_session_program,
            "weekly": {WEEKDAYS[d]: [h.text() for h in hours] for d, hours in sorted(self.weekly.items())},
            "exceptions": [
                {"date": e.day.isoformat(), "hours": [h.text() for h in e.hours]} for e in self.exceptions
            ],
            "blocks": [{"from": b.start.isoformat(), "to": b.end.isoformat()} for b in self.blocks],
        }

    def to_yaml(self) -> str:
        """The YAML a coach would write for these settings (shown back, and editable)."""
        data: dict[str, Any] = {
            "timezone": self.timezone,
            "session_minutes": self.session_minutes,
            "buffer_minutes": self.buffer_minutes,
            "notice_hours": self.notice_hours,
            "horizon_days": self.horizon_days,
        }
        if self.video_link:
            data["video_link"] = self.video_link
        if self.extra_session_program is not None:
            data["extra_session_program"] = self.extra_session_program
        data["weekly"] = {WEEKDAYS[d]: [h.text() for h in hours] for d, hours in sorted(self.weekly.items())}
        exceptions: list[dict[str, Any]] = []
        for e in self.exceptions:
            item: dict[str, Any] = {"date": e.day.isoformat()}
            if e.hours:
                item["hours"] = [h.text() for h in e.hours]
            exceptions.append(item)
        exceptions += [
            {"from": f"{b.start:%Y-%m-%d %H:%M}", "to": f"{b.end:%Y-%m-%d %H:%M}"} for b in self.blocks
        ]
        if exceptions:
            data["exceptions"] = exceptions
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def from_dict(data: dict[str, Any]) -> Availability:
    return Availability(
        timezone=data["timezone"],
        weekly={
            WEEKDAYS.index(name): tuple(_hours(text, 0) for text in hours)
            for name, hours in data.get("weekly", {}).items()
        },
        exceptions=tuple(
            DayException(date.fromisoformat(e["date"]), tuple(_hours(h, 0) for h in e.get("hours", [])))
            for e in data.get("exceptions", [])
        ),
        blocks=tuple(
            Block(datetime.fromisoformat(b["from"]), datetime.fromisoformat(b["to"]))
            for b in data.get("blocks", [])
        ),
        session_minutes=int(data["session_minutes"]),
        buffer_minutes=int(data["buffer_minutes"]),
        notice_hours=int(data["notice_hours"]),
        horizon_days=int(data["horizon_days"]),
        video_link=data.get("video_link"),
        extra_session_program=data.get("extra_session_program"),
    )


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: Node, what: str | Reason) -> str:
    if not isinstance(node, ScalarNode):
        raise AvailabilityError(_line(node), P.SINGLE_VALUE(what=what))
    return str(node.value).strip()


def _whole(node: Node, what: str | Reason, bounds: tuple[int, int]) -> int:
    text = _scalar(node, what)
    if not text.isdigit():
        raise AvailabilityError(_line(node), P.WHOLE_NUMBER(what=what, text=repr(text)))
    value = int(text)
    low, high = bounds
    if not low <= value <= high:
        raise AvailabilityError(_line(node), P.BETWEEN(what=what, low=low, high=high, value=value))
    return value


def _hours(text: str, line: int) -> Hours:
    match = _RANGE.match(text)
    if not match:
        raise AvailabilityError(line, P.HOURS_FORMAT(text=repr(text)))
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise AvailabilityError(line, P.NOT_A_TIME(text=repr(text)))
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise AvailabilityError(line, P.ENDS_BEFORE_START(text=repr(text)))
    return Hours(start, end)


def _windows(node: Node, what: str | Reason) -> tuple[Hours, ...]:
    if isinstance(node, ScalarNode):
        if node.value.strip() in ("", "closed", "null", "~"):
            return ()
        items: list[Node] = [node]
    elif isinstance(node, SequenceNode):
        items = list(node.value)
    else:
        raise AvailabilityError(_line(node), P.WINDOWS_LIST(what=what))
    windows = sorted((_hours(_scalar(item, what), _line(item)) for item in items), key=lambda h: h.start)
    for before, after in itertools.pairwise(windows):
        if after.start < before.end:
            raise AvailabilityError(
                _line(node), P.OVERLAP(what=what, first=before.text(), second=after.text())
            )
    return tuple(windows)


def _mapping(node: Node, what: str | Reason) -> list[tuple[ScalarNode, Node]]:
    if not isinstance(node, MappingNode):
        raise AvailabilityError(_line(node), P.MAPPING(what=what))
    pairs: list[tuple[ScalarNode, Node]] = []
    seen: set[str] = set()
    for key, value in node.value:
        name = _scalar(key, P.A_KEY()).lower()
        if name in seen:
            raise AvailabilityError(_line(key), P.GIVEN_TWICE(name=repr(name)))
        seen.add(name)
        pairs.append((key, value))
    return pairs


def _local_datetime(node: Node, what: str | Reason) -> datetime:
    text = _scalar(node, what)
    try:
        value = datetime.fromisoformat(text.replace("T", " "))
    except ValueError:
        raise AvailabilityError(_line(node), P.DATETIME_FORMAT(what=what, text=repr(text))) from None
    if value.tzinfo is not None:
        raise AvailabilityError(_line(node), P.LOCAL_TIME(what=what, text=repr(text)))
    return value


def _exceptions(node: Node) -> tuple[tuple[DayException, ...], tuple[Block, ...]]:
    if isinstance(node, ScalarNode) and node.value.strip() in ("", "null", "~"):
        return (), ()
    if not isinstance(node, SequenceNode):
        raise AvailabilityError(_line(node), P.EXCEPTIONS_LIST())
    days: dict[date, DayException] = {}
    blocks: list[Block] = []
    for item in node.value:
        fields = {_scalar(k, P.A_KEY()).lower(): (k, v) for k, v in _mapping(item, P.AN_EXCEPTION())}
        unknown = set(fields) - {"date", "hours", "from", "to"}
        if unknown:
            key = fields[sorted(unknown)[0]][0]
            raise AvailabilityError(_line(key), P.UNKNOWN_EXCEPTION_FIELD(name=repr(key.value)))
        if "date" in fields:
            if "from" in fields or "to" in fields:
                raise AvailabilityError(_line(item), P.DATE_OR_BLOCK())
            text = _scalar(fields["date"][1], "date")
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise AvailabilityError(_line(fields["date"][1]), P.DATE_FORMAT(text=repr(text))) from None
            if day in days:
                raise AvailabilityError(_line(item), P.TWO_EXCEPTIONS(day=day.isoformat()))
            hours = _windows(fields["hours"][1], P.HOURS_ON(day=day.isoformat())) if "hours" in fields else ()
            days[day] = DayException(day, hours)
        elif "from" in fields and "to" in fields:
            if "hours" in fields:
                raise AvailabilityError(_line(fields["hours"][0]), P.BLOCK_HAS_NO_HOURS())
            start = _local_datetime(fields["from"][1], "from")
            end = _local_datetime(fields["to"][1], "to")
            if end <= start:
                raise AvailabilityError(_line(fields["to"][1]), P.BLOCK_ENDS_BEFORE_START())
            blocks.append(Block(start, end))
        else:
            raise AvailabilityError(_line(item), P.EXCEPTION_NEEDS())
    return tuple(sorted(days.values(), key=lambda e: e.day)), tuple(sorted(blocks, key=lambda b: b.start))


def check_timezone(name: str, line: int = 0) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AvailabilityError(line, P.UNKNOWN_TIMEZONE(name=repr(name))) from None
    return name


def check_video_link(link: str, line: int = 0) -> str:
    parts = urlsplit(link)
    if parts.scheme != "https" or not parts.netloc or len(link) > VIDEO_LINK_MAX_CHARS or " " in link:
        raise AvailabilityError(line, P.VIDEO_LINK(link=repr(link)))
    return link


def parse_availability(text: str, *, default_timezone: str = "UTC") -> Availability:
    """Availability from YAML; :class:`AvailabilityError` with the line of the first problem."""
    if len(text) > MAX_YAML_CHARS:
        raise AvailabilityError(0, P.TOO_LONG(limit=Count(MAX_YAML_CHARS)))
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise AvailabilityError(line, P.NOT_YAML(detail=str(exc.problem or exc.context))) from None
    except yaml.YAMLError as exc:
        raise AvailabilityError(0, P.NOT_YAML(detail=str(exc))) from None
    if root is None:
        raise AvailabilityError(1, P.EMPTY())
    values: dict[str, Node] = {}
    for key, value in _mapping(root, P.THE_FILE()):
        name = str(key.value).strip().lower()
        if name not in _KEYS:
            raise AvailabilityError(
                _line(key), P.UNKNOWN_SETTING(name=repr(key.value), known=", ".join(_KEYS))
            )
        values[name] = value
    timezone = default_timezone
    if "timezone" in values:
        timezone = check_timezone(_scalar(values["timezone"], "timezone"), _line(values["timezone"]))
    if "weekly" not in values:
        raise AvailabilityError(_line(root), P.WEEKLY_MISSING())
    weekly: dict[int, tuple[Hours, ...]] = {}
    for key, value in _mapping(values["weekly"], "weekly"):
        name = str(key.value).strip().lower()
        if name not in WEEKDAYS:
            raise AvailabilityError(_line(key), P.NOT_A_WEEKDAY(name=repr(key.value)))
        hours = _windows(value, name)
        if hours:
            weekly[WEEKDAYS.index(name)] = hours
    exceptions, blocks = _exceptions(values["exceptions"]) if "exceptions" in values else ((), ())
    video_link = None
    if "video_link" in values:
        raw = _scalar(values["video_link"], "video_link")
        video_link = (
            check_video_link(raw, _line(values["video_link"])) if raw not in ("", "null", "~") else None
        )

    def number(name: str, bounds: tuple[int, int], default: int) -> int:
        return _whole(values[name], name, bounds) if name in values else default

    availability = Availability(
        timezone=timezone,
        weekly=weekly,
        exceptions=exceptions,
        blocks=blocks,
        session_minutes=number("session_minutes", SESSION_MINUTES_RANGE, DEFAULT_SESSION_MINUTES),
        buffer_minutes=number("buffer_minutes", BUFFER_MINUTES_RANGE, DEFAULT_BUFFER_MINUTES),
        notice_hours=number("notice_hours", NOTICE_HOURS_RANGE, DEFAULT_NOTICE_HOURS),
        horizon_days=number("horizon_days", HORIZON_DAYS_RANGE, DEFAULT_HORIZON_DAYS),
        video_link=video_link,
        extra_session_program=(
            _whole(values["extra_session_program"], "extra_session_program", (1, 2**31 - 1))
            if "extra_session_program" in values
            else None
        ),
    )
    for day, hours in availability.weekly.items():
        if not any(_fits(h, availability.session_minutes) for h in hours):
            raise AvailabilityError(
                _line(values["weekly"]),
                P.NO_WINDOW_LONG_ENOUGH(weekday=WEEKDAYS[day], minutes=availability.session_minutes),
            )
    return availability


def _fits(hours: Hours, minutes: int) -> bool:
    start = hours.start.hour * 60 + hours.start.minute
    end = hours.end.hour * 60 + hours.end.minute
    return end - start >= minutes
