"""A local OpenAI-compatible chat-completions server for tests and benchmarks.

Binds 127.0.0.1 on a free port and speaks enough of ``POST /v1/chat/completions`` for the real
``openai`` client (and ``GET /v1/models``, listing ``models``, and ``POST /v1/audio/transcriptions``,
multipart, where the fake "hears" an audio file's bytes after its 4-byte magic as UTF-8 text: see
:func:`speech`). Behaviours are scripted per request (a
queue) or by a default: a well-behaved "model" that phrases the FACTS it is sent using only their
numbers. Every request is recorded.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web


@dataclass
class Reply:
    """One scripted answer: a body (``content`` for the message), a status, headers, or a delay."""

    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error: str = "server error"
    delay: float = 0.0


def answer(value: Any) -> Reply:
    return Reply(content=value if isinstance(value, str) else json.dumps(value))


def malformed() -> Reply:
    return Reply(content='{"how_they_are_doing": "fine", oops')


def rate_limited(retry_after_ms: int = 20) -> Reply:
    return Reply(status=429, headers={"retry-after-ms": str(retry_after_ms)}, error="rate limited")


def server_error(status: int = 500) -> Reply:
    return Reply(status=status, error="internal error")


def slow(seconds: float) -> Reply:
    return Reply(delay=seconds)


# "File uploads are currently limited to 25 MB" (OpenAI API reference, Create transcription): larger
# audio is answered 413 as the API does.
AUDIO_MAX_BYTES = 25 * 1024 * 1024


def speech(words: str) -> bytes:
    """An "Ogg" voice note the fake transcription endpoint hears as ``words``."""
    return b"OggS" + words.encode()


def heard(audio: bytes) -> str:
    return audio[4:].decode("utf-8", "replace")


_FACTS = re.compile(r"FACTS:\n(\{.*?\})\n\nClient notes", re.S)


def facts_of(request: dict[str, Any]) -> dict[str, Any]:
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    found = _FACTS.search(user)
    return json.loads(found.group(1)) if found else {}


def grounded_model(request: dict[str, Any]) -> str:
    """What a good model would answer: phrasing the facts, inventing no numbers."""
    facts = facts_of(request)
    schema = json.dumps(request.get("response_format", {}))
    if "goals" in schema:
        today = facts.get("today", "2030-01-01")
        due = facts.get("latest_due_date", today)
        goals = [
            {"text": f"Goal {name}", "metric": name, "target": 3, "unit": "times per week", "due_date": due}
            for name in ("walks", "early nights", "home-cooked dinners")
        ]
        return json.dumps({"goals": goals})
    client = facts.get("client", {})
    week = facts.get("week", {})
    mood = next((t for t in facts.get("trends", []) if t["metric"] == "mood"), {})
    doing = f"{client.get('first_name', 'The client')} checked in {week.get('check_ins', 0)} times"
    if mood.get("this_week") is not None:
        doing += f"; mood averaged {mood['this_week']} and is {mood['direction']}"
    flags = facts.get("risk_flags", [])
    stood_out = flags[0]["reason"] if flags else f"Notes read {facts.get('notes_tone', 'none')}"
    return json.dumps(
        {
            "how_they_are_doing": doing + ".",
            "what_stood_out": stood_out[:1].upper() + stood_out[1:] + ".",
            "coach_could_ask": "What would make next week a little easier?",
        }
    )


class FakeOpenAI:
    """Start with ``await server.start()``; ``server.base_url`` goes to ``OPENAI_BASE_URL``."""

    def __init__(
        self,
        default: Callable[[dict[str, Any]], str] = grounded_model,
        *,
        reject_json_schema: bool = False,
        models: tuple[str, ...] = ("fake-model",),
    ) -> None:
        self.default = default
        self.models = models
        self.reject_json_schema = reject_json_schema
        """Answer ``json_schema`` with HTTP 500 as llama.cpp's server does."""
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        # POST /v1/audio/transcriptions: its own script (``content`` is the text), and what it received
        # (model, file name, content type, audio bytes, response_format).
        self.audio_script: deque[Reply] = deque()
        self.audio_requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def then(self, *replies: Reply) -> FakeOpenAI:
        self.script.extend(replies)
        return self

    async def start(self) -> FakeOpenAI:
        # Room for audio over the limit, so the endpoint answers it as OpenAI does (413, below).
        app = web.Application(client_max_size=2 * AUDIO_MAX_BYTES)
        app.router.add_post("/v1/chat/completions", self._complete)
        app.router.add_get("/v1/models", self._list_models)
        app.router.add_post("/v1/audio/transcriptions", self._transcribe)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def user_messages(self) -> list[str]:
        return [m["content"] for r in self.requests for m in r["messages"] if m["role"] == "user"]

    async def _transcribe(self, request: web.Request) -> web.Response:
        form: dict[str, Any] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            assert isinstance(part, BodyPartReader)
            if part.filename is not None:
                form["file_name"] = part.filename
                form["content_type"] = part.headers.get("Content-Type")
                form["audio"] = await part.read(decode=False)
            elif part.name:
                form[part.name] = await part.text()
        self.audio_requests.append(form)
        reply = self.audio_script.popleft() if self.audio_script else Reply()
        if reply.delay:
            await asyncio.sleep(reply.delay)
        audio = form.get("audio", b"")
        if "model" not in form or "file_name" not in form:
            reply = Reply(status=400, error="model and file are required")
        elif len(audio) > AUDIO_MAX_BYTES:
            reply = Reply(status=413, error="Maximum content size limit (26214400) exceeded")
        if reply.status != 200:
            return web.json_response(
                {"error": {"message": reply.error, "type": "invalid_request_error", "code": reply.status}},
                status=reply.status,
                headers=reply.headers,
            )
        text = reply.content if reply.content is not None else heard(audio)
        return web.json_response({"text": text}, headers=reply.headers)

    async def _list_models(self, request: web.Request) -> web.Response:
        listed = [{"id": m, "object": "model", "created": 0, "owned_by": "local"} for m in self.models]
        return web.json_response({"object": "list", "data": listed})

    async def _complete(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.reject_json_schema and body.get("response_format", {}).get("type") == "json_schema":
            return web.json_response(
                {"error": {"message": "response_format type json_schema is not supported", "code": 500}},
                status=500,
            )
        reply = self.script.popleft() if self.script else Reply()
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.status != 200:
            return web.json_response(
                {"error": {"message": reply.error, "type": "server_error", "code": reply.status}},
                status=reply.status,
                headers=reply.headers,
            )
        content = reply.content if reply.content is not None else self.default(body)
        prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(content.split()),
                    "total_tokens": prompt_tokens + len(content.split()),
                },
            },
            headers=reply.headers,
        )
