"""One chat-completions client for OpenAI and OpenAI-compatible servers (llama.cpp, Ollama, vLLM).

Structured output: ``response_format`` ``json_schema`` where the server accepts it, else ``json_object``
(with the schema alongside, which llama.cpp enforces); the answer is validated with pydantic and, when it
is malformed, repaired once. Rate limits and server errors are retried with backoff; anything else
raises :class:`LlmUnavailable` or :class:`LlmInvalidOutput` so the caller can fall back.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import openai
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from domain import telemetry

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

# Rate limits come with retry-after (../shared/platform-limits.md, "OpenAI-compatible APIs"); waits
# longer than this are not worth holding a digest for: fall back instead.
MAX_RETRY_WAIT_SECONDS = 20.0
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_ATTEMPTS = 3
BACKOFF_BASE_SECONDS = 0.5
MAX_OUTPUT_TOKENS = 600


class LlmError(Exception):
    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()


class LlmUnavailable(LlmError):
    """The server could not be reached, timed out, or kept failing."""


class LlmInvalidOutput(LlmError):
    """The answer was not the JSON asked for, even after one repair request."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, completion: Any) -> None:
        usage = getattr(completion, "usage", None)
        if usage is not None:
            self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)


@dataclass(frozen=True)
class LlmAnswer(Generic[T]):
    value: T
    model: str
    usage: Usage


def is_loopback(base_url: str | None) -> bool:
    """True when ``base_url`` points at this machine (a local model server may receive personal data)."""
    if not base_url:
        return False
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _schema_rejected(exc: openai.APIStatusError) -> bool:
    """A server that does not know ``json_schema`` (llama.cpp answers 500, others 400)."""
    text = str(exc).lower()
    return exc.status_code in (400, 422, 500) and ("response_format" in text or "schema" in text)


class LlmClient:
    def __init__(
        self,
        *,
        model: str,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff: float = BACKOFF_BASE_SECONDS,
        local: bool | None = None,
    ) -> None:
        """``local`` declares whether the server runs on this machine; by default it is read from the
        URL (loopback or not)."""
        self.model = model
        self._local = is_loopback(base_url) if local is None else local
        self.base_url = base_url
        self.attempts = attempts
        self.backoff = backoff
        # The library's own retries are off: ours honour retry-after with a cap and know about fallbacks.
        self._openai = openai.AsyncOpenAI(
            api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=0
        )
        self._json_schema = True

    @property
    def is_local(self) -> bool:
        return self._local

    async def close(self) -> None:
        await self._openai.close()

    def _response_format(self, schema_name: str, schema: dict[str, Any]) -> dict[str, Any]:
        if self._json_schema:
            return {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": False},
            }
        return {"type": "json_object", "schema": schema}

    async def _create(
        self, messages: list[dict[str, str]], schema_name: str, schema: dict[str, Any], usage: Usage
    ) -> str:
        delay = self.backoff
        attempt = 0
        while attempt < self.attempts:
            attempt += 1
            try:
                completion = await self._openai.chat.completions.create(  # type: ignore[call-overload]
                    model=self.model,
                    messages=messages,
                    response_format=self._response_format(schema_name, schema),
                    max_tokens=MAX_OUTPUT_TOKENS,
                    temperature=0.2,
                )
            except openai.APIStatusError as exc:
                if self._json_schema and _schema_rejected(exc):
                    log.info("model server rejects json_schema; using json_object")
                    self._json_schema = False
                    attempt -= 1  # a format negotiation, not a failure
                    continue
                if exc.status_code == 429:
                    telemetry.RATE_LIMITED.labels("llm").inc()
                retryable = exc.status_code == 429 or exc.status_code >= 500
                if not retryable or attempt == self.attempts:
                    raise LlmUnavailable(f"model server answered {exc.status_code}", usage) from exc
                wait = _retry_after(exc.response.headers) or delay
                if wait > MAX_RETRY_WAIT_SECONDS:
                    raise LlmUnavailable("model server asks to wait too long", usage) from exc
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                if attempt == self.attempts:
                    raise LlmUnavailable(f"model server unreachable ({type(exc).__name__})", usage) from exc
                wait = delay
            else:
                usage.add(completion)
                choice = completion.choices[0] if completion.choices else None
                return (choice.message.content or "") if choice else ""
            log.info("model call failed; retrying in %.2fs (attempt %d)", wait, attempt)
            await asyncio.sleep(wait)
            delay = delay * 2 + random.uniform(0, self.backoff)
        raise LlmUnavailable("model server kept failing", usage)

    async def complete_json(
        self,
        *,
        system: str,
        user: str,
        output: type[T],
        check: Callable[[T], str | None] | None = None,
    ) -> LlmAnswer[T]:
        """Ask for JSON matching ``output``; ``check`` returns a problem description or None.

        A malformed or failing answer gets one repair request quoting the problem; then it raises.
        """
        try:
            answer = await self._complete_json(system=system, user=user, output=output, check=check)
        except LlmUnavailable:
            telemetry.LLM_CALLS.labels("unavailable").inc()
            raise
        except LlmInvalidOutput:
            telemetry.LLM_CALLS.labels("invalid").inc()
            raise
        telemetry.LLM_CALLS.labels("ok").inc()
        return answer

    async def _complete_json(
        self,
        *,
        system: str,
        user: str,
        output: type[T],
        check: Callable[[T], str | None] | None,
    ) -> LlmAnswer[T]:
        schema = output.model_json_schema()
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        usage = Usage()
        problem = ""
        for round_ in range(2):
            content = await self._create(messages, output.__name__, schema, usage)
            try:
                value = output.model_validate_json(_strip_fences(content))
            except PydanticError as exc:
                problem = f"the answer did not match the schema: {_first_error(exc)}"
            else:
                problem = (check(value) if check else None) or ""
                if not problem:
                    return LlmAnswer(value, self.model, usage)
            if round_ == 0:
                messages += [
                    {"role": "assistant", "content": content[:4000]},
                    {
                        "role": "user",
                        "content": f"That answer is not acceptable: {problem}. Reply again with only the "
                        f"corrected JSON object matching the schema {json.dumps(schema)}.",
                    },
                ]
        raise LlmInvalidOutput(problem, usage)


def _retry_after(headers: Any) -> float | None:
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            continue
    return None


def _strip_fences(content: str) -> str:
    """Some local models wrap JSON in a Markdown code fence despite the response format."""
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text.strip()


def _first_error(exc: PydanticError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "answer"
    return f"{where}: {first.get('msg', 'invalid')}"[:300]
