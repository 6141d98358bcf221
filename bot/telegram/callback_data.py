"""Button payloads as ``callback_data``, which Telegram caps at 64 bytes.

Short payloads (all of the built-in flows') travel as they are. A longer one is replaced by a
digest and remembered in memory; pressing it after a restart gets a friendly "expired" reply.
"""

from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict

from bot.telegram.limits import CALLBACK_DATA_MAX_BYTES

DIGEST_PREFIX = "#~"
REMEMBERED_MAX = 10_000


class CallbackCodec:
    def __init__(self) -> None:
        self._long: OrderedDict[str, str] = OrderedDict()

    def encode(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_DATA_MAX_BYTES and not payload.startswith(DIGEST_PREFIX):
            return payload
        digest = hashlib.sha256(payload.encode()).digest()[:24]
        token = DIGEST_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")
        self._long[token] = payload
        self._long.move_to_end(token)
        while len(self._long) > REMEMBERED_MAX:
            self._long.popitem(last=False)
        return token

    def decode(self, data: str) -> str | None:
        """The payload pressed, or None when a digest is no longer known."""
        if data.startswith(DIGEST_PREFIX):
            return self._long.get(data)
        return data
