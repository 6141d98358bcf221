"""``/api/v1`` routes: the signed-in coach's clients (an admin's: everyone's), their check-ins, goals and
messages, programs, and for admins the audit log. Someone else's client or program is 404 (audited)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.http.server import DB_KEY
from bot.web.api.auth import audit_not_visible, caller, error
from bot.web.api.views import (
    audit_event_json,
    check_in_json,
    client_json,
    client_summary_json,
    coach_json,
    goal_json,
    message_json,
    program_json,
    program_summary_json,
)
from bot.web.auth.guards import path_int, public
from bot.web.pages.client import REPLY_MAX_CHARS
from conversations.coach_replies import AlreadySent, queue_coach_reply
from conversations.flows.goals import render_offer
from domain.clock import ensure_utc, utcnow
from domain.errors import ValidationError
from domain.insights.approval import approve_goal, dismiss_goal
from domain.insights.goals import GoalProposal
from domain.models import Client, Program
from domain.services.audit import AuditCursor, AuditFilter, audit_page
from domain.services.checkins import check_in_count, check_in_streak, recent_check_ins
from domain.services.client_access import visible_client
from domain.services.clients import clients_after
from domain.services.coaches import get_coach
from domain.services.goals import get_goal, list_goals
from domain.services.messages import THREAD_SHOWN, conversation
from domain.services.program_overview import program_rows, version_rows, visible_program

routes = web.RouteTableDef()

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")
CHECK_INS_DEFAULT, CHECK_INS_MAX = 30, 500
CLIENTS_DEFAULT, CLIENTS_MAX = 500, 1000
AUDIT_DEFAULT, AUDIT_MAX = 100, 500
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 64


def _limit(request: web.Request, default: int, most: int) -> int:
    raw = request.query.get("limit", "")
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= most:
        raise ValidationError(f"limit is a whole number from 1 to {most}", field="limit")
    return int(raw)


def _after_id(request: web.Request) -> int:
    raw = request.query.get("after_id", "0") or "0"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ValidationError("after_id is an id (a whole number)", field="after_id")
    return int(raw)


async def _client(request: web.Request, session: AsyncSession) -> Client:
    who = caller(request)
    client_id = path_int(request, "client_id")
    client = await visible_client(session, client_id, coach_id=who.coach_id, is_admin=who.is_admin)
    if client is None:
        await audit_not_visible(request, f"client:{client_id}")
        raise web.HTTPNotFound(reason="no such client")
    return client


async def _program(request: web.Request, session: AsyncSession) -> Program:
    who = caller(request)
    program_id = path_int(request, "program_id")
    program = await visible_program(session, program_id, coach_id=who.coach_id, is_admin=who.is_admin)
    if program is None:
        await audit_not_visible(request, f"program:{program_id}")
        raise web.HTTPNotFound(reason="no such program")
    return program


@routes.get("/openapi.yaml", name="api_openapi")
@public
async def openapi(request: web.Request) -> web.StreamResponse:
    return web.Response(body=OPENAPI_FILE.read_bytes(), content_type="application/yaml", charset="utf-8")


@routes.get("/me", name="api_me")
async def me(request: web.Request) -> web.StreamResponse:
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        coach = await get_coach(session, caller(request).coach_id)
        return web.json_response(coach_json(coach))


@routes.get("/clients", name="api_clients")
async def clients(request: web.Request) -> web.StreamResponse:
    """A page of clients by id; ``next_after_id`` continues (null on the last page)."""
    who = caller(request)
    limit = _limit(request, CLIENTS_DEFAULT, CLIENTS_MAX)
    after = _after_id(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        rows = await clients_after(
            session, coach_id=None if who.is_admin else who.coach_id, after_id=after, limit=limit + 1
        )
    page = rows[:limit]
    return web.json_response(
        {
            "clients": [client_summary_json(row) for row in page],
            "next_after_id": page[-1].client.id if len(rows) > limit else None,
        }
    )


@routes.get("/clients/{client_id}", name="api_client")
async def client_detail(request: web.Request) -> web.StreamResponse:
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        client = await _client(request, session)
        streak = await check_in_streak(session, client.id, now=utcnow())
        count = await check_in_count(session, client.id)
        return web.json_response(client_json(client, streak=streak, check_ins=count))


@routes.get("/clients/{client_id}/checkins", name="api_checkins")
async def check_ins(request: web.Request) -> web.StreamResponse:
    limit = _limit(request, CHECK_INS_DEFAULT, CHECK_INS_MAX)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        client = await _client(request, session)
        rows = await recent_check_ins(session, client.id, limit=limit)
        return web.json_response({"checkins": [check_in_json(c) for c in rows]})


@routes.get("/clients/{client_id}/goals", name="api_goals")
async def goals(request: web.Request) -> web.StreamResponse:
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        client = await _client(request, session)
        return web.json_response({"goals": [goal_json(g) for g in await list_goals(session, client.id)]})


async def _json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; no body at all is an empty one."""
    if not await request.text():
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ValidationError("the body is not JSON", field="body") from None
    if not isinstance(body, dict):
        raise ValidationError("the body is a JSON object", field="body")
    return body


def _goal_edit(body: dict[str, Any]) -> GoalProposal | None:
    """The coach's edit of a goal idea (``text``, ``target``, ``unit``, ``due_date``, optional ``metric``),
    or None to approve it as suggested. ``approve_goal`` checks that the edit is a SMART goal."""
    if not body:
        return None
    text, unit, metric, due = (body.get(k, "") for k in ("text", "unit", "metric", "due_date"))
    target = body.get("target")
    if not isinstance(text, str) or not isinstance(unit, str) or not isinstance(metric, str):
        raise ValidationError("text, unit and metric are strings", field="text")
    if isinstance(target, bool) or not isinstance(target, int | float):
        raise ValidationError("target is a number above zero", field="target")
    try:
        due_date = date.fromisoformat(due) if isinstance(due, str) else None
    except ValueError:
        due_date = None
    if due_date is None:
        raise ValidationError("due_date is a date (YYYY-MM-DD)", field="due_date")
    return GoalProposal(text, metric.strip() or unit.strip(), float(target), unit, due_date)


@routes.post("/clients/{client_id}/goals/{goal_id}/approve", name="api_goal_approve")
async def approve_goal_idea(request: web.Request) -> web.StreamResponse:
    """Approve a goal idea waiting for the coach (``proposed``), as suggested or with the body's edit; it
    is then offered to the client, as from the client's page or Slack."""
    who = caller(request)
    edit = _goal_edit(await _json_object(request))
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        client = await _client(request, session)
        goal = await get_goal(session, path_int(request, "goal_id"), client_id=client.id)
        owner = client.coach_id if client.coach_id is not None else who.coach_id
        # The JSON stays English; the offer reaches the client in their language.
        goal = await approve_goal(
            session, goal.id, coach_id=owner, edit=edit, actor=who.actor, render_offer=render_offer
        )
        return web.json_response({"goal": goal_json(goal)})


@routes.post("/clients/{client_id}/goals/{goal_id}/dismiss", name="api_goal_dismiss")
async def dismiss_goal_idea(request: web.Request) -> web.StreamResponse:
    """Dismiss a goal idea waiting for the coach: archived, and the client never hears of it."""
    who = caller(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        client = await _client(request, session)
        goal = await get_goal(session, path_int(request, "goal_id"), client_id=client.id)
        owner = client.coach_id if client.coach_id is not None else who.coach_id
        goal = await dismiss_goal(session, goal.id, coach_id=owner, actor=who.actor)
        return web.json_response({"goal": goal_json(goal)})


@routes.get("/clients/{client_id}/messages", name="api_messages")
async def messages(request: web.Request) -> web.StreamResponse:
    """The conversation, oldest first: the last ``limit`` messages, or those after ``after_id``."""
    limit = _limit(request, THREAD_SHOWN, THREAD_SHOWN)
    after = _after_id(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        client = await _client(request, session)
        rows = await conversation(session, client.id, after_id=after, limit=limit)
        return web.json_response({"messages": [message_json(m) for m in rows]})


async def _reply_text(request: web.Request) -> str:
    try:
        body = await request.json()
    except ValueError:
        raise ValidationError('send a JSON object like {"text": "…"}', field="text") from None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("text is the message to send (not empty)", field="text")
    if len(text) > REPLY_MAX_CHARS:
        raise ValidationError(f"text is at most {REPLY_MAX_CHARS} characters", field="text")
    return text.strip()


@routes.post("/clients/{client_id}/messages", name="api_send_message")
async def send_message(request: web.Request) -> web.StreamResponse:
    """A reply from the coach, queued to the client's own channel through the outbox (as the workspace's
    reply box). The same ``Idempotency-Key`` twice sends once."""
    who = caller(request)
    text = await _reply_text(request)
    key = request.headers.get(IDEMPOTENCY_HEADER, "")[:IDEMPOTENCY_KEY_MAX] or secrets.token_urlsafe(16)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        client = await _client(request, session)
        coach = await get_coach(session, who.coach_id)
        try:
            stored = await queue_coach_reply(
                session,
                client_id=client.id,
                coach_id=coach.id,
                coach_name=coach.name,
                text=text,
                dedupe_key=f"api-reply:{coach.id}:{key}",
            )
        except AlreadySent:
            return web.json_response({"message": None, "duplicate": True})
        if stored is None:
            return error(409, "this client cannot be reached on any channel right now; nothing was sent")
        return web.json_response({"message": message_json(stored), "duplicate": False}, status=201)


@routes.get("/programs", name="api_programs")
async def programs(request: web.Request) -> web.StreamResponse:
    who = caller(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        rows = await program_rows(session, coach_id=None if who.is_admin else who.coach_id)
    return web.json_response({"programs": [program_summary_json(row) for row in rows]})


@routes.get("/programs/{program_id}", name="api_program")
async def program_detail(request: web.Request) -> web.StreamResponse:
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        program = await _program(request, session)
        summary = next(
            r for r in await program_rows(session, coach_id=program.coach_id) if r.program.id == program.id
        )
        versions = await version_rows(session, program.id)
        return web.json_response(program_json(program, summary, versions))


def _instant(request: web.Request, name: str) -> datetime | None:
    """An ISO-8601 query value (a date is its midnight UTC; no offset means UTC)."""
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    try:
        return ensure_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        raise ValidationError(f"{name} is an ISO-8601 date or time, e.g. 2026-12-01", field=name) from None


@routes.get("/audit", name="api_audit")
async def audit(request: web.Request) -> web.StreamResponse:
    """Admins only; anyone else gets 404 (audited), as for the Admin page."""
    who = caller(request)
    if not who.is_admin:
        await audit_not_visible(request, "audit")
        return error(404, "not found")
    filters = AuditFilter(
        actor=request.query.get("actor") or None,
        action=request.query.get("action") or None,
        since=_instant(request, "since"),
        until=_instant(request, "until"),
    )
    cursor = request.query.get("cursor")
    after = AuditCursor.decode(cursor) if cursor else None
    limit = _limit(request, AUDIT_DEFAULT, AUDIT_MAX)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        page = await audit_page(session, filters, after=after, limit=limit)
    return web.json_response(
        {
            "events": [audit_event_json(e) for e in page.events],
            "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
        }
    )
