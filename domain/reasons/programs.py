"""What is wrong with a program file (each problem on its line), why a program, enrollment or cohort
change was refused, and the hints a client gets for a program's own questions."""

from __future__ import annotations

from collections.abc import Sequence

from domain.reasons import Reason, Reasons, Sentence


class ProgramFileProblems(Reasons):
    """A program file's problems (``domain/programs/format.py``), read by the coach who wrote it.

    Quoted names (``'hint'``), keys and file paths are the file's own words, given as values."""

    AT_LINE = Sentence("line {line}: {problem}")
    NO_OPENING_LINE = Sentence("a program file starts with a '---' line, then its settings")
    SETTINGS_NOT_CLOSED = Sentence("the settings block opened here is never closed with '---'")
    NOT_YAML = Sentence("the settings are not valid YAML ({detail})")
    SETTINGS_EMPTY = Sentence("the settings block is empty: a program needs at least a name")
    SETTINGS_NOT_FIELDS = Sentence("the settings must be 'field: value' lines")
    UNKNOWN_SETTING = Sentence("unknown setting {setting} (known: {known})")
    BAD_HEADING = Sentence("a step starts with a heading like '## Day 3: First intervals'")
    TEXT_BEFORE_FIRST_STEP = Sentence("text before the first step: start it with '## Day 1: Title'")
    TASK_TICKED = Sentence("tasks start unticked: write '- [ ] …'")
    DAY_BEFORE_ONE = Sentence("days count from 1 (day 1 is the day the client starts)")
    DAY_AFTER_END = Sentence("day {day} is after the program's {weeks} weeks (day {last_day})")
    DAY_OUT_OF_ORDER = Sentence("day {day} comes after day {previous}")
    DAY_TAKEN = Sentence("day {day} already has a step (line {other_line}): one step per day")
    NO_TITLE = Sentence("the step needs a title after 'Day N:'")
    TITLE_TOO_LONG = Sentence("the title is longer than {limit} characters")
    TITLE_TAKEN = Sentence(
        "the title {title} is already used on line {other_line}: titles are unique "
        "(clients keep their progress by title across versions)"
    )
    STEP_TOO_LONG = Sentence("the step's text is {length} characters; one chat message holds {limit}")
    TOO_MANY_TASKS = Sentence("a step has at most {limit} tasks")
    EMPTY_TASK = Sentence("the task is empty")
    TASK_TOO_LONG = Sentence("the task is longer than {limit} characters")
    FILE_OUTSIDE = Sentence("{target} must name a file inside files/")
    FILE_MISSING = Sentence("{path} is not beside the program file")
    FILE_TOO_BIG = Sentence("{path} is over {megabytes} MB")
    NAME_REQUIRED = Sentence("'name' is required: the program's name as clients see it")
    NAME_TOO_LONG = Sentence("the name is longer than {limit} characters")
    DESCRIPTION_NOT_TEXT = Sentence("'description' must be text")
    DESCRIPTION_TOO_LONG = Sentence("the description is longer than {limit} characters")
    BAD_CURRENCY = Sentence("'currency' must be a three-letter code such as usd or eur")
    BAD_PRICE = Sentence("'price' must be an amount like 49 or 49.00 (0 = free)")
    PRICE = Sentence("price: {problem}")
    BAD_BILLING = Sentence("'billing' must be one_off or monthly")
    MONTHLY_NEEDS_PRICE = Sentence("a monthly program needs a price above 0")
    BAD_CADENCE = Sentence("'checkin_cadence' must be daily, weekdays or weekly")
    BAD_APPROVAL = Sentence("'goals_need_approval' must be true or false")
    BAD_WEEKS = Sentence("'weeks' must be a whole number from 1 to {most}")
    EMAILS_NOT_LIST = Sentence("'email_sequence' must be a list of emails ('- day: 0', 'subject:', 'text:')")
    TOO_MANY_EMAILS = Sentence("at most {limit} emails in 'email_sequence'")
    EMAIL_NOT_FIELDS = Sentence("an email has 'day', 'subject' and 'text'")
    UNKNOWN_EMAIL_FIELD = Sentence("unknown email field {field} (known: {known})")
    BAD_EMAIL_DAY = Sentence("'day' must be a whole number from 0 (the day the client starts) to {most}")
    EMAIL_DAY_TAKEN = Sentence("day {day} already has an email (line {other_line}): one email per day")
    EMAIL_OUT_OF_ORDER = Sentence("day {day} comes after day {previous}: list the emails in order")
    EMAIL_NEEDS_SUBJECT = Sentence("the email of day {day} needs a 'subject'")
    SUBJECT_TOO_LONG = Sentence("the subject is longer than {limit} characters")
    EMAIL_NEEDS_TEXT = Sentence("the email of day {day} needs a 'text'")
    EMAIL_TEXT_TOO_LONG = Sentence("the text is longer than {limit} characters")
    QUESTIONS_NOT_LIST = Sentence("'{setting}' must be a list of questions ('- key: …')")
    TOO_MANY_QUESTIONS = Sentence("at most {limit} questions in '{setting}'")
    QUESTION_NOT_FIELDS = Sentence("a question has 'key', 'ask' and 'type'")
    UNKNOWN_QUESTION_FIELD = Sentence(
        "unknown question field {field} (known: key, ask, type, choices, min, max)"
    )
    BAD_KEY = Sentence("'key' must be lowercase letters, digits and _ (like run_minutes)")
    KEY_TWICE = Sentence("the key {key} is used twice")
    QUESTION_NEEDS_ASK = Sentence("question {key} needs 'ask': the question as the client reads it")
    BAD_TYPE = Sentence("'type' must be one of {types}")
    CHOICES_NEEDED = Sentence("a choice question needs 'choices': a list of at least two")
    CHOICES_NOT_CHOICE = Sentence("'choices' belongs to questions of type choice")
    BAD_SCALE = Sentence("a scale needs whole numbers min < max")
    MIN_MAX_NOT_SCALE = Sentence("'min' and 'max' belong to questions of type scale")


class ProgramRefusals(Reasons):
    """Why a program version, an enrollment or a cohort was not changed (read by coaches and admins;
    an enrollment's also by the client who tried to join)."""

    NAME_TAKEN = Sentence("another program of this coach is named {name}")
    NO_COACH = Sentence("there is no coach yet: add one with `coach coaches add`")
    NO_SUCH_VERSION = Sentence("program {program} has no version {number}")
    NO_CONTENT = Sentence("program {program} has no content yet: import a program file")
    NOTE_TOO_LONG = Sentence("the note may be at most {limit} characters")
    ALREADY_PUBLISHED = Sentence(
        "version {number} of {program} is already published; import the file again to start a new draft"
    )
    DRAFT_NOT_PUBLISHED = Sentence("version {number} is a draft: publish it first")
    NOT_PUBLISHED = Sentence("program {program} is not published yet")
    OTHER_COACHS_PROGRAM = Sentence("that program belongs to another coach")
    NO_ENROLLMENT = Sentence("no enrollment with id {enrollment}")
    BAD_TRANSITION = Sentence("enrollment {enrollment} cannot go from {current} to {wanted}")
    UNKNOWN_PLATFORM = Sentence("unknown platform {platform}; use telegram or slack")
    NOT_A_GROUP_CHAT = Sentence("{chat} is not a {platform} group chat id ({expected})")
    TELEGRAM_GROUP_ID = Sentence("a negative number like -1001234567890")
    SLACK_CHANNEL_ID = Sentence("an id like C0123ABCD")
    NO_PROGRAM = Sentence("no program with id {program}")
    NO_COHORT_FOR_CODE = Sentence("no cohort waits for that code")
    NO_CLIENT = Sentence("no client with id {client}")


class ProgressRefusals(Reasons):
    """Why a client's program step or task was refused (read by the client, ``/today done``)."""

    NOT_IN_PROGRAM = Sentence("you are not in a program with steps yet")
    STEP_NOT_REACHED = Sentence("that step has not reached you yet")
    TASK_RANGE = Sentence("that step has tasks 1 to {last}")
    NO_TASKS = Sentence("that step has no tasks")
    WAITING_FOR_PAYMENT = Sentence("waiting for payment")
    PAUSED = Sentence("enrollment paused")


class AnswerHints(Reasons):
    """What a valid answer to a program's own question looks like (the client's re-prompt)."""

    NUMBER = Sentence("Please answer with a number, like 20 or 2.5.")
    SCALE = Sentence("Please answer with a whole number from {low} to {high}.")
    YES_NO = Sentence("Please answer yes or no.")
    CHOICE = Sentence("Please pick one of: {choices}.")
    TEXT = Sentence("Please answer in a few words (up to {limit} characters).")


def one_a_line(reasons: Sequence[Reason]) -> Reason:
    """Several reasons said one a line (every problem of a file). The joining has no words of its
    own, so it has no id to translate (the empty one: the template is kept); each reason is said in
    turn."""
    names = [f"r{index}" for index in range(len(reasons))]
    return Reason("", "\n".join("{" + name + "}" for name in names), dict(zip(names, reasons, strict=True)))
