"""The inbox processor as a ``coach run`` component, shared by every channel through the ``AppContext``."""

from __future__ import annotations

from bot.components import AppContext, Component
from bot.inbox.processor import InboxProcessor

INBOX_KEY = "inbox_processor"
# Of the stop budget (COACH_STOP_GRACE_SECONDS), the share updates in flight get to finish; the rest
# is for the sender's sends in flight and closing connections.
INBOX_GRACE_SHARE = 0.6


def current_inbox(ctx: AppContext) -> InboxProcessor | None:
    processor = ctx.extras.get(INBOX_KEY)
    return processor if isinstance(processor, InboxProcessor) else None


def shared_inbox(ctx: AppContext) -> InboxProcessor:
    """The one inbox processor of this process; channels register their handler on it."""
    processor = current_inbox(ctx)
    if processor is None:
        processor = ctx.extras[INBOX_KEY] = InboxProcessor(ctx.db)
    return processor


class InboxComponent(Component):
    name = "inbox"

    def __init__(self, processor: InboxProcessor, *, grace_s: float) -> None:
        self.processor = processor
        self.grace_s = grace_s

    async def start(self) -> None:
        await self.processor.start()

    async def stop(self) -> None:
        await self.processor.stop(self.grace_s * INBOX_GRACE_SHARE)
