"""A terminal chat with the engine: each input line is one message, each reply is printed.

Buttons are printed one per line as ``[n] label``; typing ``n`` or the label presses the button.
Output is flushed after every bot message so piped and interactive use both see replies at once.
Messages queued for this chat while it was closed (reminders, the coach's replies) are shown first,
and again whenever new ones arrive between lines; an interactive session starts by asking the open
question again, so a resumed chat never begins with a blank screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import uuid
from typing import Protocol, TextIO

from conversations.messages import Button, IncomingMessage, OutgoingMessage, typed_button
from conversations.ports import ConversationHandler
from conversations.texts import Console as T
from domain.models.enums import Platform

# Sent when an interactive session opens: the engine asks the open question again (or says hello).
REPEAT_COMMAND = "/repeat"


class Mailbox(Protocol):
    """Messages queued for this chat while nobody had it open (``bot.console.transport.HeldMessages``)."""

    async def take(self) -> list[OutgoingMessage]: ...


def render(message: OutgoingMessage, first_number: int = 1) -> list[str]:
    lines = [message.text]
    for n, button in enumerate(message.all_buttons, first_number):
        lines.append(f"[{n}] {button.label}")
    lines.extend(f"{b.label}: {b.url}" for b in message.url_buttons)
    lines.extend(f"(file: {f.file_name})" for f in message.files)
    return lines


class ConsoleChat:
    """One console identity (``console:<user>``) talking to the engine."""

    def __init__(
        self,
        engine: ConversationHandler,
        *,
        user: str,
        name: str | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        prompt: str = "",
        held: Mailbox | None = None,
        greet: bool = False,
    ) -> None:
        self.engine = engine
        self.user = user
        self.name = name
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.prompt = prompt
        self.held = held
        self.greet = greet
        self.buttons: list[Button] = []
        # Message ids must stay unique across runs: processed ids are remembered for duplicate delivery.
        self._session = uuid.uuid4().hex[:12]
        self._count = 0

    def to_message(self, line: str) -> IncomingMessage:
        self._count += 1
        text = line.strip()
        payload = None
        pressed = self._button_for(text)
        if pressed is not None:
            payload, text = pressed.payload, pressed.label
        return IncomingMessage(
            platform=Platform.CONSOLE.value,
            external_user_id=self.user,
            chat_id=self.user,
            message_id=f"{self._session}-{self._count}",
            text=text,
            button_payload=payload,
            display_name=self.name,
        )

    def _button_for(self, text: str) -> Button | None:
        return typed_button(text, self.buttons)

    def show(self, replies: list[OutgoingMessage]) -> None:
        self.buttons = []
        for reply in replies:
            for line in render(reply, len(self.buttons) + 1):
                self.stdout.write(line + "\n")
            self.buttons.extend(reply.all_buttons)
            self.stdout.flush()

    def show_proactive(self, replies: list[OutgoingMessage]) -> None:
        """A message nobody asked for just now (a reminder, the coach's reply), printed as it comes."""
        self.show(replies)

    async def send(self, line: str) -> None:
        self.show(await self.engine.handle(self.to_message(line)))
        await self.show_held()

    async def show_held(self, *, first: bool = False) -> None:
        if self.held is None:
            return
        held = await self.held.take()
        if held:
            if first:
                self.stdout.write(T.HELD_WHILE_AWAY + "\n")
            self.show(held)

    async def run(self) -> None:
        """Read lines until end of input; blank lines are ignored."""
        await self.show_held(first=True)
        if self.greet:
            await self.send(REPEAT_COMMAND)
        lines = self._read_lines_in_background()
        while True:
            if self.prompt:
                self.stdout.write(self.prompt)
                self.stdout.flush()
            line = await lines.get()
            if line is None:
                return
            if line.strip():
                await self.send(line)

    def _read_lines_in_background(self) -> asyncio.Queue[str | None]:
        # A daemon thread, not the loop's executor: a pending readline() must not keep the process
        # alive after Ctrl-C (asyncio.run waits for executor threads on exit).
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def read() -> None:
            try:
                for line in iter(self.stdin.readline, ""):
                    loop.call_soon_threadsafe(queue.put_nowait, line)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop may already be closed
                    loop.call_soon_threadsafe(queue.put_nowait, None)

        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        return queue
