"""Why the coaching domain refused a change: clients, coaches, goals, notes, reminders, sign-in."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class ClientProblems(Reasons):
    NO_CLIENT = Sentence("no client with id {client}")
    IDENTITY_TAKEN = Sentence("{identity} already belongs to someone")
    ERASED_RECORD = Sentence("the erased clients' record has no coach")
    ALREADY_WITH = Sentence("client {client} is already with {coach}")
    EMPTY_FEEDBACK = Sentence("system feedback needs some text")


class CoachProblems(Reasons):
    NO_COACH = Sentence("no coach with id {coach}")
    ROLE = Sentence("role must be admin or coach")
    EMAIL_TAKEN = Sentence("a coach with email {email} already exists")
    SLACK_TAKEN = Sentence("Slack user {user} is already linked to a coach")
    ONLY_ADMIN = Sentence("this is the only admin; make another coach an admin first")
    NO_PROGRAM = Sentence("no program with id {program}")
    PROGRAM_WEEKS = Sentence("duration must be 1 to 520 weeks")
    MONTHLY_NEEDS_PRICE = Sentence("a monthly program needs a price")


class GoalProblems(Reasons):
    NO_WORDS = Sentence("a goal needs some words")
    TOO_LONG = Sentence("a goal may be at most {most} characters")
    TARGET_NOT_ABOVE_ZERO = Sentence("a goal's target must be above zero")
    DUE_IN_THE_PAST = Sentence("a goal's due date cannot be in the past")
    NO_GOAL = Sentence("no goal with id {goal}")
    NOT_OPEN = Sentence("only an open goal can make progress")
    ALREADY_HANDLED = Sentence("this goal was already handled")
    # A goal idea as the coach approves or edits it (domain.insights.goals).
    IDEA_TEXT = Sentence("goal text must be 1 to {most} characters")
    IDEA_METRIC = Sentence("goal metric must be 1 to {most} characters")
    IDEA_UNIT = Sentence("goal unit must be 1 to {most} characters")
    IDEA_TARGET = Sentence("goal target must be above zero")
    IDEA_DUE = Sentence(
        "goal due date must be within {weeks} week",
        plural="goal due date must be within {weeks} weeks",
        count="weeks",
    )


class NoteProblems(Reasons):
    EMPTY = Sentence("write something in the note first")


class ReminderProblems(Reasons):
    QUIET_HOURS = Sentence("quiet hours must start and end at different times")
    PAUSE = Sentence(
        "pause must be between 0 and {most} day",
        plural="pause must be between 0 and {most} days",
        count="most",
    )
    CHANNEL = Sentence("channel must be telegram, slack, email, sms or console")
    NO_EMAIL = Sentence("there is no confirmed email address on file for you yet")


class AccountProblems(Reasons):
    TOO_MANY_LINKS = Sentence("too many sign-in links were asked for; try again in 15 minutes")
    LABEL_TOO_LONG = Sentence("a label is at most {most} characters")
    NO_TOKEN = Sentence("no API token with id {token}")
