"""Why an announcement was refused, and whom it is addressed to (the preview's and the list's "to")."""

from __future__ import annotations

from domain.reasons import Reasons, Sentence


class AnnouncementProblems(Reasons):
    EMPTY = Sentence("the announcement is empty: write what clients should read")
    TOO_LONG = Sentence(
        "the announcement is {length} characters long; at most {limit} fit one Telegram message "
        "({telegram} characters) with its greeting"
    )
    UNKNOWN_SEGMENT = Sentence("unknown segment '{segment}': choose one of {segments}")
    NEEDS_OFFSET = Sentence("give the time with its offset, e.g. 2026-12-07T09:00Z")
    IN_THE_PAST = Sentence("{moment} UTC is in the past: choose a later time, or none to send now")
    NO_COACH = Sentence("no coach with id {coach}")
    NO_PROGRAM = Sentence("coach {coach} has no program with id {program}")
    NO_ANNOUNCEMENT = Sentence("no announcement with id {announcement}")
    BUTTON_EXPIRED = Sentence("that button has expired")
    # The web form's own checks (bot/web/pages/announcements.py), said like the domain's.
    TIME_FORMAT = Sentence("write the time like 2026-12-07 09:00, or leave it empty")
    CHOOSE_FROM_LIST = Sentence("choose one from the list")


class AnnouncementAudience(Reasons):
    """``describe_audience``: "all your clients", "clients in Sleep Reset, flagged only"."""

    ALL_CLIENTS = Sentence("all your clients")
    PROGRAM_CLIENTS = Sentence("clients in {program}")
    SEGMENT_ONLY = Sentence("{who}, {segment} only")
    # The Clients page's filters (domain.services.client_roster.RosterFilter) as a segment.
    FLAGGED = Sentence("flagged")
    MISSED = Sentence("missed")
    UNPAID = Sentence("unpaid")
