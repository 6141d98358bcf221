"""The neutral message shapes every channel adapter converts to and from.

No chat-platform type appears here: adapters in ``bot/`` translate their updates into
:class:`IncomingMessage` and render :class:`OutgoingMessage` with their own widgets.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.clock import utcnow
from domain.text import clean_optional

_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the user sent: ``kind`` is photo, document or voice; ``file_id`` is the platform's handle.

    ``transcript`` is what a voice note says, when a transcription model heard it (see
    ``conversations.ports.Transcriber``); stored with the message's attachments, so encrypted like them.
    """

    kind: str
    file_id: str
    mime_type: str | None = None
    size_bytes: int | None = None
    file_name: str | None = None
    stored_file_id: int | None = None
    transcript: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "file_id": self.file_id,
            "mime_type": self.mime_type,
            "size_bytes": self.size_bytes,
            "file_name": self.file_name,
            "stored_file_id": self.stored_file_id,
        }
        if self.transcript is not None:
            data["transcript"] = self.transcript
        return data


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    platform: str
    external_user_id: str
    chat_id: str
    message_id: str
    text: str | None = None
    button_payload: str | None = None
    attachments: tuple[Attachment, ...] = ()
    received_at: datetime = field(default_factory=utcnow)
    idempotency_key: str = ""
    display_name: str | None = None
    # Handled from a stored inbox row (its key is ``idempotency_key``): the engine queues the replies in
    # the outbox and marks the row handled in the step's own transaction, so a crash loses neither.
    from_inbox: bool = False
    # The language the person's app is set to (Telegram ``language_code``, Slack user locale), e.g.
    # "de" or "es-419": a new client is spoken to in it when it is supported.
    language_hint: str | None = None
    # Not from the person: a flow started on their behalf (ConversationEngine.begin_flow, a reminder).
    proactive: bool = False

    def __post_init__(self) -> None:
        if not self.idempotency_key:
            object.__setattr__(self, "idempotency_key", f"{self.platform}:{self.chat_id}:{self.message_id}")
        # Clean at the edge: NUL, lone surrogates and control characters never reach a flow or a row.
        for name in ("text", "button_payload", "display_name"):
            object.__setattr__(self, name, clean_optional(getattr(self, name)))


def voice_transcript(message: IncomingMessage) -> str | None:
    """What the message's voice notes say, joined (None when it has none that was transcribed)."""
    said = [a.transcript.strip() for a in message.attachments if a.kind == "voice" and a.transcript]
    joined = " ".join(s for s in said if s)
    return joined or None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class UrlButton:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class OutgoingFile:
    file_name: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    url_buttons: tuple[UrlButton, ...] = ()
    files: tuple[OutgoingFile, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for the stored replies of processed messages and the delivery queue."""
        return {
            "text": self.text,
            "buttons": [[{"label": b.label, "payload": b.payload} for b in row] for row in self.buttons],
            "url_buttons": [{"label": b.label, "url": b.url} for b in self.url_buttons],
            "files": [
                {
                    "file_name": f.file_name,
                    "mime_type": f.mime_type,
                    "content": base64.b64encode(f.content).decode(),
                }
                for f in self.files
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutgoingMessage:
        return cls(
            text=data["text"],
            buttons=tuple(
                tuple(Button(b["label"], b["payload"]) for b in row) for row in data.get("buttons", [])
            ),
            url_buttons=tuple(UrlButton(b["label"], b["url"]) for b in data.get("url_buttons", [])),
            files=tuple(
                OutgoingFile(f["file_name"], base64.b64decode(f["content"]), f["mime_type"])
                for f in data.get("files", [])
            ),
        )

    @property
    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def typed_button(text: str, buttons: Sequence[Button]) -> Button | None:
    """The button a person meant by typing ``text`` where only text can be typed (the console), or None
    when ``text`` is an answer of its own.

    Buttons are shortcuts, never a reinterpretation of a typed value: typing a label presses that
    button, and a number n presses the n-th button only when no button stands for a number. Where the
    buttons are values ("1 day", "3 days", "7 days"), typing ``3`` means 3, not the third button.
    """
    typed = text.strip().lower()
    for button in buttons:
        if button.label.strip().lower() == typed:
            return button
    if typed.isdigit() and not any(_DIGIT.search(b.label) for b in buttons):
        index = int(typed)
        if 1 <= index <= len(buttons):
            return buttons[index - 1]
    return None
