"""The same check-in dialog (/checkin, mood, energy, sleep, adherence, note) built the way each
library documents it, in memory, with every bot request answered by a stub instead of the network."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bench.engine.ours import dialog

Update = dict[str, Any]
_ids = itertools.count(1)


def updates(users: int, check_ins: int) -> list[Update]:
    """Telegram updates, users interleaved step by step (as they arrive from many chats)."""
    out = []
    for round_ in range(check_ins):
        for step in range(6):
            for i in range(users):
                text = dialog(i, round_)[step]
                uid = 1000 + i
                message: dict[str, Any] = {
                    "message_id": next(_ids),
                    "date": 1_700_000_000,
                    "chat": {"id": uid, "type": "private"},
                    "from": {"id": uid, "is_bot": False, "first_name": f"U{i}"},
                    "text": text,
                }
                if text.startswith("/"):
                    message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
                out.append({"update_id": next(_ids), "message": message})
    return out


async def measure(
    feed: Callable[[Update], Awaitable[None]], stream: list[Update], *, concurrent: bool = False
) -> dict[str, Any]:
    """Feed the updates; latency is from the update's JSON to the reply handed to the (stub) sender.

    One at a time: each update waits for the previous one. Concurrent: every user at once, each
    user's next update after the reply to the previous one (how ``concurrent_updates`` in PTB and
    ``handle_as_tasks`` in aiogram process a busy bot's updates: one task per update).
    """
    latencies = []

    async def one(update: Update) -> None:
        t = time.perf_counter()
        await feed(update)
        latencies.append(time.perf_counter() - t)

    async def user(updates_of_user: list[Update]) -> None:
        for update in updates_of_user:
            await one(update)

    started = time.perf_counter()
    if concurrent:
        by_user: dict[int, list[Update]] = {}
        for update in stream:
            by_user.setdefault(update["message"]["from"]["id"], []).append(update)
        await asyncio.gather(*(user(u) for u in by_user.values()))
    else:
        for update in stream:
            await one(update)
    return {"messages": len(stream), "seconds": time.perf_counter() - started, "latencies": latencies}


def _sent(chat_id: Any, text: Any) -> dict[str, Any]:
    return {
        "message_id": next(_ids),
        "date": 1_700_000_000,
        "chat": {"id": int(chat_id), "type": "private"},
        "text": text,
    }


async def run_ptb(users: int, check_ins: int, *, concurrent: bool = False) -> dict[str, Any]:
    from telegram import Update as PtbUpdate
    from telegram.ext import (
        Application,
        CommandHandler,
        ContextTypes,
        ConversationHandler,
        MessageHandler,
        filters,
    )
    from telegram.request import BaseRequest, RequestData

    class StubRequest(BaseRequest):
        @property
        def read_timeout(self) -> float | None:
            return None

        async def initialize(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

        async def do_request(
            self, url: str, method: str, request_data: RequestData | None = None, **_: Any
        ) -> tuple[int, bytes]:
            endpoint = url.rsplit("/", 1)[-1]
            params = request_data.parameters if request_data else {}
            result: Any = True
            if endpoint == "getMe":
                result = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
            elif endpoint == "sendMessage":
                result = _sent(params["chat_id"], params.get("text"))
            return 200, json.dumps({"ok": True, "result": result}).encode()

    mood, energy, sleep, adherence, note = range(5)

    def number_step(key: str, low: float, high: float, next_state: int, question: str) -> Any:
        async def handler(update: PtbUpdate, context: ContextTypes.DEFAULT_TYPE) -> int:
            assert update.message is not None and context.user_data is not None
            try:
                value = float(update.message.text or "".replace("h", "."))
            except ValueError:
                value = float((update.message.text or "").replace("h30", ".5"))
            if not low <= value <= high:
                await update.message.reply_text(f"Please send {low}-{high}")
                return next_state - 1
            context.user_data[key] = value
            await update.message.reply_text(question)
            return next_state

        return handler

    async def start(update: PtbUpdate, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None
        await update.message.reply_text("How is your mood today, from 1 to 10?")
        return mood

    async def answer_adherence(update: PtbUpdate, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data["adherence"] = update.message.text
        await update.message.reply_text("Anything to add?")
        return note

    async def answer_note(update: PtbUpdate, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data["note"] = update.message.text
        await update.message.reply_text("Check-in saved.")
        return ConversationHandler.END

    text = filters.TEXT & ~filters.COMMAND
    conversation = ConversationHandler(
        entry_points=[CommandHandler("checkin", start)],
        states={
            mood: [MessageHandler(text, number_step("mood", 1, 10, energy, "And your energy?"))],
            energy: [MessageHandler(text, number_step("energy", 1, 10, sleep, "Hours of sleep?"))],
            sleep: [
                MessageHandler(text, number_step("sleep", 0, 24, adherence, "Did you stick to your plan?"))
            ],
            adherence: [MessageHandler(text, answer_adherence)],
            note: [MessageHandler(text, answer_note)],
        },
        fallbacks=[],
    )
    app = (
        Application.builder()
        .token("1:bench")
        .request(StubRequest())
        .get_updates_request(StubRequest())
        .concurrent_updates(concurrent)
        .build()
    )
    app.add_handler(conversation)
    await app.initialize()
    try:

        async def feed(update: Update) -> None:
            await app.process_update(PtbUpdate.de_json(update, app.bot))

        return await measure(feed, updates(users, check_ins), concurrent=concurrent)
    finally:
        await app.shutdown()


async def run_aiogram(users: int, check_ins: int, *, concurrent: bool = False) -> dict[str, Any]:
    from aiogram import Bot, Dispatcher, F, Router
    from aiogram.client.session.base import BaseSession
    from aiogram.filters import Command
    from aiogram.fsm.context import FSMContext
    from aiogram.fsm.state import State, StatesGroup
    from aiogram.fsm.storage.memory import MemoryStorage
    from aiogram.methods import SendMessage, TelegramMethod
    from aiogram.types import Chat, Message

    class StubSession(BaseSession):
        async def close(self) -> None:
            pass

        async def make_request(
            self,
            bot: Bot,
            method: TelegramMethod[Any],
            timeout: int | None = None,  # noqa: ASYNC109 - aiogram signature
        ) -> Any:
            if isinstance(method, SendMessage):
                return Message(
                    message_id=next(_ids),
                    date=datetime.now(UTC),
                    chat=Chat(id=int(method.chat_id), type="private"),
                    text=str(method.text),
                )
            return True

        async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
            raise NotImplementedError

    class CheckIn(StatesGroup):
        mood = State()
        energy = State()
        sleep = State()
        adherence = State()
        note = State()

    router = Router()

    @router.message(Command("checkin"))
    async def start(message: Message, state: FSMContext) -> None:
        await state.set_state(CheckIn.mood)
        await message.answer("How is your mood today, from 1 to 10?")

    def number_step(key: str, low: float, high: float, next_state: State, question: str) -> Any:
        async def handler(message: Message, state: FSMContext) -> None:
            value = float((message.text or "").replace("h30", ".5"))
            if not low <= value <= high:
                await message.answer(f"Please send {low}-{high}")
                return
            await state.update_data({key: value})
            await state.set_state(next_state)
            await message.answer(question)

        return handler

    router.message(CheckIn.mood, F.text)(number_step("mood", 1, 10, CheckIn.energy, "And your energy?"))
    router.message(CheckIn.energy, F.text)(number_step("energy", 1, 10, CheckIn.sleep, "Hours of sleep?"))
    router.message(CheckIn.sleep, F.text)(
        number_step("sleep", 0, 24, CheckIn.adherence, "Did you stick to your plan?")
    )

    @router.message(CheckIn.adherence, F.text)
    async def answer_adherence(message: Message, state: FSMContext) -> None:
        await state.update_data(adherence=message.text)
        await state.set_state(CheckIn.note)
        await message.answer("Anything to add?")

    @router.message(CheckIn.note, F.text)
    async def answer_note(message: Message, state: FSMContext) -> None:
        await state.update_data(note=message.text)
        await state.clear()
        await message.answer("Check-in saved.")

    dispatcher = Dispatcher(storage=MemoryStorage())
    dispatcher.include_router(router)
    bot = Bot("1:bench", session=StubSession())

    async def feed(update: Update) -> None:
        await dispatcher.feed_raw_update(bot, update)

    return await measure(feed, updates(users, check_ins), concurrent=concurrent)
