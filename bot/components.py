"""What ``coach run`` starts: small pluggable components, chosen from the settings."""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.config import Settings
from domain.db import Database


@dataclass
class AppContext:
    """Shared objects components are built from; integrations are injected here, not imported by the core."""

    settings: Settings
    db: Database
    extras: dict[str, Any] = field(default_factory=dict)
    # Stripe when STRIPE_API_KEY is set (see bot/stripe_webhooks.py); the engine gets it as ``payments=``.
    payments: Any = None
    # The insights service (integrations/llm/insights.py): summaries, flags, digests; the engine gets it
    # as ``goal_suggester=``.
    insights: Any = None
    # The one conversation engine every channel shares; build it with ``conversation_engine(ctx)``.
    engine: Any = None


class Component(ABC):  # noqa: B024 - every hook is optional
    """A part of the running service. Every hook is optional."""

    name = "component"

    def install_routes(self, app: web.Application) -> None:  # noqa: B027
        """Add HTTP routes before the server starts."""

    async def start(self) -> None:  # noqa: B027
        """Start background work; must return promptly."""

    async def stop_intake(self) -> None:  # noqa: B027
        """Stop taking new work from outside (polling, webhooks); called on every component before
        any :meth:`stop`, so nothing new arrives while work in flight finishes."""

    async def stop(self) -> None:  # noqa: B027
        """Stop background work and release resources."""


def conversation_engine(ctx: AppContext) -> Any:
    """The shared :class:`conversations.engine.ConversationEngine`, created on first use so that
    ``ctx.payments`` and ``ctx.insights`` set by ``build_components`` are injected into it."""
    if ctx.engine is None:
        from datetime import timedelta

        from conversations.engine import ConversationEngine

        ctx.engine = ConversationEngine(
            ctx.db,
            payments=ctx.payments,
            goal_suggester=ctx.insights,
            timeout=timedelta(hours=ctx.settings.conversation_timeout_hours),
        )
    return ctx.engine


class EngineComponent(Component):
    """Starts the shared engine and, being first in the list, stops it after every channel."""

    name = "conversations"

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def start(self) -> None:
        await conversation_engine(self.ctx).start()

    async def stop(self) -> None:
        if self.ctx.engine is not None:
            await self.ctx.engine.stop()


def build_components(ctx: AppContext, *, interactive_console: bool = True) -> list[Component]:
    """Every component the settings ask for. Channels register here as they are added."""
    from bot.calendars import CalendarComponent
    from bot.http.metrics import MetricsEndpoint
    from bot.loop_lag import LoopLagMonitor
    from bot.web.component import WebWorkspace

    components: list[Component] = [
        EngineComponent(ctx),
        LoopLagMonitor(
            trace_after_s=ctx.settings.loop_lag_trace_ms / 1000 if ctx.settings.loop_lag_trace_ms else None
        ),
        MetricsEndpoint(db=ctx.db),
        WebWorkspace(ctx),
        CalendarComponent(ctx),  # the private iCal feeds, and coaches' CalDAV busy times
    ]
    from bot.policy_pages import PolicyPages

    components.append(PolicyPages(ctx.db))  # /policy/<version>: the text the chat links to
    from bot.conversation_setup import prepare_conversations
    from bot.stripe_webhooks import PaymentPages, StripeWebhooks

    prepare_conversations(ctx)  # payments, goal ideas, every command and flow (as in `coach chat`)
    if ctx.payments is not None:
        components.append(PaymentPages())  # where Checkout returns unless COACH_STRIPE_*_URL say otherwise
    if ctx.settings.stripe_webhook_secret:
        components.append(StripeWebhooks.from_context(ctx, ctx.payments))
    from integrations.scheduler import build_reminder_scheduler

    components.append(build_reminder_scheduler(ctx))  # always on: reminders, digests, /settings
    if ctx.settings.slack_enabled:
        from bot.slack.component import SlackComponent

        components.append(SlackComponent(ctx))
    if ctx.settings.telegram_enabled:
        from bot.telegram.component import telegram_component

        components.append(telegram_component(ctx))
    if ctx.settings.sms_enabled:
        from bot.sms.component import SmsComponent

        components.append(SmsComponent(ctx))
    if interactive_console and not (ctx.settings.telegram_enabled or ctx.settings.slack_enabled):
        from bot.console.component import ConsoleComponent

        components.append(ConsoleComponent(ctx))  # a newcomer can talk to the bot at once
    from bot.inbox.component import InboxComponent, current_inbox
    from bot.outbound.component import OutboundComponent, current_sender

    # Last, so they stop first: handling of stored updates finishes, then the sends in flight, and
    # only then do the channels close their connections.
    if (sender := current_sender(ctx)) is not None:
        components.append(OutboundComponent(sender))  # drains the outbox for every registered transport
    if (inbox := current_inbox(ctx)) is not None:
        components.append(InboxComponent(inbox, grace_s=ctx.settings.stop_grace_seconds))
    return components
