"""Telegram updates → neutral :class:`IncomingMessage`.

aiogram and python-telegram-bot expose the Bot API objects with the same attribute names
(``message_id``, ``chat.id``, ``from_user``, ``photo``, ``document``, ``voice``, callback ``data``),
so one mapping serves both drivers and they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.telegram.limits import PLATFORM
from conversations.messages import Attachment, IncomingMessage
from domain.clock import ensure_utc, utcnow
from domain.services.inbox import InboundUpdate


@dataclass(frozen=True, slots=True)
class TelegramInbound:
    """One update as the channel handles it."""

    update_id: int
    message: IncomingMessage
    callback_id: str | None = None
    pressed_message_id: int | None = None
    unsupported: bool = False  # a sticker, location, video...: nothing we can read
    membership: str | None = None  # my_chat_member: the bot's new status in the chat ("member", "kicked"...)
    chat_title: str | None = None  # a group's title

    @property
    def chat_id(self) -> str:
        return self.message.chat_id

    @property
    def in_group(self) -> bool:
        """Telegram group and supergroup chat ids are negative; private chats are positive."""
        return self.message.chat_id.startswith("-")


def update_key(update_id: int) -> str:
    """Telegram's update_id is unique and increasing per bot: the idempotency key of the update."""
    return f"{PLATFORM}:update:{update_id}"


def stored_update(raw: dict[str, Any]) -> InboundUpdate:
    """A raw Bot API update as an inbox row: its lane is the chat (one chat's updates stay in order)."""
    update_id = int(raw["update_id"])
    message = raw.get("message")
    query = raw.get("callback_query")
    member = raw.get("my_chat_member")
    sender: Any = None
    chat: Any = None
    if isinstance(message, dict):
        sender, chat = message.get("from"), message.get("chat")
    elif isinstance(member, dict):
        sender, chat = member.get("from"), member.get("chat")
    elif isinstance(query, dict):
        sender = query.get("from")
        pressed = query.get("message")
        chat = pressed.get("chat") if isinstance(pressed, dict) else None
        chat = chat if isinstance(chat, dict) else sender
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    user_id = sender.get("id") if isinstance(sender, dict) else None
    return InboundUpdate(
        key=update_key(update_id),
        platform=PLATFORM,
        lane=str(chat_id if chat_id is not None else "unknown"),
        payload=raw,
        external_user_id=None if user_id is None else str(user_id),
    )


def _display_name(user: Any) -> str | None:
    if user is None:
        return None
    parts = [getattr(user, "first_name", None), getattr(user, "last_name", None)]
    name = " ".join(p for p in parts if p)
    return name or getattr(user, "username", None)


def _command_text(text: str | None) -> str | None:
    """ "/start@CoachBot CODE" (groups) → "/start CODE"; deep links arrive as "/start CODE"."""
    if not text or not text.startswith("/"):
        return text
    head, sep, rest = text.partition(" ")
    return head.split("@", 1)[0] + sep + rest


def attachments_of(message: Any) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    photos = getattr(message, "photo", None)
    if photos:
        # Telegram sends several sizes; the last is the largest.
        best = photos[-1]
        found.append(Attachment("photo", best.file_id, "image/jpeg", best.file_size, None))
    document = getattr(message, "document", None)
    if document is not None:
        found.append(
            Attachment(
                "document", document.file_id, document.mime_type, document.file_size, document.file_name
            )
        )
    voice = getattr(message, "voice", None)
    if voice is not None:
        found.append(
            Attachment("voice", voice.file_id, voice.mime_type or "audio/ogg", voice.file_size, None)
        )
    return tuple(found)


def from_message(update_id: int, message: Any) -> TelegramInbound:
    user = message.from_user
    attachments = attachments_of(message)
    text = _command_text(message.text if message.text is not None else message.caption)
    date = getattr(message, "date", None)
    incoming = IncomingMessage(
        platform=PLATFORM,
        external_user_id=str(user.id if user is not None else message.chat.id),
        chat_id=str(message.chat.id),
        message_id=str(message.message_id),
        text=text,
        attachments=attachments,
        received_at=ensure_utc(date) if date is not None else utcnow(),
        idempotency_key=update_key(update_id),
        display_name=_display_name(user),
        language_hint=getattr(user, "language_code", None),
    )
    return TelegramInbound(
        update_id,
        incoming,
        unsupported=text is None and not attachments,
        chat_title=getattr(message.chat, "title", None),
    )


def from_membership(update_id: int, event: Any) -> TelegramInbound:
    """``my_chat_member``: the bot was added to, or left or was removed from, a chat."""
    user = event.from_user
    status = str(getattr(event.new_chat_member, "status", "") or "")
    incoming = IncomingMessage(
        platform=PLATFORM,
        external_user_id=str(user.id if user is not None else event.chat.id),
        chat_id=str(event.chat.id),
        message_id=f"member:{update_id}",
        idempotency_key=update_key(update_id),
        display_name=_display_name(user),
    )
    return TelegramInbound(
        update_id, incoming, membership=status or "unknown", chat_title=getattr(event.chat, "title", None)
    )


def from_callback(update_id: int, query: Any, payload: str | None) -> TelegramInbound:
    """A button press. ``payload`` is the decoded ``callback_data`` (None when it expired)."""
    message = query.message
    chat_id = str(message.chat.id) if message is not None else str(query.from_user.id)
    incoming = IncomingMessage(
        platform=PLATFORM,
        external_user_id=str(query.from_user.id),
        chat_id=chat_id,
        message_id=f"cb:{query.id}",
        button_payload=payload,
        idempotency_key=update_key(update_id),
        display_name=_display_name(query.from_user),
        language_hint=getattr(query.from_user, "language_code", None),
    )
    return TelegramInbound(
        update_id,
        incoming,
        callback_id=str(query.id),
        pressed_message_id=message.message_id if message is not None else None,
    )
