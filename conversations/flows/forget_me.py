"""``/forget_me``: a client erases themselves (right to erasure).

The flow explains what is deleted and what is kept, and only the word DELETE (typed, or the button;
the client's language's own word, LÖSCHEN, BORRAR, УДАЛИТЬ, too) goes ahead; anything else cancels. The erasure runs as an after-commit effect in its own transaction,
not in the engine's: it deletes this very user's conversation state, which the engine writes back at
the end of its transaction. Files are unlinked after that commit. A subscription that still renews
must be cancelled first (``/billing``): erasure keeps its record but cannot stop the provider.

Registered at start-up with the files' storage directory (see :func:`register`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from conversations.flow import END, Effect, EffectContext, Flow, Next, Step, Turn, ask, buttons
from conversations.messages import OutgoingMessage
from conversations.registry import register_command, register_flow
from conversations.texts import Commands
from conversations.texts import ForgetMe as T
from domain.errors import NotFound
from domain.services.erasure import erase_client, renewing_subscriptions
from domain.services.files import unlink_stored_files

NAME = "forget_me"
CONFIRM_WORD = "DELETE"


async def _begin(turn: Turn) -> Next:
    if turn.client_id is None:
        turn.say(T.NOTHING_HELD)
        return END
    if await renewing_subscriptions(await turn.session(), turn.client_id):
        turn.say(T.RENEWING)
        return END
    return "confirm"


def _erase(storage_dir: Path | str) -> Effect:
    async def effect(ctx: EffectContext) -> list[OutgoingMessage]:
        if ctx.client_id is None:
            return [OutgoingMessage(T.NOTHING_HELD)]
        try:
            async with ctx.db.unit_of_work() as session:
                report = await erase_client(session, ctx.client_id, actor=f"client:{ctx.client_id}")
        except NotFound:  # erased meanwhile (an admin, or a second device)
            return [OutgoingMessage(T.NOTHING_HELD)]
        await asyncio.to_thread(unlink_stored_files, report.file_paths, storage_dir)
        return [OutgoingMessage(T.DONE)]

    return effect


def build_flow(storage_dir: Path | str) -> Flow:
    async def answer_confirm(turn: Turn) -> Next:
        if turn.text.strip().upper() not in {CONFIRM_WORD, T.CONFIRM_WORD.upper()}:
            turn.say(T.KEPT)
            return END
        turn.after_commit(_erase(storage_dir))
        return END

    return Flow(
        name=NAME,
        version=1,
        begin=_begin,
        steps=[
            Step("confirm", ask_confirm, answer_confirm),
        ],
    )


async def ask_confirm(turn: Turn) -> OutgoingMessage:
    # Built per message: the explanation and the word to type are in the client's language.
    return await ask(T.EXPLAIN.format(word=T.CONFIRM_WORD), buttons((T.YES, CONFIRM_WORD), (T.NO, "keep")))(
        turn
    )


def register(storage_dir: Path | str) -> None:
    """Add ``/forget_me``; files clients sent are deleted inside ``storage_dir`` only."""
    register_flow(build_flow(storage_dir))
    # Open to everyone: someone without a profile is told so instead of being onboarded.
    register_command(f"/{NAME}", flow=NAME, help=Commands.FORGET_ME, needs_client=False)
