"""Why a version of the privacy policy and terms could not be published or found."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class PolicyProblems(Reasons):
    SUMMARY_REQUIRED = Sentence(
        "a one-line summary of the changes is required (--summary TEXT or 'summary:' in the front matter)"
    )
    SUMMARY_ONE_LINE = Sentence("the summary must be one line")
    SUMMARY_TOO_LONG = Sentence("the summary may be at most {limit} characters")
    VERSION_FROM_ONE = Sentence("the version must be a whole number from 1 up")
    EMPTY_TEXT = Sentence("the policy text is empty")
    NOT_NEWER = Sentence(
        "version {version} is not newer than the published version {latest}: publish {next} or higher"
    )
    NO_VERSION = Sentence("no policy version {version}")
