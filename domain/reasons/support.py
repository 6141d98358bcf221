"""Why a support request or reply was refused, and who asked ("coach 1 (Ada)") as coaches read it."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class SupportProblems(Reasons):
    EMPTY = Sentence("a support message needs some text")
    NO_CLIENT = Sentence("no client with id {client}")
    NO_COACH = Sentence("no coach with id {coach}")
    NO_REQUEST = Sentence("no support request #{ticket}")
    NOT_YOURS = Sentence("no support request #{ticket} of yours")
    CLOSED = Sentence("support request #{ticket} is closed: open a new one instead")
    ADMINS_ONLY = Sentence("only an admin answers support requests")
    UNKNOWN_STATUS = Sentence("unknown status '{status}': use open, answered, closed, active or all")


class SupportRequesters(Reasons):
    CLIENT = Sentence("client {number} ({name})")
    COACH = Sentence("coach {number} ({name})")
