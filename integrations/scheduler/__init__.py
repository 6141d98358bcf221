"""APScheduler inside ``coach run``: periodic planning and dispatch of reminder rows."""

from integrations.scheduler.component import ReminderScheduler, build_reminder_scheduler

__all__ = ["ReminderScheduler", "build_reminder_scheduler"]
