"""What a reminder is for, and the timings the reminder policy is built from."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class ReminderKind(StrEnum):
    CHECKIN = "checkin"
    CHECKIN_FOLLOWUP = "checkin_followup"
    REENGAGEMENT = "reengagement"
    COACH_DIGEST = "coach_digest"
    SESSION = "session"  # a booked session starts soon (domain.services.booking)
    WEEKLY_SUMMARY = "weekly_summary"  # the client's computed week by email (domain.reminders.sequences)
    EMAIL_SEQUENCE = "email_sequence"  # a program's welcome series email (domain.reminders.sequences)


# Kinds the planner derives from preferences; it may move or drop their pending rows.
PLANNED_KINDS = (ReminderKind.CHECKIN, ReminderKind.CHECKIN_FOLLOWUP, ReminderKind.COACH_DIGEST)

# The one gentle follow-up comes this long after a reminder that was not answered.
FOLLOWUP_DELAY = timedelta(hours=3)
# Local calendar days planned ahead (today and tomorrow), so a restart never misses the next one.
PLANNING_DAYS = 2
# After this many missed check-ins in a row the client gets a re-engagement message, the coach an alert.
REENGAGE_AFTER_MISSED = 3
# Downtime policy: an overdue reminder is still sent within this window after its due time ...
CHECKIN_GRACE = timedelta(hours=2)
# ... and an overdue coach digest within this one; anything older is skipped as stale.
DIGEST_GRACE = timedelta(hours=6)
# A reminder whose delivery keeps failing to queue is given up after this many tries.
MAX_ATTEMPTS = 3
# A booked session's reminder goes out this long before it starts, with its meeting link.
SESSION_REMINDER_BEFORE = timedelta(hours=1)
