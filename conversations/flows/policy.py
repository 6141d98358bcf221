"""A new privacy policy and terms version: the client accepts it before anything else goes on.

The conversation engine runs the gate (:meth:`ConversationEngine._policy_gate`): when a client whose
accepted version is older than the newest published one writes, their open conversation and the
message itself are set aside in this flow's data (:data:`PENDING_KEY`, encrypted at rest like the rest of
what clients write) and this flow asks. Accepting
records the consent, puts the conversation back and handles the set-aside message as if it had just
arrived; declining records the refusal and offers ``/mydata`` (a copy) and ``/forget_me`` (erasure),
which work while the question is open. Every answer is a new consent row: the history is kept.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from conversations.flow import STAY, Flow, InvalidAnswer, Next, Step, Turn, buttons
from conversations.messages import Attachment, IncomingMessage, OutgoingMessage
from conversations.parsing import ParseError, parse_yes_no
from conversations.texts import Policy as T
from domain.crypto import UnreadableValue, conceal_json, reveal_json
from domain.services.policies import QUESTION_FLOW, answer_policy, get_policy

log = logging.getLogger(__name__)

NAME = QUESTION_FLOW
PENDING_KEY = "pending"  # the conversation and message set aside until the client answers
VERSION_KEY = "version"
ACCEPT = "accept"
DECLINE = "decline"
# Commands that still work while the question is open: the way out (a copy, erasure), help, language.
OPEN_COMMANDS = frozenset({"/mydata", "/forget_me", "/help", "/language"})
# Conversations that are not interrupted: confirming erasure.
OPEN_FLOWS = frozenset({"forget_me"})
# Where the policy text is served (``/policy/<version>`` under COACH_PUBLIC_URL); set by register().
POLICY_PATH = "/policy"
_base_url = "http://127.0.0.1:8080"


def policy_link(version: int) -> str:
    return f"{_base_url}{POLICY_PATH}/{version}"


def decision(text: str) -> bool | None:
    """True for accept, False for decline, None for anything else."""
    if text in (ACCEPT, DECLINE):
        return text == ACCEPT
    try:
        return parse_yes_no(text)
    except ParseError:
        return None


async def accept(turn: Turn) -> int:
    """Record that the client accepted the version this flow asks about; returns it."""
    version = await _record_answer(turn, accepted=True)
    turn.say(T.ACCEPTED.format(version=version))
    return version


async def _record_answer(turn: Turn, *, accepted: bool) -> int:
    """Store the client's answer on the version this flow asks about; returns that version."""
    assert turn.client_id is not None
    version = int(turn.data[VERSION_KEY])
    await answer_policy(
        await turn.session(),
        client_id=turn.client_id,
        platform=turn.platform,
        external_user_id=turn.message.external_user_id,
        version=version,
        accepted=accepted,
    )
    return version


async def ask(turn: Turn) -> OutgoingMessage:
    version = int(turn.data[VERSION_KEY])
    policy = await get_policy(await turn.session(), version)
    rows = buttons((T.ACCEPT, ACCEPT), (T.DECLINE, DECLINE))
    text = T.ASK.format(version=version, summary=policy.summary, link=policy_link(version))
    return OutgoingMessage(text, tuple(tuple(r) for r in rows))


async def answer(turn: Turn) -> Next:
    """Declining (accepting is taken by the engine, which also resumes what was set aside)."""
    if decision(turn.text) is not False:
        raise InvalidAnswer(T.HINT)
    version = await _record_answer(turn, accepted=False)
    turn.say(
        T.DECLINED.format(version=version),
        buttons((T.MY_DATA, "/mydata"), (T.FORGET_ME, "/forget_me"), (T.ACCEPT, ACCEPT)),
    )
    return STAY


FLOW = Flow(name=NAME, version=1, steps=[Step("decide", ask, answer)])


def set_aside(message: IncomingMessage, work: dict[str, Any]) -> Any:
    """The open conversation (``work``: flow, step, flow_version, data, failed_attempts) and the
    message, as JSON for this flow's data: encrypted (``{"$enc": token}``) when keys are configured,
    since it holds what the client wrote. :func:`pending_of` reads it back."""
    return conceal_json(
        {
            **work,
            "message": {
                "platform": message.platform,
                "external_user_id": message.external_user_id,
                "chat_id": message.chat_id,
                "message_id": message.message_id,
                "text": message.text,
                "button_payload": message.button_payload,
                "attachments": [a.to_dict() for a in message.attachments],
                "received_at": message.received_at.isoformat(),
                "display_name": message.display_name,
                "language_hint": message.language_hint,
            },
        }
    )


def pending_of(data: dict[str, Any]) -> dict[str, Any]:
    """What :func:`set_aside` stored in this flow's ``data``; empty when nothing was, or when no
    configured key opens it (the conversation then starts afresh)."""
    try:
        pending = reveal_json(data.get(PENDING_KEY))
    except UnreadableValue:
        log.warning("a set-aside message cannot be decrypted with COACH_ENCRYPTION_KEYS; dropped")
        return {}
    return pending if isinstance(pending, dict) else {}


def message_set_aside(pending: dict[str, Any], current: IncomingMessage) -> IncomingMessage | None:
    """The set-aside message, handled under the current message's key and delivery (so its replies and
    a retry of this step belong to the message being handled now)."""
    stored = pending.get("message")
    if not isinstance(stored, dict):
        return None
    return IncomingMessage(
        platform=stored["platform"],
        external_user_id=stored["external_user_id"],
        chat_id=stored["chat_id"],
        message_id=stored["message_id"],
        text=stored.get("text"),
        button_payload=stored.get("button_payload"),
        attachments=tuple(Attachment(**a) for a in stored.get("attachments", [])),
        received_at=datetime.fromisoformat(stored["received_at"]),
        idempotency_key=current.idempotency_key,
        display_name=stored.get("display_name"),
        from_inbox=current.from_inbox,
        language_hint=stored.get("language_hint"),
    )


def register(base_url: str) -> None:
    """Where links to the policy text point: the service's public URL (COACH_PUBLIC_URL)."""
    global _base_url
    _base_url = base_url.rstrip("/")
