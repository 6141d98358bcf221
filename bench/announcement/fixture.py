"""The Bot API fixture (tests/support/telegram_api.py) in its own process, enforcing Telegram's limits
(429 + retry_after over them), so that Telegram's side of the loopback does not share the sender's
event loop.

    python -m bench.announcement.fixture RATE   (prints its root URL; a "calls" line on stdin answers
                                                 with what it saw as JSON; end of input stops it)
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable

from bench.announcement.delivery import calls_of
from tests.support.telegram_api import FakeTelegram


async def main(rate: float) -> None:
    fake = FakeTelegram(enforce_limits=True, global_per_second=rate)
    print(await fake.start(), flush=True)
    loop = asyncio.get_running_loop()
    read: Callable[[], str] = sys.stdin.readline
    while line := await loop.run_in_executor(None, read):
        if line.strip() == "calls":
            print(json.dumps(calls_of(fake).as_dict()), flush=True)
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1])))
