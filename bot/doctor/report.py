"""What a check reports, and the helpers every check family shares."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

MAX_REASON_CHARS = 200
# A hint shows the last characters of a secret only when enough remain hidden.
HINT_MIN_LENGTH = 16


class Status(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # not configured


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: str
    status: Status
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status.value, "detail": self.detail}


def ok(check: str, detail: str) -> CheckResult:
    return CheckResult(check, Status.OK, detail)


def failed(check: str, detail: str) -> CheckResult:
    return CheckResult(check, Status.FAILED, detail)


def skipped(check: str, detail: str) -> CheckResult:
    return CheckResult(check, Status.SKIPPED, detail)


def reason(exc: BaseException) -> str:
    """One short line about an exception (libraries add URLs and hints on further lines)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text or type(exc).__name__
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


def secret_hint(value: str) -> str:
    """Whether a secret is set, with its last 4 characters when it is long enough to spare them."""
    return f"set (…{value[-4:]})" if len(value) >= HINT_MIN_LENGTH else "set"


def public_url(url: str) -> str:
    """``url`` without credentials, query or fragment, safe to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


async def timed(
    check: str, time_limit: float, probe: Callable[[], Awaitable[CheckResult]], *, target: str
) -> CheckResult:
    """Run one probe; no answer within ``time_limit`` seconds, or an unforeseen error, is a failure."""
    try:
        return await asyncio.wait_for(probe(), time_limit)
    except TimeoutError:
        return failed(check, f"no answer from {target} within {time_limit:g} s: is the address right?")
    except Exception as exc:  # a check reports, it never crashes the doctor
        return failed(check, f"{type(exc).__name__}: {reason(exc)}")
