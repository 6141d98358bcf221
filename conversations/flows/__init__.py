"""The built-in flows, by name, and :func:`install_all`: every command and flow a client can use.

Other packages add theirs through :mod:`conversations.registry`.
"""

from __future__ import annotations

from pathlib import Path

from conversations.flow import Flow
from conversations.flows import (
    billing,
    booking,
    checkin,
    coach_link,
    feedback,
    forget_me,
    goals,
    onboarding,
    policy,
    profile,
    self_service,
    settings,
    support,
)
from conversations.registry import set_delivery_channels
from domain.models.enums import Platform
from domain.services.client_email import set_email_delivery

BUILTIN_FLOWS: dict[str, Flow] = {
    f.name: f for f in (onboarding.FLOW, checkin.FLOW, goals.FLOW, feedback.FLOW, policy.FLOW)
}


def install_all(
    *,
    storage_dir: Path | str,
    calendar: settings.ScheduleCalendar | None = None,
    delivery_channels: frozenset[str] | None = None,
    progress_chart: self_service.ProgressChart | None = None,
    web_base_url: str | None = None,
) -> None:
    """Register every registered-at-start-up command and flow (idempotent): ``/settings``,
    ``/billing``, ``/invoices``, ``/forget_me``, ``/progress``, ``/mydata`` and ``/profile``. ``coach run`` and
    ``coach chat`` both call this, so the console and the chat platforms are the same bot.
    ``delivery_channels`` are the reminder channels this process can deliver on (``/settings`` offers
    only those); ``progress_chart`` draws the ``/progress`` chart; ``web_base_url`` is where links to
    the privacy policy point (COACH_PUBLIC_URL)."""
    billing.register()  # /billing and /invoices (they explain when payments are not set up)
    forget_me.register(storage_dir)  # /forget_me: a client erases themselves
    settings.install(calendar=calendar)  # /settings: reminder time, days, quiet hours, pause, channel
    booking.register()  # /book and /sessions: live sessions with the coach
    self_service.register(progress_chart)  # /progress (summary and chart) and /mydata (export file)
    if web_base_url:
        policy.register(web_base_url)  # links in the question to accept a new policy version
    support.register()  # /support: a request to the admins, not the coach
    profile.register()  # /profile: name, time zone, email (verified by a code) and language
    coach_link.register()  # /coach_link CODE: a coach's Telegram account receives their sign-in links
    set_delivery_channels(delivery_channels)
    # Proactive messages (receipts, the weekly summary, announcements) may go by email only where
    # this process can send it.
    set_email_delivery(delivery_channels is not None and Platform.EMAIL.value in delivery_channels)
