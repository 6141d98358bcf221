"""A local Telegram Bot API server for tests: the real drivers talk to it over HTTP on 127.0.0.1.

It implements what the bot calls (getMe, getUpdates with long-poll ``timeout`` and ``offset``,
sendMessage, editMessageReplyMarkup, answerCallbackQuery, sendPhoto/sendDocument, getFile and file
download, setWebhook/deleteWebhook), records every call (with its arrival time), and can answer
429/5xx/403 for one chat. With ``enforce_limits`` it answers 429 like Telegram to any send over the
published limits: more than 1 message per second to one chat, or more than 30 (``global_per_second``)
in any one second, less its own event loop's lateness (``max_loop_lag``: an arrival is timed when its handler starts).
Updates pushed by a test are held for getUpdates, or POSTed to the webhook once one is set.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.telegram.limits import GLOBAL_PER_SECOND, GROUP_PER_MINUTE, PER_CHAT_INTERVAL_S
from tests.support.servers import serve_locally

LAG_PROBE_S = 0.005
SENDING_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
GLOBAL_WINDOW_S = 1.0
GROUP_WINDOW_S = 60.0
KICKED = "Forbidden: bot was kicked from the group chat"
# How soon a failed webhook call is tried again (Telegram waits longer; tests need not).
WEBHOOK_RETRY_S = 0.5
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Coach", "username": "coach_test_bot"}


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    status: int
    at: float = field(default_factory=time.monotonic)
    """When the request arrived (for sends), or when it was answered."""

    @property
    def chat_id(self) -> str | None:
        value = self.params.get("chat_id")
        return None if value is None else str(value)


@dataclass
class Fault:
    status: int
    chat_id: str | None
    method: str | None
    times: int
    retry_after: int | None = None


@dataclass
class WebhookDelivery:
    update_id: int
    status: int


class FakeTelegram:
    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        webhook_connections: int = 1,
        enforce_limits: bool = False,
        redeliver_failed_webhooks: bool = False,
        global_per_second: float = GLOBAL_PER_SECOND,
    ) -> None:
        """``global_per_second``: the global limit ``enforce_limits`` holds to (scaled down in tests)."""
        self.token = token
        self.enforce_limits = enforce_limits
        self.global_per_second = global_per_second
        # Only Telegram's 20 messages a minute per group (set by tests of that limit alone).
        self.enforce_group_limit = False
        self._recent_sends: collections.deque[float] = collections.deque()
        self._chat_last_send: dict[str, float] = {}
        self._group_sends: dict[str, collections.deque[float]] = {}
        # Group chats the bot was removed from: every send there is refused with 403, like Telegram's.
        self.kicked: set[str] = set()
        # How late this fixture's own event loop has run (an arrival is timed when its handler starts,
        # up to this much after the request came in): limits are enforced with that much tolerance.
        self.max_loop_lag = 0.0
        self._lag_task: asyncio.Task[None] | None = None
        # Telegram re-sends an update whose webhook call failed (non-2xx, no answer), before later ones.
        self.redeliver_failed_webhooks = redeliver_failed_webhooks
        # While frozen, sending calls wait unanswered (see freeze_sends()).
        self._thawed = asyncio.Event()
        self._thawed.set()
        self._discard_held = False
        self.held = 0  # sending calls waiting while frozen
        # Telegram opens up to 40 connections to a webhook (setWebhook max_connections); tests use one,
        # so updates arrive strictly in order.
        self.webhook_connections = webhook_connections
        self.calls: list[ApiCall] = []
        self.updates: list[dict[str, Any]] = []  # every update pushed, for tests
        self._pending: list[dict[str, Any]] = []  # not yet confirmed through getUpdates
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.faults: list[Fault] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._webhook_queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._webhook_task: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.root = ""

    # -- server -------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner, self.root = await serve_locally(app)
        self._webhook_task = asyncio.create_task(self._post_webhooks())
        if self.enforce_limits:
            self._lag_task = asyncio.create_task(self._watch_loop_lag())
        return self.root

    async def _watch_loop_lag(self) -> None:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(LAG_PROBE_S)
            self.max_loop_lag = max(self.max_loop_lag, time.monotonic() - asked - LAG_PROBE_S)

    async def stop(self) -> None:
        if self._lag_task is not None:
            self._lag_task.cancel()
            await asyncio.gather(self._lag_task, return_exceptions=True)
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            await asyncio.gather(self._webhook_task, return_exceptions=True)
        self._closing = True  # long polls answer now, so the server shuts down at once
        async with self._new_update:
            self._new_update.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what a test does ---------------------------------------------------------------------

    async def push(self, update: dict[str, Any]) -> int:
        """Deliver an update (getUpdates or webhook, like Telegram); returns its update_id."""
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        await self._deliver(update)
        return int(update["update_id"])

    async def resend(self, update_id: int) -> None:
        """Telegram re-sends an update (e.g. it thought the webhook timed out)."""
        await self._deliver(next(u for u in self.updates if u["update_id"] == update_id))

    async def _deliver(self, update: dict[str, Any]) -> None:
        if self.webhook_url:
            await self._webhook_queue.put(update)
        else:
            self._pending.append(update)
        # Wake a waiting long poll (it finds nothing new while a webhook is set, and waits on).
        async with self._new_update:
            self._new_update.notify_all()

    def freeze_sends(self) -> None:
        """Hold every sending call that arrives from now on without processing it, as if it were still
        on the wire; with :meth:`thaw` (``discard=True`` after the caller died) they never arrive.

        Crash tests freeze, give the bot a moment to record the sends already answered, then kill it:
        so the kill never lands between Telegram accepting a message and the bot noting it — the one
        instant where no client can know whether a send happened (the README says what then)."""
        self._discard_held = False
        self._thawed.clear()

    def thaw(self, *, discard: bool) -> None:
        self._discard_held = discard
        self._thawed.set()

    def fail(
        self,
        status: int,
        *,
        chat_id: int | str | None = None,
        method: str | None = None,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` matching calls with ``status`` (429 carries ``retry_after``)."""
        self.faults.append(
            Fault(status, None if chat_id is None else str(chat_id), method, times, retry_after)
        )

    def add_file(self, content: bytes, *, path: str = "documents/file.bin") -> str:
        file_id = f"FILE{next(self._file_ids)}"
        self.files[file_id] = (path, content)
        return file_id

    def sent(self, chat_id: int | str | None = None, *, method: str | None = None) -> list[ApiCall]:
        """Successful sending calls (sendMessage/sendPhoto/sendDocument), optionally for one chat."""
        methods = {method} if method else {"sendMessage", "sendPhoto", "sendDocument"}
        return [
            c
            for c in self.calls
            if c.method in methods and c.status == 200 and (chat_id is None or c.chat_id == str(chat_id))
        ]

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 20.0) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("the Bot API fixture did not see the expected calls in time")
            await asyncio.sleep(0.02)

    # -- update builders ----------------------------------------------------------------------

    def _user(self, user_id: int, name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name}

    def _incoming(self, user_id: int, name: str, **content: Any) -> dict[str, Any]:
        return {
            "message": {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": name},
                "from": self._user(user_id, name),
                **content,
            }
        }

    async def send_text(self, user_id: int, text: str, name: str = "Alex") -> int:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self.push(self._incoming(user_id, name, **content))

    async def press(self, user_id: int, data: str, message_id: int, name: str = "Alex") -> int:
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": name},
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": f"cq{next(self._message_ids)}",
            "from": self._user(user_id, name),
            "chat_instance": f"ci{user_id}",
            "data": data,
            "message": message,
        }
        return await self.push({"callback_query": query})

    async def send_group_text(
        self, chat_id: int, user_id: int, text: str, name: str = "Alex", title: str = "Run Club"
    ) -> int:
        """A member writes in a group chat (negative ``chat_id``)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self.push(
            {
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "supergroup", "title": title},
                    "from": self._user(user_id, name),
                    **content,
                }
            }
        )

    async def membership(
        self, chat_id: int, status: str, *, by_user: int = 777, title: str = "Run Club"
    ) -> int:
        """``my_chat_member``: the bot's status in a group changed ("member": added; "kicked", "left")."""
        old = "left" if status == "member" else "member"

        def member(state: str) -> dict[str, Any]:
            found: dict[str, Any] = {"user": BOT_USER, "status": state}
            if state == "kicked":
                found["until_date"] = 0
            return found

        return await self.push(
            {
                "my_chat_member": {
                    "chat": {"id": chat_id, "type": "supergroup", "title": title},
                    "from": self._user(by_user, "Owner"),
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(status),
                }
            }
        )

    async def send_photo(self, user_id: int, content: bytes, caption: str | None = None) -> int:
        file_id = self.add_file(content, path=f"photos/p{len(self.files)}.jpg")
        sizes = [
            {
                "file_id": f"{file_id}-thumb",
                "file_unique_id": "t",
                "width": 90,
                "height": 90,
                "file_size": 10,
            },
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 800,
                "height": 600,
                "file_size": len(content),
            },
        ]
        extra = {"caption": caption} if caption else {}
        return await self.push(self._incoming(user_id, "Alex", photo=sizes, **extra))

    async def send_document(
        self, user_id: int, content: bytes, *, file_name: str, mime_type: str, size: int | None = None
    ) -> int:
        file_id = self.add_file(content, path=f"documents/{file_name}")
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content) if size is None else size,
        }
        return await self.push(self._incoming(user_id, "Alex", document=document))

    async def send_voice(self, user_id: int, content: bytes, duration: int = 3) -> int:
        file_id = self.add_file(content, path=f"voice/v{len(self.files)}.oga")
        voice = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(content),
        }
        return await self.push(self._incoming(user_id, "Alex", voice=voice))

    async def send_sticker(self, user_id: int) -> int:
        sticker = {
            "file_id": "STICKER",
            "file_unique_id": "s",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return await self.push(self._incoming(user_id, "Alex", sticker=sticker))

    def last_message(self, chat_id: int | str) -> ApiCall:
        return self.sent(chat_id)[-1]

    # -- Bot API ------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                else:
                    params[key] = value
        for key in ("reply_markup", "allowed_updates"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params, files

    def _fault_for(self, method: str, params: dict[str, Any]) -> Fault | None:
        chat = params.get("chat_id")
        for fault in self.faults:
            if fault.times <= 0:
                continue
            if fault.method is not None and fault.method != method:
                continue
            if fault.chat_id is not None and fault.chat_id != (None if chat is None else str(chat)):
                continue
            fault.times -= 1
            return fault
        return None

    def _over_limits(self, method: str, params: dict[str, Any], arrived: float) -> bool:
        """Like Telegram: a send over the per-chat or global rate is refused (and not counted)."""
        if not (self.enforce_limits or self.enforce_group_limit) or method not in SENDING_METHODS:
            return False
        chat = str(params.get("chat_id"))
        tolerance = self.max_loop_lag
        if not self.enforce_limits:
            return self._over_group_limit(chat, arrived, tolerance)
        while self._recent_sends and self._recent_sends[0] <= arrived - GLOBAL_WINDOW_S + tolerance:
            self._recent_sends.popleft()
        last = self._chat_last_send.get(chat)
        if len(self._recent_sends) >= self.global_per_second or (
            last is not None and arrived - last < PER_CHAT_INTERVAL_S - tolerance
        ):
            return True
        if self._over_group_limit(chat, arrived, tolerance):
            return True
        self._recent_sends.append(arrived)
        self._chat_last_send[chat] = arrived
        return False

    def _over_group_limit(self, chat: str, arrived: float, tolerance: float) -> bool:
        """ "20 messages per minute per group chat": a group's send over it is refused (not counted)."""
        if not chat.startswith("-"):
            return False
        group = self._group_sends.setdefault(chat, collections.deque())
        while group and group[0] <= arrived - GROUP_WINDOW_S + tolerance:
            group.popleft()
        if len(group) >= GROUP_PER_MINUTE:
            return True
        group.append(arrived)
        return False

    async def _api(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(method, {}, 401, "Unauthorized")
        params, files = await self._params(request)
        if self._over_limits(method, params, arrived):
            return self._error(method, params, 429, "Too Many Requests", retry_after=1, at=arrived)
        if method in SENDING_METHODS and str(params.get("chat_id")) in self.kicked:
            return self._error(method, params, 403, KICKED)
        fault = self._fault_for(method, params)
        if fault is not None:
            descriptions = {429: "Too Many Requests", 403: "Forbidden: bot was blocked by the user"}
            return self._error(
                method,
                params,
                fault.status,
                descriptions.get(fault.status, "Internal Server Error"),
                fault.retry_after,
            )
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(method, params, 404, "Not Found: method not found")
        if method in SENDING_METHODS and not self._thawed.is_set():
            self.held += 1
            await self._thawed.wait()
            self.held -= 1
            if self._discard_held:
                raise web.HTTPServiceUnavailable()  # the caller is gone; nothing was delivered
        if method == "getUpdates":
            if self.webhook_url:
                return self._error(
                    method, params, 409, "Conflict: can't use getUpdates method while webhook is active"
                )
            self.calls.append(ApiCall(method, params, 200))  # recorded on arrival: it may wait long
            result = await handler(params)
        else:
            result = handler(params, files)
            if isinstance(result, web.Response):
                return result
            self.calls.append(ApiCall(method, params, 200, at=arrived))
        return web.json_response({"ok": True, "result": result})

    def _error(
        self,
        method: str,
        params: dict[str, Any],
        status: int,
        description: str,
        retry_after: int | None = None,
        *,
        at: float | None = None,
    ) -> web.Response:
        self.calls.append(ApiCall(method, params, status, at=time.monotonic() if at is None else at))
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["description"] = f"Too Many Requests: retry after {retry_after}"
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT_USER,
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        params["message_id"] = message["message_id"]
        return message

    def _m_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        async with self._new_update:
            while True:
                # Confirming an offset forgets every earlier update, as Telegram does.
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
                pending = list(self._pending)
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0 or self._closing:
                    break
                try:
                    await asyncio.wait_for(self._new_update.wait(), timeout=remaining)
                except TimeoutError:
                    break
        return pending[:limit]

    def _m_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return self._message(params, text=params["text"])

    def _attached(self, value: Any, files: dict[str, bytes], field_name: str) -> bytes:
        if isinstance(value, str) and value.startswith("attach://"):
            return files[value.removeprefix("attach://")]
        return files.get(field_name, b"")

    def _m_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        content = self._attached(params.get("photo"), files, "photo")
        params["file_size"] = len(content)
        file_id = self.add_file(content, path="photos/sent.jpg")
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 1,
                "height": 1,
                "file_size": len(content),
            }
        ]
        return self._message(params, photo=photo, caption=params.get("caption"))

    def _m_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        content = self._attached(params.get("document"), files, "document")
        params["file_size"] = len(content)
        file_id = self.add_file(content, path="documents/sent.bin")
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content)}
        return self._message(params, document=document, caption=params.get("caption"))

    def _m_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._message({**params}, text="…") if params.get("chat_id") else True

    def _m_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        return True

    def _m_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            return self._error("getFile", params, 400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    def _m_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.webhook_url = str(params["url"])
        self.webhook_secret = params.get("secret_token")
        return True

    def _m_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.webhook_url = None
        self.webhook_secret = None
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return {"url": self.webhook_url or "", "has_custom_certificate": False, "pending_update_count": 0}

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for file_path, content in self.files.values():
            if file_path == path:
                self.calls.append(ApiCall("download", {"path": path}, 200))
                return web.Response(body=content)
        return web.Response(status=404)

    async def _post_webhooks(self) -> None:
        """Like Telegram: POST each update to the webhook, with the secret header, over at most
        ``webhook_connections`` concurrent requests (one: strictly in order)."""
        slots = asyncio.Semaphore(self.webhook_connections)
        posting: set[asyncio.Task[None]] = set()

        async def post(http: aiohttp.ClientSession, update: dict[str, Any]) -> None:
            try:
                while True:
                    status = await post_once(http, update)
                    self.webhook_deliveries.append(WebhookDelivery(int(update["update_id"]), status))
                    if 200 <= status < 300 or not self.redeliver_failed_webhooks:
                        return
                    await asyncio.sleep(WEBHOOK_RETRY_S)
            finally:
                slots.release()

        async def post_once(http: aiohttp.ClientSession, update: dict[str, Any]) -> int:
            headers = {}
            if self.webhook_secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
            assert self.webhook_url is not None
            try:
                async with http.post(self.webhook_url, json=update, headers=headers) as response:
                    return response.status
            except (TimeoutError, aiohttp.ClientError, OSError):
                return 0

        connector = aiohttp.TCPConnector(limit=self.webhook_connections)
        async with aiohttp.ClientSession(connector=connector) as http:
            while True:
                update = await self._webhook_queue.get()
                await slots.acquire()
                task = asyncio.create_task(post(http, update))
                posting.add(task)
                task.add_done_callback(posting.discard)
                if self.webhook_connections == 1:
                    await task
