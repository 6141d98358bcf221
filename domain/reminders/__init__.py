"""Reminders: check-ins, follow-ups, re-engagement and coach digests, planned as rows and sent once."""

from domain.reminders.dispatch import DigestComposer, DispatchPolicy, Outcome, ReminderDispatcher
from domain.reminders.kinds import ReminderKind
from domain.reminders.planner import plan_everyone, plan_reminders
from domain.reminders.preferences import (
    QuietHours,
    check_quiet_hours,
    set_client_reminder_preferences,
    set_coach_digest_preferences,
)
from domain.reminders.preview import DueReminder, list_reminders, reminders_due_at

__all__ = [
    "DigestComposer",
    "DispatchPolicy",
    "DueReminder",
    "Outcome",
    "QuietHours",
    "ReminderDispatcher",
    "ReminderKind",
    "check_quiet_hours",
    "list_reminders",
    "plan_everyone",
    "plan_reminders",
    "reminders_due_at",
    "set_client_reminder_preferences",
    "set_coach_digest_preferences",
]
