"""Members' run minutes in a program's Slack channel (a cohort group), kept like a Telegram group's."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from conversations.cohort_groups import CohortGroups
from conversations.messages import IncomingMessage
from domain.clock import Clock

PLATFORM = "slack"
# Channel types a cohort can be linked to: public ("channel") and private ("group") channels.
CHANNEL_TYPES = frozenset({"channel", "group"})


class SlackCohortChannel:
    """Hands a channel message to the cohort groups; only a client's minutes in a linked channel are
    kept, and nothing is ever answered in the channel."""

    def __init__(self, groups: CohortGroups, clock: Clock) -> None:
        self.groups = groups
        self.clock = clock

    async def on_channel_message(self, event: dict[str, Any]) -> bool:
        if event.get("channel_type") not in CHANNEL_TYPES or not event.get("text"):
            return False
        message = IncomingMessage(
            platform=PLATFORM,
            external_user_id=str(event["user"]),
            chat_id=str(event.get("channel", "")),
            message_id=str(event.get("ts", "")),
            text=str(event["text"]),
            received_at=self._said_at(event),
        )
        return await self.groups.member_reply(message)

    def _said_at(self, event: dict[str, Any]) -> datetime:
        """When the member said it (Slack's ``ts``), so an answer handled late from the inbox still
        counts for the week it was given in; never later than now."""
        now = self.clock()
        try:
            seconds = float(str(event.get("ts", "")))
        except ValueError:
            return now
        if not math.isfinite(seconds) or seconds <= 0:
            return now
        try:
            return min(datetime.fromtimestamp(seconds, UTC), now)
        except (OverflowError, OSError, ValueError):
            return now
