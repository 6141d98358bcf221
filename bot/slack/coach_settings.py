"""``/coach settings``: when the coach's digest arrives (time, cadence, timezone).

Shown as Block Kit with an Edit button that opens a modal (``views.open``); the text form
``/coach settings digest 08:00 weekly Europe/Berlin`` does the same in one line. Input is read with
the conversation parsers ("8am", "Berlin") and saved through the reminders domain, which re-plans
the pending digests at once. Bad input keeps the modal open with the error under its field.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks
from bot.slack.auth import linked_coach, record_refusal
from conversations.i18n import use_locale
from conversations.parsing import ParseError, parse_time_of_day, parse_timezone
from conversations.reasons import explain, sentence_case
from conversations.texts import CoachCommands
from conversations.texts import CoachTools as T
from domain.clock import Clock
from domain.db import Database
from domain.errors import DomainError
from domain.models import Coach
from domain.models.enums import Cadence
from domain.reminders.preferences import set_coach_digest_preferences

log = logging.getLogger(__name__)

SETTINGS_EDIT = "coach_settings_edit"
SETTINGS_VIEW = "coach_settings_view"
# Modal input block ids; a validation error is shown under the block of the field it names.
TIME_BLOCK, CADENCE_BLOCK, TIMEZONE_BLOCK = "digest_time", "digest_cadence", "digest_timezone"
FIELD_BLOCKS = {"digest time": TIME_BLOCK, "cadence": CADENCE_BLOCK, "timezone": TIMEZONE_BLOCK}
TIMEZONE_MAX_CHARS = 64  # Coach.timezone column width
TIME_INPUT_MAX_CHARS = 20


@dataclass(frozen=True, slots=True)
class DigestChoice:
    time: str
    cadence: str
    timezone: str


def current(coach: Coach) -> DigestChoice:
    return DigestChoice(coach.digest_time, coach.digest_cadence, coach.timezone)


def settings_blocks(settings: DigestChoice, note: str | None = None) -> list[blocks.Block]:
    lines = T.SETTINGS_LINES.format(
        time=settings.time, cadence=_cadence(settings.cadence), zone=blocks.escape(settings.timezone)
    )
    out = [
        blocks.header(T.SETTINGS_TITLE),
        blocks.section(lines),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": SETTINGS_EDIT,
                    "text": {"type": "plain_text", "text": T.EDIT},
                    "value": "digest",
                }
            ],
        },
        blocks.context(T.SETTINGS_ONE_LINE),
    ]
    if note:
        out.insert(0, blocks.section(blocks.escape(note)))
    return out


def settings_text(settings: DigestChoice) -> str:
    return T.SETTINGS_TEXT.format(
        time=settings.time, cadence=_cadence(settings.cadence), zone=settings.timezone
    )


def _cadence(cadence: str) -> str:
    return T.CADENCES.get(cadence, cadence)


def _option(cadence: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": _cadence(cadence).capitalize()}, "value": cadence}


def _input(block_id: str, label: str, element: dict[str, Any], hint: str | None = None) -> blocks.Block:
    block: blocks.Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": "value"},
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def settings_view(coach: Coach) -> dict[str, Any]:
    """The modal (views.open), prefilled with the coach's current settings."""
    return {
        "type": "modal",
        "callback_id": SETTINGS_VIEW,
        "title": {"type": "plain_text", "text": T.MODAL_TITLE},
        "submit": {"type": "plain_text", "text": T.SAVE},
        "close": {"type": "plain_text", "text": T.CANCEL},
        "blocks": [
            _input(
                TIME_BLOCK,
                T.DIGEST_TIME,
                {
                    "type": "plain_text_input",
                    "initial_value": coach.digest_time,
                    "max_length": TIME_INPUT_MAX_CHARS,
                },
                T.DIGEST_TIME_HINT,
            ),
            _input(
                CADENCE_BLOCK,
                T.CADENCE,
                {
                    "type": "static_select",
                    "options": [_option(c.value) for c in Cadence],
                    "initial_option": _option(coach.digest_cadence),
                },
            ),
            _input(
                TIMEZONE_BLOCK,
                T.TIMEZONE,
                {
                    "type": "plain_text_input",
                    "initial_value": coach.timezone,
                    "max_length": TIMEZONE_MAX_CHARS,
                },
                T.TIMEZONE_HINT,
            ),
        ],
    }


def check_choice(time: str, cadence: str, timezone: str) -> DigestChoice | dict[str, str]:
    """The parsed settings, or friendly errors by block id."""
    errors: dict[str, str] = {}
    parsed_time = parsed_zone = ""
    try:
        parsed_time = parse_time_of_day(time)
    except ParseError as exc:
        errors[TIME_BLOCK] = exc.hint
    cadence = cadence.strip().lower()
    if cadence not in {c.value for c in Cadence}:
        errors[CADENCE_BLOCK] = T.CADENCE_HINT
    try:
        parsed_zone = parse_timezone(timezone)
    except ParseError as exc:
        errors[TIMEZONE_BLOCK] = exc.hint
    if errors:
        return errors
    return DigestChoice(parsed_time, cadence, parsed_zone)


def read_view(values: dict[str, Any]) -> DigestChoice | dict[str, str]:
    def value(block: str) -> str:
        element = (values.get(block) or {}).get("value") or {}
        if "selected_option" in element:
            return str((element.get("selected_option") or {}).get("value") or "")
        return str(element.get("value") or "")

    return check_choice(value(TIME_BLOCK), value(CADENCE_BLOCK), value(TIMEZONE_BLOCK))


def read_text(rest: str) -> DigestChoice | str:
    """``digest <time> <cadence> <timezone>``: the choice, or what to tell the coach.

    The cadence word splits the line, so both times ("8 am") and cities ("New York") may be two words.
    """
    words = rest.split()
    if not words or words[0].lower() != "digest":
        return T.SETTINGS_USAGE
    words = words[1:]
    cadences = [i for i, w in enumerate(words) if w.lower() in {c.value for c in Cadence}]
    if not cadences or cadences[0] == 0 or cadences[0] == len(words) - 1:
        return T.SETTINGS_USAGE
    at = cadences[0]
    found = check_choice(" ".join(words[:at]), words[at], " ".join(words[at + 1 :]))
    if isinstance(found, dict):
        return " ".join(found.values())
    return found


@dataclass
class CoachSettings:
    db: Database
    clock: Clock

    def register(self, app: AsyncApp) -> None:
        app.action(SETTINGS_EDIT)(self.edit)
        app.view(SETTINGS_VIEW)(self.save_view)

    async def save(self, coach_id: int, choice: DigestChoice) -> DigestChoice | DomainError:
        """The settings as stored (read inside the transaction), or why they were refused."""
        async with self.db.unit_of_work() as session:
            try:
                coach = await set_coach_digest_preferences(
                    session,
                    coach_id,
                    now=self.clock(),
                    digest_time=choice.time,
                    cadence=choice.cadence,
                    timezone=choice.timezone,
                )
            except DomainError as exc:
                return exc
            await session.refresh(coach)  # re-planning expired it
            return current(coach)

    async def _coach(self, user_id: str, attempted: str) -> Coach | str:
        """The coach; else the refusal to answer with."""
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            if coach is None:
                return await record_refusal(session, slack_user_id=user_id, attempted=attempted)
            return coach

    async def edit(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user_id = str(body["user"]["id"])
        coach = await self._coach(user_id, "coach settings")
        if isinstance(coach, str):
            channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
            if channel:
                await client.chat_postEphemeral(channel=str(channel), user=user_id, text=coach)
            return
        with use_locale(coach.locale):
            view = settings_view(coach)
        await client.views_open(trigger_id=str(body["trigger_id"]), view=view)

    async def save_view(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """A view submission is answered in its ack (errors keep the modal open): quick work first."""
        user_id = str(body["user"]["id"])
        coach = await self._coach(user_id, "coach settings")
        if isinstance(coach, str):
            await ack(response_action="errors", errors={TIME_BLOCK: coach})
            return
        with use_locale(coach.locale):  # the parsers' hints in the coach's language
            choice = read_view((view.get("state") or {}).get("values") or {})
        if isinstance(choice, dict):
            await ack(response_action="errors", errors=choice)
            return
        saved = await self.save(coach.id, choice)
        if isinstance(saved, DomainError):
            field = FIELD_BLOCKS.get(saved.field or "", TIME_BLOCK)
            with use_locale(coach.locale):
                problem = sentence_case(explain(saved))
            await ack(response_action="errors", errors={field: problem})
            return
        await ack()
        with use_locale(coach.locale):
            text = CoachCommands.SAVED.format(settings=settings_text(saved))
            saved_blocks = settings_blocks(saved, text)
        # A DM to the user id lands in the app's DM with them.
        await client.chat_postMessage(channel=user_id, text=blocks.fallback(text), blocks=saved_blocks)
