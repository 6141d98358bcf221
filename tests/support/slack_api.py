"""A local Slack Web API for tests: real HTTP on 127.0.0.1 (port 0), recording every call.

Modelled on bolt-python's ``tests/mock_web_api_server``: the real ``AsyncWebClient`` is pointed at
``base_url`` and sees ordinary Slack responses. ``response_url`` posts from slash commands and
actions land here too (``response_url(...)``), and a 429 with ``Retry-After`` can be injected.
Files added with ``add_file`` are described by ``files.info`` and served at their ``url_private``
only with a bot token (``Authorization: Bearer xoxb-…``), as Slack does. Files the app uploads
(``files_upload_v2``: getUploadURLExternal, the upload URL, completeUploadExternal) are kept in
``uploads`` by file id, with their name, alt text, bytes and the channel they were shared to.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

BOT_USER_ID = "UBOT0001"
TEAM_ID = "T0000001"
WAIT_S = 10.0  # generous: the machine is shared; a failing wait means the call never came


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class SlackFile:
    name: str
    mimetype: str
    content: bytes
    size: int  # what files.info claims (may differ from the content, to test our limits)


@dataclass
class Upload:
    filename: str
    alt_txt: str | None
    content: bytes = b""
    channel: str | None = None


@dataclass
class SlackApiServer:
    calls: list[Call] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)
    locales: dict[str, str] = field(default_factory=dict)  # a user's Slack locale ("de-DE"), if set
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _rate_limited: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    port: int = 0
    changed: asyncio.Condition | None = None
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    files: dict[str, SlackFile] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def rate_limit(self, method: str, channel: str, *, retry_after: int, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` for ``channel`` answer 429 with ``Retry-After``."""
        self._rate_limited[(method, channel)] = (retry_after, times)

    def add_file(self, content: bytes, *, name: str, mimetype: str, claimed_size: int | None = None) -> str:
        """A file someone shared in Slack; returns its id for a message event's ``files``."""
        file_id = f"F{next(self._ts):08d}"
        self.files[file_id] = SlackFile(name, mimetype, content, claimed_size or len(content))
        return file_id

    def file_event_entry(self, file_id: str) -> dict[str, Any]:
        """The ``files`` entry of a message event for that file (what Slack puts in the event)."""
        file = self.files[file_id]
        return {"id": file_id, "name": file.name, "mimetype": file.mimetype, "size": file.size}

    def of(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1) -> list[dict[str, Any]]:
        """Wait until ``method`` was called at least ``count`` times (work runs after the ack)."""
        assert self.changed is not None
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.of(method)) >= count), WAIT_S)
        return self.of(method)

    async def start(self) -> None:
        self.changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, method: str, args: dict[str, Any]) -> None:
        self.calls.append(Call(method, args))
        assert self.changed is not None
        async with self.changed:
            self.changed.notify_all()

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update(parse_qsl(raw.decode()))
        for key in ("blocks", "view", "attachments", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        limited = self._rate_limited.get((method, str(args.get("channel", ""))))
        if limited is not None:
            retry_after, times = limited
            if times <= 1:
                del self._rate_limited[(method, str(args.get("channel", "")))]
            else:
                self._rate_limited[(method, str(args.get("channel", "")))] = (retry_after, times - 1)
            await self._record(f"{method}:429", args)
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
            )
        await self._record(method, args)
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER_ID,
                "bot_id": "B0000001",
                "team_id": TEAM_ID,
                "user": "coach",
            }
        if method in ("chat.postMessage", "chat.postEphemeral"):
            channel = str(args.get("channel", ""))
            if channel.startswith("CGONE"):
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": channel, "ts": f"1700000000.{next(self._ts):06d}"}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "conversations.open":
            users = str(args.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + users.lstrip("U")}}
        if method == "users.info":
            user = str(args.get("user", ""))
            found: dict[str, Any] = {"id": user, "real_name": self.users.get(user, "Slack User")}
            if user in self.locales:
                found["locale"] = self.locales[user]
            return {"ok": True, "user": found}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            self.uploads[file_id] = Upload(str(args.get("filename", "")), args.get("alt_txt"))
            return {
                "ok": True,
                "file_id": file_id,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
            }
        if method == "files.info":
            found = self.files.get(str(args.get("file", "")))
            if found is None:
                return {"ok": False, "error": "file_not_found"}
            url = f"http://127.0.0.1:{self.port}/files-pri/{args['file']}/{found.name}"
            return {
                "ok": True,
                "file": {
                    "id": args["file"],
                    "name": found.name,
                    "mimetype": found.mimetype,
                    "size": found.size,
                    "url_private": url,
                    "url_private_download": url + "?download=1",
                },
            }
        if method == "files.completeUploadExternal":
            for f in args.get("files", []):
                if f["id"] in self.uploads:
                    self.uploads[f["id"]].channel = args.get("channel_id")
            return {"ok": True, "files": [{"id": f["id"]} for f in args.get("files", [])]}
        return {"ok": True}

    async def send_envelope(self, envelope_id: str, kind: str, payload: dict[str, Any]) -> None:
        """Socket Mode: push one request to the connected app (which acks it with its envelope id)."""
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": False,
        }
        await self.sockets[-1].send_json(message)

    async def wait_for_socket(self) -> None:
        assert self.changed is not None
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: bool(self.sockets)), WAIT_S)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})
        self.sockets.append(ws)
        await self._record("socket.connected", {})
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                await self._record("socket.ack", json.loads(message.data))
        return ws

    async def _response_url(self, request: web.Request) -> web.Response:
        await self._record("response_url", await request.json())
        return web.Response(text="ok")

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        authorization = request.headers.get("Authorization", "")
        await self._record("file.download", {"file_id": file_id, "authorization": authorization})
        found = self.files.get(file_id)
        if not authorization.startswith("Bearer xoxb-"):
            # Slack answers an unauthenticated url_private with its sign-in page, not the file.
            return web.Response(text="<html>sign in</html>", content_type="text/html")
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found.content, content_type=found.mimetype)

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.match_info["file_id"] in self.uploads:
            self.uploads[request.match_info["file_id"]].content = body
        await self._record("upload", {"file_id": request.match_info["file_id"], "size": len(body)})
        return web.Response(text="OK - uploaded")
