"""Program files: Markdown with YAML front matter, parsed into a :class:`ProgramFile` (pure, no I/O).

```
---
name: Couch to 5K
price: 49.00            # in currency units; 0 = free
weeks: 6
checkin_questions:
  - key: run_minutes
    ask: How many minutes did you run today?
    type: number
---

## Day 1: Welcome
Body text, sent as the step's message.

- [ ] A task the client ticks off in chat
```

Every problem is reported with the line of the file it is on (``line 14: day 3 comes after day 5``),
all of them at once, so a coach fixes a file in one pass.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.errors import ValidationError
from domain.models.enums import Billing, Cadence
from domain.money import MoneyError, format_money, parse_money
from domain.programs.questions import QUESTION_TYPES, Question, QuestionType
from domain.reasons import Reason
from domain.reasons.programs import ProgramFileProblems as P
from domain.reasons.programs import one_a_line

# A step's text is sent as one chat message: Telegram's sendMessage takes at most 4096 characters
# (Bot API, sendMessage); the heading is sent with it, so the body keeps some room.
STEP_BODY_MAX_CHARS = 3800
STEP_TITLE_MAX_CHARS = 120
TASK_MAX_CHARS = 200
TASKS_PER_STEP_MAX = 10
NAME_MAX_CHARS = 200
DESCRIPTION_MAX_CHARS = 2000
MAX_WEEKS = 520
QUESTIONS_MAX = 20
FILES_DIR = "files/"

_DELIMITER = "---"
_HEADING = re.compile(r"^##\s+Day\s+(\d+)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_TASK = re.compile(r"^\s*[-*]\s+\[( |x|X)\]\s*(.*?)\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_CURRENCY = re.compile(r"^[a-z]{3}$")

_FIELDS = (
    "name",
    "description",
    "price",
    "currency",
    "billing",
    "weeks",
    "checkin_cadence",
    "goals_need_approval",
    "assessment",
    "checkin_questions",
    "email_sequence",
)
# The program's email sequence (a welcome series): emails on given days after the client starts.
EMAILS_MAX = 20
EMAIL_SUBJECT_MAX_CHARS = 150
EMAIL_TEXT_MAX_CHARS = 5000
EMAIL_DAY_MAX = 365


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong on one line; ``str()`` is the English ``line 14: day 3 comes after day 5``."""

    line: int
    message: Reason

    @property
    def reason(self) -> Reason:
        """The whole problem, its line included, as a sentence (said in the coach's language)."""
        return P.AT_LINE(line=self.line, problem=self.message)

    def __str__(self) -> str:
        return str(self.reason)


class ProgramFormatError(ValidationError):
    """The file is not a valid program; ``problems`` name each line, ``str()`` lists them all (and
    ``reason`` says them, one a line)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__(one_a_line([p.reason for p in self.problems]), field="program")


@dataclass(frozen=True, slots=True)
class Resource:
    """A file beside the program file (``files/intervals.pdf``), linked from a step's text."""

    label: str
    path: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class StepSpec:
    day: int
    title: str
    body: str
    tasks: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = ()
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class EmailSpec:
    """One email of the program's sequence: sent ``day`` days after the client starts (0: that day)."""

    day: int
    subject: str
    text: str
    line: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day, "subject": self.subject, "text": self.text}


@dataclass(frozen=True, slots=True)
class ProgramFile:
    name: str
    description: str = ""
    price_minor: int = 0
    currency: str = "usd"
    billing: str = Billing.ONE_OFF.value
    weeks: int = 1
    checkin_cadence: str = Cadence.DAILY.value
    goals_need_approval: bool = False
    assessment: tuple[Question, ...] = ()
    checkin_questions: tuple[Question, ...] = ()
    steps: tuple[StepSpec, ...] = ()
    email_sequence: tuple[EmailSpec, ...] = ()

    @property
    def resources(self) -> tuple[Resource, ...]:
        seen: dict[str, Resource] = {}
        for step in self.steps:
            for resource in step.resources:
                seen.setdefault(resource.path, resource)
        return tuple(seen.values())

    @property
    def price_text(self) -> str:
        """The price as written in a file: ``49.00`` (currency units, never minor units)."""
        return format_money(self.price_minor, self.currency).split(" ")[0]


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, line: int, message: Reason) -> None:
        self.items.append(Problem(line, message))


def parse_program(text: str) -> ProgramFile:
    """The program in ``text``; raises :class:`ProgramFormatError` naming every bad line."""
    problems = _Problems()
    lines = text.splitlines()
    if not lines or lines[0].strip() != _DELIMITER:
        raise ProgramFormatError([Problem(1, P.NO_OPENING_LINE())])
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == _DELIMITER), None)
    if end is None:
        raise ProgramFormatError([Problem(1, P.SETTINGS_NOT_CLOSED())])
    settings = _parse_front_matter("\n".join(lines[1:end]), problems)
    steps = _parse_steps(lines, end + 1, problems)
    program = _build(settings, steps, problems)
    if problems.items or program is None:
        raise ProgramFormatError(problems.items)
    return program


# ----------------------------------------------------------------------------- front matter


@dataclass
class _Settings:
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    item_lines: dict[str, list[dict[str, int]]] = field(default_factory=dict)


# YAML node marks count from 0 within the block, which starts on the file's line 2.
_FIRST_SETTINGS_LINE = 2


def _line(node: Node) -> int:
    return int(node.start_mark.line) + _FIRST_SETTINGS_LINE


def _parse_front_matter(block: str, problems: _Problems) -> _Settings:
    settings = _Settings()
    try:
        root = yaml.compose(block, Loader=yaml.SafeLoader)
        values = yaml.safe_load(block)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + _FIRST_SETTINGS_LINE if mark is not None else 1
        problems.add(line, P.NOT_YAML(detail=str(exc.problem or exc)))  # the YAML library's English
        return settings
    except yaml.YAMLError as exc:
        problems.add(1, P.NOT_YAML(detail=str(exc)))
        return settings
    if root is None:
        problems.add(1, P.SETTINGS_EMPTY())
        return settings
    if not isinstance(root, MappingNode) or not isinstance(values, dict):
        problems.add(_line(root), P.SETTINGS_NOT_FIELDS())
        return settings
    for key_node, value_node in root.value:
        key = str(key_node.value)
        settings.lines[key] = _line(key_node)
        if isinstance(value_node, ScalarNode):
            settings.raw[key] = str(value_node.value)
        if isinstance(value_node, SequenceNode):
            settings.item_lines[key] = [_item_lines(item) for item in value_node.value]
    settings.values = {str(k): v for k, v in values.items()}
    for key in settings.values:
        if key not in _FIELDS:
            problems.add(
                settings.lines.get(key, 1), P.UNKNOWN_SETTING(setting=repr(key), known=", ".join(_FIELDS))
            )
    return settings


def _item_lines(item: Node) -> dict[str, int]:
    lines = {"": _line(item)}
    if isinstance(item, MappingNode):
        for key_node, _value in item.value:
            lines[str(key_node.value)] = _line(key_node)
    return lines


# ----------------------------------------------------------------------------- steps


@dataclass
class _RawStep:
    line: int
    day: int
    title: str
    body: list[str] = field(default_factory=list)
    tasks: list[tuple[int, str]] = field(default_factory=list)
    links: list[tuple[int, str, str]] = field(default_factory=list)


def _parse_steps(lines: list[str], start: int, problems: _Problems) -> list[_RawStep]:
    steps: list[_RawStep] = []
    for index in range(start, len(lines)):
        number, line = index + 1, lines[index]
        if line.startswith("#"):
            match = _HEADING.match(line)
            if match is None:
                problems.add(number, P.BAD_HEADING())
                continue
            steps.append(_RawStep(number, int(match.group(1)), match.group(2)))
            continue
        if not steps:
            if line.strip():
                problems.add(number, P.TEXT_BEFORE_FIRST_STEP())
            continue
        step = steps[-1]
        task = _TASK.match(line)
        if task is not None:
            if task.group(1) != " ":
                problems.add(number, P.TASK_TICKED())
            step.tasks.append((number, task.group(2)))
            continue
        step.body.append(line)
        for link in _LINK.finditer(line):
            step.links.append((number, link.group(1), link.group(2)))
    return steps


def _check_steps(raw: list[_RawStep], weeks: int | None, problems: _Problems) -> tuple[StepSpec, ...]:
    steps: list[StepSpec] = []
    titles: dict[str, int] = {}
    previous: _RawStep | None = None
    for step in raw:
        if step.day < 1:
            problems.add(step.line, P.DAY_BEFORE_ONE())
        elif weeks is not None and step.day > weeks * 7:
            problems.add(step.line, P.DAY_AFTER_END(day=step.day, weeks=weeks, last_day=weeks * 7))
        if previous is not None and step.day < previous.day:
            problems.add(step.line, P.DAY_OUT_OF_ORDER(day=step.day, previous=previous.day))
        elif previous is not None and step.day == previous.day:
            problems.add(step.line, P.DAY_TAKEN(day=step.day, other_line=previous.line))
        if not step.title:
            problems.add(step.line, P.NO_TITLE())
        elif len(step.title) > STEP_TITLE_MAX_CHARS:
            problems.add(step.line, P.TITLE_TOO_LONG(limit=STEP_TITLE_MAX_CHARS))
        elif step.title.casefold() in titles:
            problems.add(
                step.line,
                P.TITLE_TAKEN(title=repr(step.title), other_line=titles[step.title.casefold()]),
            )
        else:
            titles[step.title.casefold()] = step.line
        body = "\n".join(step.body).strip("\n")
        if len(body) > STEP_BODY_MAX_CHARS:
            problems.add(step.line, P.STEP_TOO_LONG(length=len(body), limit=STEP_BODY_MAX_CHARS))
        if len(step.tasks) > TASKS_PER_STEP_MAX:
            problems.add(step.tasks[TASKS_PER_STEP_MAX][0], P.TOO_MANY_TASKS(limit=TASKS_PER_STEP_MAX))
        for number, task in step.tasks:
            if not task:
                problems.add(number, P.EMPTY_TASK())
            elif len(task) > TASK_MAX_CHARS:
                problems.add(number, P.TASK_TOO_LONG(limit=TASK_MAX_CHARS))
        resources: dict[str, Resource] = {}
        for number, label, target in step.links:
            if target.startswith(FILES_DIR) or target.startswith("./" + FILES_DIR):
                path = target.removeprefix("./")
                if ".." in path.split("/") or "\\" in path or path == FILES_DIR:
                    problems.add(number, P.FILE_OUTSIDE(target=repr(target)))
                    continue
                resources.setdefault(path, Resource(label or path.rsplit("/", 1)[-1], path, number))
        steps.append(
            StepSpec(
                step.day,
                step.title,
                body,
                tuple(t for _n, t in step.tasks),
                tuple(resources.values()),
                step.line,
            )
        )
        previous = step
    return tuple(steps)


# ----------------------------------------------------------------------------- settings values


def _build(settings: _Settings, raw_steps: list[_RawStep], problems: _Problems) -> ProgramFile | None:
    v, at = settings.values, settings.lines

    def line_of(key: str) -> int:
        return at.get(key, 1)

    name = v.get("name")
    if not v:
        name = ""  # the empty settings block is already reported
    elif not isinstance(name, str) or not " ".join(name.split()):
        problems.add(line_of("name"), P.NAME_REQUIRED())
        name = ""
    elif len(name) > NAME_MAX_CHARS:
        problems.add(line_of("name"), P.NAME_TOO_LONG(limit=NAME_MAX_CHARS))
    description = v.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str):
        problems.add(line_of("description"), P.DESCRIPTION_NOT_TEXT())
        description = ""
    elif len(description) > DESCRIPTION_MAX_CHARS:
        problems.add(line_of("description"), P.DESCRIPTION_TOO_LONG(limit=DESCRIPTION_MAX_CHARS))
    currency = str(v.get("currency", "usd")).strip().lower()
    if not _CURRENCY.match(currency):
        problems.add(line_of("currency"), P.BAD_CURRENCY())
        currency = "usd"
    price_minor = 0
    if "price" in v:
        price_text = settings.raw.get("price", str(v["price"]))
        if isinstance(v["price"], bool) or v["price"] is None:
            problems.add(line_of("price"), P.BAD_PRICE())
        else:
            try:
                price_minor = parse_money(price_text, currency)
            except MoneyError as exc:
                problems.add(line_of("price"), P.PRICE(problem=exc.reason or str(exc)))
    billing = str(v.get("billing", Billing.ONE_OFF.value))
    if billing not in {b.value for b in Billing}:
        problems.add(line_of("billing"), P.BAD_BILLING())
        billing = Billing.ONE_OFF.value
    elif billing == Billing.MONTHLY and price_minor == 0 and "price" in v:
        problems.add(line_of("billing"), P.MONTHLY_NEEDS_PRICE())
    cadence = str(v.get("checkin_cadence", Cadence.DAILY.value))
    if cadence not in {c.value for c in Cadence}:
        problems.add(line_of("checkin_cadence"), P.BAD_CADENCE())
        cadence = Cadence.DAILY.value
    approval = v.get("goals_need_approval", False)
    if not isinstance(approval, bool):
        problems.add(line_of("goals_need_approval"), P.BAD_APPROVAL())
        approval = False
    weeks_value = v.get("weeks")
    weeks: int | None = None
    if weeks_value is not None:
        if (
            isinstance(weeks_value, bool)
            or not isinstance(weeks_value, int)
            or not 1 <= weeks_value <= MAX_WEEKS
        ):
            problems.add(line_of("weeks"), P.BAD_WEEKS(most=MAX_WEEKS))
        else:
            weeks = weeks_value
    steps = _check_steps(raw_steps, weeks, problems)
    if weeks is None:
        last_day = max((s.day for s in steps), default=7)
        weeks = max(1, math.ceil(last_day / 7))
    assessment = _questions(settings, "assessment", problems)
    checkin_questions = _questions(settings, "checkin_questions", problems)
    email_sequence = _email_sequence(settings, problems)
    return ProgramFile(
        name=" ".join(name.split()),
        description=description.strip(),
        price_minor=price_minor,
        currency=currency,
        billing=billing,
        weeks=weeks,
        checkin_cadence=cadence,
        goals_need_approval=approval,
        assessment=assessment,
        checkin_questions=checkin_questions,
        steps=steps,
        email_sequence=email_sequence,
    )


_EMAIL_FIELDS = ("day", "subject", "text")


def _email_sequence(settings: _Settings, problems: _Problems) -> tuple[EmailSpec, ...]:
    """``email_sequence: [{day, subject, text}, ...]``: days from 0, each day once, in order."""
    items = settings.values.get("email_sequence")
    if items is None:
        return ()
    where = settings.lines.get("email_sequence", 1)
    if not isinstance(items, list):
        problems.add(where, P.EMAILS_NOT_LIST())
        return ()
    if len(items) > EMAILS_MAX:
        problems.add(where, P.TOO_MANY_EMAILS(limit=EMAILS_MAX))
    item_lines = settings.item_lines.get("email_sequence", [])
    emails: list[EmailSpec] = []
    days: dict[int, int] = {}
    for index, item in enumerate(items):
        lines = item_lines[index] if index < len(item_lines) else {"": where}

        def at(key: str, lines: dict[str, int] = lines) -> int:
            return lines.get(key, lines[""])

        if not isinstance(item, dict):
            problems.add(at(""), P.EMAIL_NOT_FIELDS())
            continue
        for key in sorted(set(item) - set(_EMAIL_FIELDS), key=str):
            problems.add(at(str(key)), P.UNKNOWN_EMAIL_FIELD(field=repr(key), known=", ".join(_EMAIL_FIELDS)))
        day = item.get("day")
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= EMAIL_DAY_MAX:
            problems.add(at("day"), P.BAD_EMAIL_DAY(most=EMAIL_DAY_MAX))
            continue
        if day in days:
            problems.add(at("day"), P.EMAIL_DAY_TAKEN(day=day, other_line=days[day]))
            continue
        if emails and day < emails[-1].day:
            problems.add(at("day"), P.EMAIL_OUT_OF_ORDER(day=day, previous=emails[-1].day))
        days[day] = at("day")
        subject = item.get("subject")
        if not isinstance(subject, str) or not " ".join(subject.split()):
            problems.add(at("subject"), P.EMAIL_NEEDS_SUBJECT(day=day))
            continue
        subject = " ".join(subject.split())
        if len(subject) > EMAIL_SUBJECT_MAX_CHARS:
            problems.add(at("subject"), P.SUBJECT_TOO_LONG(limit=EMAIL_SUBJECT_MAX_CHARS))
            continue
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.add(at("text"), P.EMAIL_NEEDS_TEXT(day=day))
            continue
        if len(text.strip()) > EMAIL_TEXT_MAX_CHARS:
            problems.add(at("text"), P.EMAIL_TEXT_TOO_LONG(limit=EMAIL_TEXT_MAX_CHARS))
            continue
        emails.append(EmailSpec(day, subject, text.strip(), at("")))
    return tuple(emails)


_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _questions(settings: _Settings, name: str, problems: _Problems) -> tuple[Question, ...]:
    items = settings.values.get(name)
    if items is None:
        return ()
    if not isinstance(items, list):
        problems.add(settings.lines.get(name, 1), P.QUESTIONS_NOT_LIST(setting=name))
        return ()
    item_lines = settings.item_lines.get(name, [])
    if len(items) > QUESTIONS_MAX:
        problems.add(settings.lines.get(name, 1), P.TOO_MANY_QUESTIONS(limit=QUESTIONS_MAX, setting=name))
    result: list[Question] = []
    keys: set[str] = set()
    for index, item in enumerate(items):
        lines = item_lines[index] if index < len(item_lines) else {"": settings.lines.get(name, 1)}

        def at(key: str, lines: dict[str, int] = lines) -> int:
            return lines.get(key, lines[""])

        if not isinstance(item, dict):
            problems.add(at(""), P.QUESTION_NOT_FIELDS())
            continue
        unknown = set(item) - {"key", "ask", "type", "choices", "min", "max"}
        for key in sorted(unknown, key=str):
            problems.add(at(str(key)), P.UNKNOWN_QUESTION_FIELD(field=repr(key)))
        key = item.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            problems.add(at("key"), P.BAD_KEY())
            continue
        if key in keys:
            problems.add(at("key"), P.KEY_TWICE(key=repr(key)))
            continue
        keys.add(key)
        ask = item.get("ask")
        if not isinstance(ask, str) or not ask.strip():
            problems.add(at("ask"), P.QUESTION_NEEDS_ASK(key=repr(key)))
            continue
        kind = item.get("type")
        if kind not in QUESTION_TYPES:
            problems.add(at("type"), P.BAD_TYPE(types=", ".join(QUESTION_TYPES)))
            continue
        choices: tuple[str, ...] = ()
        low, high = None, None
        if kind == QuestionType.CHOICE:
            raw_choices = item.get("choices")
            if (
                not isinstance(raw_choices, list)
                or len(raw_choices) < 2
                or not all(isinstance(c, str | int | float) and str(c).strip() for c in raw_choices)
            ):
                problems.add(at("choices") if "choices" in item else at("type"), P.CHOICES_NEEDED())
                continue
            choices = tuple(str(c).strip() for c in raw_choices)
        elif "choices" in item:
            problems.add(at("choices"), P.CHOICES_NOT_CHOICE())
        if kind == QuestionType.SCALE:
            low, high = item.get("min", 1), item.get("max", 10)
            if not all(isinstance(n, int) and not isinstance(n, bool) for n in (low, high)) or not low < high:
                problems.add(at("min") if "min" in item else at("max"), P.BAD_SCALE())
                continue
        elif "min" in item or "max" in item:
            problems.add(at("min") if "min" in item else at("max"), P.MIN_MAX_NOT_SCALE())
        result.append(Question(key, ask.strip(), QuestionType(kind), choices, low, high))
    return tuple(result)
