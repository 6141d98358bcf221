"""Why a coach's reaction or comment on a check-in was not sent."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class FeedbackProblems(Reasons):
    NO_CHECK_IN = Sentence("no check-in {check_in} of your clients")
    EMPTY_COMMENT = Sentence("write a comment first")
    COMMENT_TOO_LONG = Sentence("a comment can be at most {limit} characters (this one has {length})")
    UNKNOWN_REACTION = Sentence("unknown reaction {reaction}; known: {known}")
