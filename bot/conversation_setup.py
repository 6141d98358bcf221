"""The one conversation set-up every process that talks to clients loads (``coach run``, ``coach chat``).

It injects the integrations the engine uses (payments, AI goal ideas) and registers every command and
flow, so the console is the same bot as Telegram and Slack: the same commands, the same goal ideas.
"""

from __future__ import annotations

from typing import Any

from bot.components import AppContext, conversation_engine
from bot.config import Settings
from domain.insights.series import ClientSeries
from domain.models.enums import Platform


def delivery_channels(settings: Settings) -> frozenset[str]:
    """The reminder channels a process with these settings can deliver on. The console always can:
    a ``coach run`` console prints them live, other console clients get them when they next open
    ``coach chat``."""
    channels = {Platform.CONSOLE.value}
    if settings.telegram_enabled:
        channels.add(Platform.TELEGRAM.value)
    if settings.slack_enabled:
        channels.add(Platform.SLACK.value)
    if settings.email_enabled:
        channels.add(Platform.EMAIL.value)
    if settings.sms_enabled:
        channels.add(Platform.SMS.value)
    return frozenset(channels)


def progress_chart_png(series: ClientSeries) -> bytes:
    """The client's progress chart as a PNG (matplotlib loads on the first chart, not at start-up)."""
    from bot.charts.progress_chart import render_progress_chart

    return render_progress_chart(series)


def prepare_conversations(ctx: AppContext) -> Any:
    """Set ``ctx.insights`` and ``ctx.payments``, register every command and flow, and return the
    shared :class:`conversations.engine.ConversationEngine` (created here with both injected)."""
    from bot.stripe_webhooks import stripe_payments_for
    from conversations.flows import install_all
    from integrations.calendar import checkin_schedule_ics
    from integrations.llm.insights import InsightsService

    ctx.insights = ctx.insights or InsightsService.from_settings(ctx.settings, ctx.db)
    ctx.extras.setdefault("digest_composer", ctx.insights.compose_digest)  # scheduled coach digests
    ctx.payments = ctx.payments or stripe_payments_for(ctx)
    install_all(
        storage_dir=ctx.settings.storage_dir,
        calendar=checkin_schedule_ics,
        delivery_channels=delivery_channels(ctx.settings),
        progress_chart=progress_chart_png,
        web_base_url=ctx.settings.web_base_url,
    )
    return conversation_engine(ctx)
