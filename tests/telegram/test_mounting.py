"""A coach who already runs an aiogram or PTB bot mounts our flows into it (README, "Mounting")."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.filters import Command
from aiogram.types import Message
from telegram import Update
from telegram.ext import ApplicationHandlerStop, CommandHandler, ContextTypes

from bot.outbound.sender import OutboundSender
from bot.telegram.aiogram_driver import AiogramBotApi, build_bot, coach_router
from bot.telegram.component import build_channel_for_api
from bot.telegram.ptb_driver import PtbBotApi, add_coach_handlers, build_application
from domain.db import Database
from tests.support.telegram_api import FakeTelegram
from tests.telegram.harness import RecordingHandler


async def test_aiogram_router_in_the_coachs_dispatcher(
    db: Database, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    bot: Bot = build_bot(fake_telegram.token, fake_telegram.root)
    theirs = Router(name="coach-own")

    @theirs.message(Command("ping"))
    async def ping(message: Message) -> None:
        await message.answer("pong")

    dispatcher = Dispatcher()
    dispatcher.include_router(theirs)
    handler = RecordingHandler()
    channel = build_channel_for_api(db, AiogramBotApi(bot), handler, OutboundSender(db), tmp_path)
    dispatcher.include_router(coach_router(channel))
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        await fake_telegram.send_text(61, "/ping")
        await fake_telegram.send_text(61, "hello")
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent(61)) == 2)
    finally:
        await dispatcher.stop_polling()
        await polling
        await bot.session.close()
    assert [c.params["text"] for c in fake_telegram.sent(61)] == ["pong", "got hello"]
    assert [m.text for m in handler.seen] == ["hello"]


async def test_ptb_handler_group_in_the_coachs_application(
    db: Database, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    application: Any = build_application(fake_telegram.token, fake_telegram.root)

    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("pong")
        raise ApplicationHandlerStop  # handled: later groups (ours) do not see it

    application.add_handler(CommandHandler("ping", ping), group=0)
    handler = RecordingHandler()
    channel = build_channel_for_api(db, PtbBotApi(application), handler, OutboundSender(db), tmp_path)
    add_coach_handlers(application, channel)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(timeout=1)
    try:
        await fake_telegram.send_text(62, "/ping")
        await fake_telegram.send_text(62, "hello")
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent(62)) == 2)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    assert [c.params["text"] for c in fake_telegram.sent(62)] == ["pong", "got hello"]
    assert [m.text for m in handler.seen] == ["hello"]
