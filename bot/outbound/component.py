"""The sender as a ``coach run`` component, shared by every channel through the ``AppContext``."""

from __future__ import annotations

from bot.components import AppContext, Component
from bot.outbound.limiter import build_limiter
from bot.outbound.sender import OutboundSender

SENDER_KEY = "outbound_sender"


def current_sender(ctx: AppContext) -> OutboundSender | None:
    sender = ctx.extras.get(SENDER_KEY)
    return sender if isinstance(sender, OutboundSender) else None


def shared_sender(ctx: AppContext) -> OutboundSender:
    """The one sender of this process (created on first use); channels register their transport on it,
    and ``build_components`` adds one :class:`OutboundComponent` to run it."""
    sender = current_sender(ctx)
    if sender is None:
        sender = OutboundSender(ctx.db, limiter=build_limiter(ctx.settings.redis_url))
    ctx.extras[SENDER_KEY] = sender
    return sender


class OutboundComponent(Component):
    name = "outbound sender"

    def __init__(self, sender: OutboundSender) -> None:
        self.sender = sender

    async def start(self) -> None:
        await self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop()
