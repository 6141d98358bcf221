"""Approve / Edit / Dismiss on a ``goal_approval`` notice: the coach reviews an AI goal idea before
the client sees it.

Approve offers it to the client; Edit opens a modal (``views.open``) whose submission is validated like
any suggested goal, then saved and offered; Dismiss archives it unseen. Only the client's own coach may
do any of these; anyone else is refused and the attempt audited, as everywhere in the app.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks
from bot.slack.auth import coach_locale, linked_coach, owned_client, record_refusal
from conversations.flows.goals import render_offer
from conversations.i18n import use_locale
from conversations.reasons import explain, sentence_case
from conversations.texts import CoachButtons as T
from domain.clock import Clock
from domain.db import Database
from domain.errors import DomainError
from domain.insights.approval import approve_goal, dismiss_goal
from domain.insights.goals import GOAL_TEXT_MAX_CHARS, UNIT_MAX_CHARS, GoalProposal
from domain.models import Goal
from domain.models.enums import GoalStatus

log = logging.getLogger(__name__)

EDIT_VIEW = "goal_edit_view"
# Modal input block ids; a validation error is shown under the block of the field it names.
TEXT_BLOCK, TARGET_BLOCK, UNIT_BLOCK, DUE_BLOCK = "goal_text", "goal_target", "goal_unit", "goal_due"
FIELD_BLOCKS = {
    "text": TEXT_BLOCK,
    "metric": TEXT_BLOCK,
    "target": TARGET_BLOCK,
    "unit": UNIT_BLOCK,
    "due_date": DUE_BLOCK,
}


def _input(block_id: str, label: str, element: dict[str, Any]) -> blocks.Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": "value"},
    }


def edit_view(goal: Goal, *, origin: dict[str, str]) -> dict[str, Any]:
    """The modal (views.open), prefilled with the suggestion; ``origin`` is the notice to update."""
    due: dict[str, Any] = {"type": "datepicker"}
    if goal.due_date:
        due["initial_date"] = goal.due_date.isoformat()
    target = f"{goal.target:g}" if goal.target else ""
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": json.dumps({"goal_id": goal.id, **origin}),
        "title": {"type": "plain_text", "text": T.EDIT_GOAL},
        "submit": {"type": "plain_text", "text": T.SAVE_AND_OFFER},
        "close": {"type": "plain_text", "text": T.CANCEL},
        "blocks": [
            _input(
                TEXT_BLOCK,
                T.GOAL,
                {
                    "type": "plain_text_input",
                    "initial_value": goal.text,
                    "max_length": GOAL_TEXT_MAX_CHARS,
                },
            ),
            _input(TARGET_BLOCK, T.TARGET, {"type": "plain_text_input", "initial_value": target}),
            _input(
                UNIT_BLOCK,
                T.UNIT,
                {"type": "plain_text_input", "initial_value": goal.unit or "", "max_length": UNIT_MAX_CHARS},
            ),
            _input(DUE_BLOCK, T.DUE_DATE, due),
        ],
    }


def read_edit(values: dict[str, Any], metric: str) -> GoalProposal | dict[str, str]:
    """The submitted goal, or errors by block id (a friendly re-prompt inside the modal)."""

    def value(block: str, key: str = "value") -> str:
        return str((values.get(block) or {}).get("value", {}).get(key) or "").strip()

    errors: dict[str, str] = {}
    try:
        target = float(value(TARGET_BLOCK).replace(",", "."))
    except ValueError:
        target = 0.0
        errors[TARGET_BLOCK] = T.TARGET_HINT
    try:
        due = date.fromisoformat(value(DUE_BLOCK, "selected_date"))
    except ValueError:
        due = date.min
        errors[DUE_BLOCK] = T.DUE_HINT
    if errors:
        return errors
    unit = value(UNIT_BLOCK)
    return GoalProposal(value(TEXT_BLOCK), metric or unit, target, unit, due)


def _goal_id(action: dict[str, Any]) -> int:
    """The button's goal id; 0 (no such goal) for a malformed value."""
    value = str(action.get("value", ""))
    return int(value) if value.isdigit() else 0


@dataclass
class GoalApprovals:
    db: Database
    clock: Clock

    def register(self, app: AsyncApp) -> None:
        app.action(blocks.GOAL_APPROVE)(self.approve)
        app.action(blocks.GOAL_EDIT)(self.edit)
        app.action(blocks.GOAL_DISMISS)(self.dismiss)
        app.view(EDIT_VIEW)(self.save_edit)

    async def _allowed_goal(self, user_id: str, goal_id: int, attempted: str) -> Goal | str:
        """The goal when ``user_id`` is the coach of its client; else the text to answer with."""
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            if coach is None:
                return await record_refusal(session, slack_user_id=user_id, attempted=attempted)
            goal = await session.get(Goal, goal_id)
            if goal is None or await owned_client(session, coach, goal.client_id) is None:
                await record_refusal(session, slack_user_id=user_id, attempted=f"{attempted} goal:{goal_id}")
                return T.NOT_YOUR_CLIENT
            return goal

    async def _locale(self, user_id: str) -> str | None:
        async with self.db.sessions() as session:
            return await coach_locale(session, user_id)

    async def _decide(
        self, user_id: str, goal_id: int, edit: GoalProposal | None, *, dismiss: bool = False
    ) -> Goal | DomainError:
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            assert coach is not None  # checked by _allowed_goal in this request
            try:
                if dismiss:
                    return await dismiss_goal(session, goal_id, coach_id=coach.id)
                return await approve_goal(
                    session,
                    goal_id,
                    coach_id=coach.id,
                    edit=edit,
                    today=self.clock().date(),
                    render_offer=render_offer,  # the client is told in their language
                )
            except DomainError as exc:
                return exc

    @staticmethod
    async def _mark_done(client: AsyncWebClient, channel: str | None, ts: str | None, note: str) -> None:
        """The notice loses its buttons, so nobody approves twice."""
        if not channel or not ts:
            return
        history = blocks.context(note)
        await client.chat_update(channel=channel, ts=ts, text=note, blocks=[blocks.section(note), history])

    @staticmethod
    async def _tell(client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        if channel:
            await client.chat_postEphemeral(channel=channel, user=str(body["user"]["id"]), text=text)

    async def approve(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await self._press(ack, body, action, client, dismiss=False)

    async def dismiss(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await self._press(ack, body, action, client, dismiss=True)

    async def _press(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        *,
        dismiss: bool,
    ) -> None:
        await ack()
        user_id = str(body["user"]["id"])
        with use_locale(await self._locale(user_id)):  # answers in the coach's language
            await self._decide_pressed(body, action, client, user_id, dismiss=dismiss)

    async def _decide_pressed(
        self,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        user_id: str,
        *,
        dismiss: bool,
    ) -> None:
        goal_id = _goal_id(action)
        found = await self._allowed_goal(user_id, goal_id, "dismiss goal" if dismiss else "approve goal")
        if isinstance(found, str):
            await self._tell(client, body, found)
            return
        result = await self._decide(user_id, goal_id, None, dismiss=dismiss)
        if isinstance(result, DomainError):
            await self._tell(client, body, T.GOAL_GONE)
            return
        message = body.get("message") or {}
        done = T.DISMISSED if dismiss else T.APPROVED
        await self._mark_done(
            client,
            (body.get("channel") or {}).get("id"),
            message.get("ts"),
            done.format(goal=blocks.escape(result.text)),
        )

    async def edit(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        user_id = str(body["user"]["id"])
        with use_locale(await self._locale(user_id)):
            found = await self._allowed_goal(user_id, _goal_id(action), "edit goal")
            if isinstance(found, str):
                await self._tell(client, body, found)
                return
            if found.status != GoalStatus.PROPOSED:
                await self._tell(client, body, T.GOAL_GONE)
                return
            origin = {
                "channel": str((body.get("channel") or {}).get("id") or ""),
                "ts": str((body.get("message") or {}).get("ts") or ""),
            }
            view = edit_view(found, origin=origin)
        await client.views_open(trigger_id=str(body["trigger_id"]), view=view)

    async def save_edit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """A view submission must be answered in its ack (errors keep the modal open), so the quick
        database work happens first."""
        user_id = str(body["user"]["id"])
        try:
            meta = json.loads(str(view.get("private_metadata") or "{}"))
            goal_id = int(meta["goal_id"])
        except (ValueError, KeyError, TypeError):
            await ack()
            return
        with use_locale(await self._locale(user_id)):
            await self._save_edit(ack, client, user_id, goal_id, view, meta)

    async def _save_edit(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        user_id: str,
        goal_id: int,
        view: dict[str, Any],
        meta: dict[str, Any],
    ) -> None:
        found = await self._allowed_goal(user_id, goal_id, "edit goal")
        if isinstance(found, str):
            await ack(response_action="errors", errors={TEXT_BLOCK: found})
            return
        edit = read_edit((view.get("state") or {}).get("values") or {}, found.metric or "")
        if isinstance(edit, dict):
            await ack(response_action="errors", errors=edit)
            return
        result = await self._decide(user_id, goal_id, edit)
        if isinstance(result, DomainError):
            field = FIELD_BLOCKS.get(result.field or "", TEXT_BLOCK)
            message = T.GOAL_GONE if result.field == "status" else sentence_case(explain(result))
            await ack(response_action="errors", errors={field: message})
            return
        await ack()
        await self._mark_done(
            client,
            meta.get("channel"),
            meta.get("ts"),
            T.APPROVED_EDITED.format(goal=blocks.escape(result.text)),
        )
