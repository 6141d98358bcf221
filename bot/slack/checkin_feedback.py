"""Coach feedback on a check-in from Slack: the reaction buttons (👏 💪 ❤️) and Comment on a check-in
notice.

A reaction is sent at once; Comment opens a modal (``views.open``) whose submission is checked (not
empty, not too long: the error shows under the field) and sent. Either reaches the client in their own
chat, quoting the check-in. Each is sent once: a reaction is keyed by check-in, coach and reaction, a
comment by its modal, so a Slack retry or a second click sends nothing more. Only the client's own
coach may do either; anyone else is refused and the attempt audited.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks
from bot.slack.auth import coach_locale, linked_coach, record_refusal, refusal
from conversations.coach_feedback import FeedbackOutcome, send_coach_feedback
from conversations.i18n import use_locale
from conversations.reasons import explain, sentence_case
from conversations.texts import CoachButtons as T
from domain.db import Database
from domain.errors import DomainError, NotFound
from domain.services.coach_feedback import (
    COMMENT_MAX_CHARS,
    REACTIONS,
    FeedbackTarget,
    check_in_of_coach,
    reaction_key,
)

log = logging.getLogger(__name__)

COMMENT_VIEW = "checkin_comment_view"
COMMENT_BLOCK = "checkin_comment"


def comment_view(check_in_id: int, client_name: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "private_metadata": json.dumps({"check_in_id": check_in_id}),
        "title": {"type": "plain_text", "text": T.COMMENT_TITLE},
        "submit": {"type": "plain_text", "text": T.SEND},
        "close": {"type": "plain_text", "text": T.CANCEL},
        "blocks": [
            blocks.context(T.COMMENT_NOTE.format(name=blocks.escape(client_name))),
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "label": {"type": "plain_text", "text": T.COMMENT},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": COMMENT_MAX_CHARS,
                },
            },
        ],
    }


def parse_reaction(value: str) -> tuple[int, str] | None:
    """``"<check-in id>:<reaction>"`` → (id, reaction); None for anything else."""
    check_in, _, reaction = value.partition(":")
    if not check_in.isascii() or not check_in.isdigit() or len(check_in) > 18 or reaction not in REACTIONS:
        return None
    return int(check_in), reaction


@dataclass
class CheckInFeedback:
    db: Database

    def register(self, app: AsyncApp) -> None:
        app.action(blocks.CHECKIN_REACT)(self.react)
        app.action(blocks.CHECKIN_COMMENT)(self.comment)
        app.view(COMMENT_VIEW)(self.save_comment)

    async def _target(
        self, user_id: str, check_in_id: int, attempted: str
    ) -> tuple[int, str, FeedbackTarget] | str:
        """(coach id, coach name, check-in) when ``user_id`` is the coach of its client; else the answer."""
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            if coach is None:
                return await record_refusal(session, slack_user_id=user_id, attempted=attempted)
            try:
                target = await check_in_of_coach(session, check_in_id, coach_id=coach.id)
            except NotFound:
                await record_refusal(
                    session, slack_user_id=user_id, attempted=f"{attempted} check-in:{check_in_id}"
                )
                return T.NOT_YOUR_CLIENT
            return coach.id, coach.name, target

    async def _locale(self, user_id: str) -> str | None:
        async with self.db.sessions() as session:
            return await coach_locale(session, user_id)

    async def _send(
        self, user_id: str, check_in_id: int, request_key: str, *, reaction: str | None, comment: str | None
    ) -> FeedbackOutcome | str:
        """Send in one transaction (the coach is checked again in it); a DomainError's message otherwise."""
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            if coach is None:
                return await refusal(session, user_id)
            try:
                target = await check_in_of_coach(session, check_in_id, coach_id=coach.id)
                return await send_coach_feedback(
                    session,
                    target,
                    coach_id=coach.id,
                    coach_name=coach.name,
                    source="slack",
                    request_key=request_key,
                    reaction=reaction,
                    comment=comment,
                )
            except DomainError as exc:
                return sentence_case(explain(exc))

    @staticmethod
    async def _tell(client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        if channel:
            await client.chat_postEphemeral(channel=channel, user=str(body["user"]["id"]), text=text)

    async def react(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        user_id = str(body["user"]["id"])
        with use_locale(await self._locale(user_id)):  # answers in the coach's language
            await self._react(body, action, client, user_id)

    async def _react(
        self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, user_id: str
    ) -> None:
        parsed = parse_reaction(str(action.get("value", "")))
        if parsed is None:
            await self._tell(client, body, T.CHECK_IN_GONE)
            return
        check_in_id, reaction = parsed
        found = await self._target(user_id, check_in_id, "react to check-in")
        if isinstance(found, str):
            await self._tell(client, body, found)
            return
        coach_id, _name, target = found
        emoji = REACTIONS[reaction]
        outcome = await self._send(
            user_id,
            check_in_id,
            reaction_key(check_in_id, coach_id, reaction),
            reaction=reaction,
            comment=None,
        )
        name = target.client.display_name
        if outcome == FeedbackOutcome.SENT:
            text = T.SENT_REACTION.format(emoji=emoji, name=name)
        elif outcome == FeedbackOutcome.ALREADY_SENT:
            text = T.ALREADY_REACTED.format(emoji=emoji)
        elif outcome == FeedbackOutcome.UNREACHABLE:
            text = T.UNREACHABLE.format(name=name)
        else:
            text = str(outcome)
        await self._tell(client, body, blocks.escape(text))

    async def comment(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        user_id = str(body["user"]["id"])
        value = str(action.get("value", ""))
        with use_locale(await self._locale(user_id)):
            if not value.isascii() or not value.isdigit() or len(value) > 18:
                await self._tell(client, body, T.CHECK_IN_GONE)
                return
            found = await self._target(user_id, int(value), "comment on check-in")
            if isinstance(found, str):
                await self._tell(client, body, found)
                return
            _coach_id, _name, target = found
            view = comment_view(target.check_in.id, target.client.display_name)
        await client.views_open(trigger_id=str(body["trigger_id"]), view=view)

    async def save_comment(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Answered in its ack (an error keeps the modal open under the field); the work is quick."""
        user_id = str(body["user"]["id"])
        try:
            check_in_id = int(json.loads(str(view.get("private_metadata") or "{}"))["check_in_id"])
        except (ValueError, KeyError, TypeError):
            await ack()
            return
        with use_locale(await self._locale(user_id)):
            found = await self._target(user_id, check_in_id, "comment on check-in")
        if isinstance(found, str):
            await ack(response_action="errors", errors={COMMENT_BLOCK: found})
            return
        values = (view.get("state") or {}).get("values") or {}
        text = str(((values.get(COMMENT_BLOCK) or {}).get("value") or {}).get("value") or "")
        # Slack re-sends a submission it got no answer to with the same view id: sent once.
        request_key = f"comment:slack:{str(view.get('id') or '')[:64]}"
        outcome = await self._send(user_id, check_in_id, request_key, reaction=None, comment=text)
        if not isinstance(outcome, FeedbackOutcome):  # a StrEnum: checked before any str
            await ack(response_action="errors", errors={COMMENT_BLOCK: outcome})
            return
        await ack()
        if outcome == FeedbackOutcome.UNREACHABLE:
            log.info("comment on check-in %d stored; the client is unreachable", check_in_id)
