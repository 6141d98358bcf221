"""Audit events of the workspace: sign-ins, refusals and access to clients one may not see.

A signed-in coach's refusals are recorded one by one under their name; anonymous refusals are counted
per endpoint and minute (like the webhooks' door), so unauthenticated traffic cannot grow the log.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.keys import VIEWER_KEY
from domain.services.audit import record_audit_event, record_rejected_request

log = logging.getLogger(__name__)


async def audit(request: web.Request, *, actor: str, action: str, subject: str, **details: Any) -> None:
    """One audit event in its own transaction (it is kept even when the request then fails)."""
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        await record_audit_event(session, actor=actor, action=action, subject=subject, details=details)


async def audit_refusal(request: web.Request, action: str, *, subject: str = "", reason: str) -> None:
    """A refused request: under the signed-in coach's name, or counted per minute when anonymous."""
    viewer = request.get(VIEWER_KEY)
    try:
        if viewer is not None:
            await audit(
                request,
                actor=viewer.actor,
                action=action,
                subject=subject or f"path:{request.path}"[:200],
                reason=reason,
                path=request.path[:200],
            )
            return
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await record_rejected_request(session, source=action, reason=reason)
    except Exception:  # the answer matters more than the record; the log says it was missed
        log.warning("a refused web request (%s) could not be recorded in the audit log", action)
