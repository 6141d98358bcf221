"""The local Bot API (tests/support/telegram_api.py) in its own process, playing N closed-loop users:
each sends a message, waits for the bot's first reply in that chat, then sends the next.

    python -m bench.telegram.fake_telegram   (prints its root URL, then reads one JSON job per line)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.engine.ours import dialog
from tests.support.telegram_api import FakeTelegram


class BenchTelegram(FakeTelegram):
    def __init__(self) -> None:
        super().__init__(webhook_connections=40)  # Telegram's default max_connections
        self.replied: dict[int, asyncio.Event] = {}

    def _m_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        result = super()._m_sendMessage(params, files)
        self.replied.setdefault(int(params["chat_id"]), asyncio.Event()).set()
        self.calls.clear()  # keep memory flat over long runs
        return result

    async def play(self, users: int, check_ins: int, first_user: int) -> dict[str, float]:
        async def user(i: int) -> int:
            chat = first_user + i
            event = self.replied.setdefault(chat, asyncio.Event())
            sent = 0
            for round_ in range(check_ins):
                for text in dialog(i, round_):
                    event.clear()
                    await self.send_text(chat, text)
                    await event.wait()
                    sent += 1
            return sent

        started = time.perf_counter()
        counts = await asyncio.gather(*(user(i) for i in range(users)))
        return {"updates": float(sum(counts)), "seconds": time.perf_counter() - started}


async def main() -> None:
    fake = BenchTelegram()
    print(await fake.start(), flush=True)
    loop = asyncio.get_running_loop()
    read: Callable[[], str] = sys.stdin.readline
    while line := await loop.run_in_executor(None, read):
        job = json.loads(line)
        print(json.dumps(await fake.play(job["users"], job["check_ins"], job["first_user"])), flush=True)
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
