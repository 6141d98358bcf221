"""Who calls the API: a bearer token or the workspace session; errors as JSON."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.http.server import DB_KEY
from bot.web.auth.cookies import SESSION_COOKIE
from bot.web.auth.guards import is_public
from domain.errors import DomainError, NotFound
from domain.models.enums import CoachRole
from domain.services.api_tokens import coach_for_token
from domain.services.audit import record_audit_event, record_rejected_request
from domain.services.web_auth import coach_actor, resume_session

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class ApiCaller:
    coach_id: int
    role: str
    via: str
    """``token`` or ``session``."""

    @property
    def is_admin(self) -> bool:
        return self.role == CoachRole.ADMIN

    @property
    def actor(self) -> str:
        return coach_actor(self.coach_id)


CALLER_KEY = web.RequestKey("api_caller", ApiCaller)


def caller(request: web.Request) -> ApiCaller:
    return request[CALLER_KEY]


def error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response(
        {"error": {"status": status, "message": message}}, status=status, headers=headers
    )


def unauthorized(message: str) -> web.Response:
    return error(401, message, **{"WWW-Authenticate": 'Bearer realm="coach"'})


async def _refused(request: web.Request, reason: str) -> None:
    """Anonymous refusals are counted per minute (one audit row), like the webhooks' door."""
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await record_rejected_request(session, source="api.v1", reason=reason)
    except Exception:  # the answer matters more than the record
        log.warning("a refused API request could not be recorded in the audit log")


async def audit_not_visible(request: web.Request, subject: str) -> None:
    """A signed-in caller asked for something that is not theirs: one audit event under their name."""
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        await record_audit_event(
            session,
            actor=caller(request).actor,
            action="api.access_refused",
            subject=subject,
            details={"path": request.path[:200]},
        )


async def _authenticate(request: web.Request) -> ApiCaller | web.Response:
    header = request.headers.get("Authorization")
    db = request.config_dict[DB_KEY]
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            await _refused(request, "malformed Authorization header")
            return unauthorized("send Authorization: Bearer <token> (coach tokens create)")
        async with db.unit_of_work() as session:
            coach = await coach_for_token(session, secret.strip())
        if coach is None:
            await _refused(request, "unknown or revoked token")
            return unauthorized("this token is unknown or revoked")
        return ApiCaller(coach.id, coach.role, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        async with db.unit_of_work() as session:
            signed = await resume_session(session, cookie)
        if signed is not None:
            if request.method not in SAFE_METHODS:
                presented = request.headers.get(CSRF_HEADER, "")
                if not hmac.compare_digest(presented.encode(), signed.csrf_token.encode()):
                    await _refused(request, "missing or wrong CSRF token")
                    return error(403, f"a request with the session cookie needs the {CSRF_HEADER} header")
            return ApiCaller(signed.coach_id, signed.role, "session")
    await _refused(request, "not signed in")
    return unauthorized("sign in to the workspace or send Authorization: Bearer <token>")


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authentication, then the handler; every error is a JSON ``{"error": {"status", "message"}}``."""
    try:
        if not is_public(request):
            found = await _authenticate(request)
            if isinstance(found, web.Response):
                return found
            request[CALLER_KEY] = found
        return await handler(request)
    except NotFound as exc:
        return error(404, exc.message)
    except DomainError as exc:
        return error(422, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error(exc.status, exc.reason)
