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
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ProgramFormatError(ValidationError):
    """The file is not a valid program; ``problems`` name each line, ``str()`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(str(p) for p in self.problems), field="program")


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

    def add(self, line: int, message: str) -> None:
        self.items.append(Problem(line, message))


def parse_program(text: str) -> ProgramFile:
    """The program in ``text``; raises :class:`ProgramFormatError` naming every bad line."""
    problems = _Problems()
    lines = text.splitlines()
    if not lines or lines[0].strip() != _DELIMITER:
        raise ProgramFormatError([Problem(1, "a program file starts with a '---' line, then its settings")])
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == _DELIMITER), None)
    if end is None:
        raise ProgramFormatError([Problem(1, "the settings block opened here is never closed with '---'")])
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
        problems.add(line, f"the settings are not valid YAML ({exc.problem or exc})")
        return settings
    except yaml.YAMLError as exc:
        problems.add(1, f"the settings are not valid YAML ({exc})")
        return settings
    if root is None:
        problems.add(1, "the settings block is empty: a program needs at least a name")
        return settings
    if not isinstance(root, MappingNode) or not isinstance(values, dict):
        problems.add(_line(root), "the settings must be 'field: value' lines")
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
            problems.add(settings.lines.get(key, 1), f"unknown setting {key!r} (known: {', '.join(_FIELDS)})")
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
                problems.add(number, "a step starts with a heading like '## Day 3: First intervals'")
                continue
            steps.append(_RawStep(number, int(match.group(1)), match.group(2)))
            continue
        if not steps:
            if line.strip():
                problems.add(number, "text before the first step: start it with '## Day 1: Title'")
            continue
        step = steps[-1]
        task = _TASK.match(line)
        if task is not None:
            if task.group(1) != " ":
                problems.add(number, "tasks start unticked: write '- [ ] …'")
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
            problems.add(step.line, "days count from 1 (day 1 is the day the client starts)")
        elif weeks is not None and step.day > weeks * 7:
            problems.add(step.line, f"day {step.day} is after the program's {weeks} weeks (day {weeks * 7})")
        if previous is not None and step.day < previous.day:
            problems.add(step.line, f"day {step.day} comes after day {previous.day}")
        elif previous is not None and step.day == previous.day:
            problems.add(
                step.line, f"day {step.day} already has a step (line {previous.line}): one step per day"
            )
        if not step.title:
            problems.add(step.line, "the step needs a title after 'Day N:'")
        elif len(step.title) > STEP_TITLE_MAX_CHARS:
            problems.add(step.line, f"the title is longer than {STEP_TITLE_MAX_CHARS} characters")
        elif step.title.casefold() in titles:
            problems.add(
                step.line,
                f"the title {step.title!r} is already used on line {titles[step.title.casefold()]}: "
                "titles are unique (clients keep their progress by title across versions)",
            )
        else:
            titles[step.title.casefold()] = step.line
        body = "\n".join(step.body).strip("\n")
        if len(body) > STEP_BODY_MAX_CHARS:
            problems.add(
                step.line,
                f"the step's text is {len(body)} characters; one chat message holds {STEP_BODY_MAX_CHARS}",
            )
        if len(step.tasks) > TASKS_PER_STEP_MAX:
            problems.add(step.tasks[TASKS_PER_STEP_MAX][0], f"a step has at most {TASKS_PER_STEP_MAX} tasks")
        for number, task in step.tasks:
            if not task:
                problems.add(number, "the task is empty")
            elif len(task) > TASK_MAX_CHARS:
                problems.add(number, f"the task is longer than {TASK_MAX_CHARS} characters")
        resources: dict[str, Resource] = {}
        for number, label, target in step.links:
            if target.startswith(FILES_DIR) or target.startswith("./" + FILES_DIR):
                path = target.removeprefix("./")
                if ".." in path.split("/") or "\\" in path or path == FILES_DIR:
                    problems.add(number, f"{target!r} must name a file inside files/")
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
        problems.add(line_of("name"), "'name' is required: the program's name as clients see it")
        name = ""
    elif len(name) > NAME_MAX_CHARS:
        problems.add(line_of("name"), f"the name is longer than {NAME_MAX_CHARS} characters")
    description = v.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str):
        problems.add(line_of("description"), "'description' must be text")
        description = ""
    elif len(description) > DESCRIPTION_MAX_CHARS:
        problems.add(
            line_of("description"), f"the description is longer than {DESCRIPTION_MAX_CHARS} characters"
        )
    currency = str(v.get("currency", "usd")).strip().lower()
    if not _CURRENCY.match(currency):
        problems.add(line_of("currency"), "'currency' must be a three-letter code such as usd or eur")
        currency = "usd"
    price_minor = 0
    if "price" in v:
        price_text = settings.raw.get("price", str(v["price"]))
        if isinstance(v["price"], bool) or v["price"] is None:
            problems.add(line_of("price"), "'price' must be an amount like 49 or 49.00 (0 = free)")
        else:
            try:
                price_minor = parse_money(price_text, currency)
            except MoneyError as exc:
                problems.add(line_of("price"), f"price: {exc}")
    billing = str(v.get("billing", Billing.ONE_OFF.value))
    if billing not in {b.value for b in Billing}:
        problems.add(line_of("billing"), "'billing' must be one_off or monthly")
        billing = Billing.ONE_OFF.value
    elif billing == Billing.MONTHLY and price_minor == 0 and "price" in v:
        problems.add(line_of("billing"), "a monthly program needs a price above 0")
    cadence = str(v.get("checkin_cadence", Cadence.DAILY.value))
    if cadence not in {c.value for c in Cadence}:
        problems.add(line_of("checkin_cadence"), "'checkin_cadence' must be daily, weekdays or weekly")
        cadence = Cadence.DAILY.value
    approval = v.get("goals_need_approval", False)
    if not isinstance(approval, bool):
        problems.add(line_of("goals_need_approval"), "'goals_need_approval' must be true or false")
        approval = False
    weeks_value = v.get("weeks")
    weeks: int | None = None
    if weeks_value is not None:
        if (
            isinstance(weeks_value, bool)
            or not isinstance(weeks_value, int)
            or not 1 <= weeks_value <= MAX_WEEKS
        ):
            problems.add(line_of("weeks"), f"'weeks' must be a whole number from 1 to {MAX_WEEKS}")
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
        problems.add(where, "'email_sequence' must be a list of emails ('- day: 0', 'subject:', 'text:')")
        return ()
    if len(items) > EMAILS_MAX:
        problems.add(where, f"at most {EMAILS_MAX} emails in 'email_sequence'")
    item_lines = settings.item_lines.get("email_sequence", [])
    emails: list[EmailSpec] = []
    days: dict[int, int] = {}
    for index, item in enumerate(items):
        lines = item_lines[index] if index < len(item_lines) else {"": where}

        def at(key: str, lines: dict[str, int] = lines) -> int:
            return lines.get(key, lines[""])

        if not isinstance(item, dict):
            problems.add(at(""), "an email has 'day', 'subject' and 'text'")
            continue
        for key in sorted(set(item) - set(_EMAIL_FIELDS), key=str):
            problems.add(at(str(key)), f"unknown email field {key!r} (known: {', '.join(_EMAIL_FIELDS)})")
        day = item.get("day")
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= EMAIL_DAY_MAX:
            problems.add(
                at("day"),
                f"'day' must be a whole number from 0 (the day the client starts) to {EMAIL_DAY_MAX}",
            )
            continue
        if day in days:
            problems.add(at("day"), f"day {day} already has an email (line {days[day]}): one email per day")
            continue
        if emails and day < emails[-1].day:
            problems.add(at("day"), f"day {day} comes after day {emails[-1].day}: list the emails in order")
        days[day] = at("day")
        subject = item.get("subject")
        if not isinstance(subject, str) or not " ".join(subject.split()):
            problems.add(at("subject"), f"the email of day {day} needs a 'subject'")
            continue
        subject = " ".join(subject.split())
        if len(subject) > EMAIL_SUBJECT_MAX_CHARS:
            problems.add(at("subject"), f"the subject is longer than {EMAIL_SUBJECT_MAX_CHARS} characters")
            continue
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.add(at("text"), f"the email of day {day} needs a 'text'")
            continue
        if len(text.strip()) > EMAIL_TEXT_MAX_CHARS:
            problems.add(at("text"), f"the text is longer than {EMAIL_TEXT_MAX_CHARS} characters")
            continue
        emails.append(EmailSpec(day, subject, text.strip(), at("")))
    return tuple(emails)


_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _questions(settings: _Settings, name: str, problems: _Problems) -> tuple[Question, ...]:
    items = settings.values.get(name)
    if items is None:
        return ()
    if not isinstance(items, list):
        problems.add(settings.lines.get(name, 1), f"'{name}' must be a list of questions ('- key: …')")
        return ()
    item_lines = settings.item_lines.get(name, [])
    if len(items) > QUESTIONS_MAX:
        problems.add(settings.lines.get(name, 1), f"at most {QUESTIONS_MAX} questions in '{name}'")
    result: list[Question] = []
    keys: set[str] = set()
    for index, item in enumerate(items):
        lines = item_lines[index] if index < len(item_lines) else {"": settings.lines.get(name, 1)}

        def at(key: str, lines: dict[str, int] = lines) -> int:
            return lines.get(key, lines[""])

        if not isinstance(item, dict):
            problems.add(at(""), "a question has 'key', 'ask' and 'type'")
            continue
        unknown = set(item) - {"key", "ask", "type", "choices", "min", "max"}
        for key in sorted(unknown, key=str):
            problems.add(
                at(str(key)), f"unknown question field {key!r} (known: key, ask, type, choices, min, max)"
            )
        key = item.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            problems.add(at("key"), "'key' must be lowercase letters, digits and _ (like run_minutes)")
            continue
        if key in keys:
            problems.add(at("key"), f"the key {key!r} is used twice")
            continue
        keys.add(key)
        ask = item.get("ask")
        if not isinstance(ask, str) or not ask.strip():
            problems.add(at("ask"), f"question {key!r} needs 'ask': the question as the client reads it")
            continue
        kind = item.get("type")
        if kind not in QUESTION_TYPES:
            problems.add(at("type"), f"'type' must be one of {', '.join(QUESTION_TYPES)}")
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
                problems.add(
                    at("choices") if "choices" in item else at("type"),
                    "a choice question needs 'choices': a list of at least two",
                )
                continue
            choices = tuple(str(c).strip() for c in raw_choices)
        elif "choices" in item:
            problems.add(at("choices"), "'choices' belongs to questions of type choice")
        if kind == QuestionType.SCALE:
            low, high = item.get("min", 1), item.get("max", 10)
            if not all(isinstance(n, int) and not isinstance(n, bool) for n in (low, high)) or not low < high:
                problems.add(
                    at("min") if "min" in item else at("max"), "a scale needs whole numbers min < max"
                )
                continue
        elif "min" in item or "max" in item:
            problems.add(
                at("min") if "min" in item else at("max"), "'min' and 'max' belong to questions of type scale"
            )
        result.append(Question(key, ask.strip(), QuestionType(kind), choices, low, high))
    return tuple(result)
