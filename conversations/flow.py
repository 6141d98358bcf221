"""The small vocabulary every flow is written in: a :class:`Flow` is a named list of :class:`Step` s.

A step has a prompt (what the bot asks) and an answer handler (parse, validate, store in
``turn.data`` or call a domain service, then name the next step). Handlers return the next step's
name, :data:`END` to leave the flow, or :class:`StartFlow` to hand over to another flow. A handler
that cannot accept the answer raises :class:`InvalidAnswer` (or ``parsing.ParseError``) with a hint;
the engine re-prompts and nothing of that step is stored.

Why not python-statemachine: its value is guarded transitions between live objects, while our state
must be a plain (flow, step, data) row re-read from the database on every message; a flow here is
just data the engine walks, which keeps each flow module readable top to bottom.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from conversations.i18n import current_locale, localize
from conversations.messages import Button, IncomingMessage, OutgoingMessage

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

    from conversations.ports import GoalSuggester, PaymentPort
    from domain.db import Database


class InvalidAnswer(Exception):
    """The answer does not fit the step; ``hint`` says what is expected."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


class _End:
    def __repr__(self) -> str:
        return "END"


END = _End()


class _Stay:
    def __init__(self, repeat: bool) -> None:
        self.repeat = repeat

    def __repr__(self) -> str:
        return "REPEAT" if self.repeat else "STAY"


# Keep the current flow and step as they are (a command such as /menu answered on the side) ...
STAY = _Stay(repeat=False)
# ... and ask the current step's question again (/help in the middle of a flow).
REPEAT = _Stay(repeat=True)


@dataclass(frozen=True, slots=True)
class StartFlow:
    """Leave the current flow and start ``flow`` (at its first step, or at ``step``)."""

    flow: str
    data: dict[str, Any] = field(default_factory=dict)
    step: str | None = None


Next = str | _End | _Stay | StartFlow
Prompt = Callable[["Turn"], Awaitable[OutgoingMessage]]
AnswerHandler = Callable[["Turn"], Awaitable[Next]]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    prompt: Prompt
    answer: AnswerHandler


@dataclass(frozen=True, slots=True)
class Flow:
    """``version`` must be bumped when steps are renamed or their data changes shape: users stored at
    another version restart the flow instead of resuming with data the steps no longer understand."""

    name: str
    version: int
    steps: Sequence[Step]
    # Called when the flow is entered; returns the first step (or END after replying itself).
    begin: Callable[[Turn], Awaitable[Next]] | None = None

    def step(self, name: str) -> Step | None:
        for step in self.steps:
            if step.name == name:
                return step
        return None

    @property
    def first(self) -> str:
        return self.steps[0].name


@dataclass(frozen=True, slots=True)
class EffectContext:
    """What an after-commit effect may use: network ports and a fresh database for follow-up writes."""

    db: Database
    payments: PaymentPort | None
    goal_suggester: GoalSuggester | None
    client_id: int | None
    # Whose message scheduled the effect: (platform, external user id).
    user: tuple[str, str] | None = None
    # The language the effect's replies are in (the client's, as during the step).
    locale: str = "en"


# Runs after the step's transaction committed, outside any transaction; returns extra replies.
Effect = Callable[[EffectContext], Awaitable[list[OutgoingMessage]]]


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """The registered client behind the message, read with the conversation state (no extra query)."""

    id: int
    name: str
    timezone: str
    coach_id: int | None
    active_goal_id: int | None = None
    active_goal_text: str | None = None
    locale: str = "en"


# Runs once per batch with every item deferred under the same key, after all steps of the batch.
BatchRunner = Callable[[list[Any]], Awaitable[None]]


class Batch:
    """Work that the turns of one transaction (group commit) share: a step may ``defer`` an item, and
    every item under one key is handled by one runner call, e.g. one INSERT for 200 check-ins."""

    def __init__(self, note_languages: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, tuple[BatchRunner, list[Any]]] = {}
        # Detected before the transaction began (see conversations.flows.checkin.detect_note_languages).
        self._note_languages = note_languages or {}

    def note_language(self, note: str) -> str | None:
        """The language detected for this note before the batch's transaction, if it was."""
        return self._note_languages.get(note)

    def defer(self, key: str, item: Any, runner: BatchRunner) -> None:
        self._items.setdefault(key, (runner, []))[1].append(item)

    async def run(self) -> None:
        while self._items:
            key = next(iter(self._items))
            runner, items = self._items.pop(key)
            await runner(items)


class Turn:
    """One message being handled: the answer, the flow's collected data, and ways to reply."""

    def __init__(
        self,
        message: IncomingMessage,
        *,
        client_id: int | None,
        data: dict[str, Any],
        now: datetime,
        session_factory: Callable[[], Awaitable[AsyncSession]],
        payments: PaymentPort | None,
        goal_suggester: GoalSuggester | None,
        client: ClientInfo | None = None,
        batch: Batch | None = None,
    ) -> None:
        self.batch = batch or Batch()
        self.message = message
        self.client = client
        self.client_id = client_id
        self.data = data
        self.now = now
        self._session_factory = session_factory
        self.payments = payments
        self.goal_suggester = goal_suggester
        self.replies: list[OutgoingMessage] = []
        self.effects: list[Effect] = []
        self.writes = False
        self.current_flow: str | None = None
        # The client's language (or, before registration, the one their app reports).
        self.locale = current_locale()

    @property
    def text(self) -> str:
        """The answer: a pressed button's payload, else the typed text (stripped)."""
        if self.message.button_payload is not None:
            return self.message.button_payload
        return (self.message.text or "").strip()

    @property
    def platform(self) -> str:
        return self.message.platform

    async def session(self) -> AsyncSession:
        """The ORM session of this message's transaction, for domain services."""
        self.writes = True
        return await self._session_factory()

    async def connection(self) -> AsyncConnection:
        """The same transaction as Core connection, for the hot path's lean statements."""
        return await (await self.session()).connection()

    def say(self, text: str, buttons: Sequence[Sequence[Button]] = ()) -> None:
        self.replies.append(OutgoingMessage(text, tuple(tuple(row) for row in buttons)))

    def after_commit(self, effect: Effect) -> None:
        """Do network work (payments, suggestions) once this step's writes are committed."""
        self.effects.append(effect)


# Where a not-yet-registered person's chosen language waits (``/language``) until onboarding stores it on
# the client; it stays with the conversation when a flow starts.
CHOSEN_LOCALE_KEY = "locale"

# Where a flow that saves as it goes (``/settings``) lists what it saved, so /cancel can tell the truth.
SAVED_KEY = "_saved"


def note_saved(turn: Turn, what: str) -> None:
    """Record that ``what`` (e.g. "reminder time") was saved by this flow already."""
    saved: list[str] = turn.data.setdefault(SAVED_KEY, [])
    if what not in saved:
        saved.append(what)


def buttons(*pairs: tuple[str, str], per_row: int = 3) -> list[list[Button]]:
    """Rows of buttons from (label, payload) pairs."""
    flat = [Button(label, payload) for label, payload in pairs]
    return [flat[i : i + per_row] for i in range(0, len(flat), per_row)]


def ask(text: str, rows: Sequence[Sequence[Button]] = ()) -> Prompt:
    """A prompt that is always the same message, in the language of whoever is asked (catalogue texts
    given at import are spoken again in the current locale)."""
    frozen = tuple(tuple(row) for row in rows)

    async def prompt(_turn: Turn) -> OutgoingMessage:
        return OutgoingMessage(
            localize(text),
            tuple(tuple(Button(localize(b.label), b.payload) for b in row) for row in frozen),
        )

    return prompt


def scale_buttons(low: int, high: int) -> list[list[Button]]:
    per_row = 5 if high - low >= 5 else high - low + 1
    return buttons(*((str(n), str(n)) for n in range(low, high + 1)), per_row=per_row)
