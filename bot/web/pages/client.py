"""One client's page: profile, check-ins with a chart, weekly summary, goals to review, program,
payments, the conversation with a reply box (files too), and the coach's private notes."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import date
from functools import partial
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from bot.charts.progress_chart import alt_text, render_progress_chart
from bot.http.server import DB_KEY
from bot.web.auth.guards import form_text, load_visible_client, path_int, signed_in
from bot.web.i18n import N_
from bot.web.i18n import gettext as _
from bot.web.keys import INSIGHTS_KEY, SETTINGS_KEY
from bot.web.render import redirect, render
from conversations.coach_feedback import FeedbackOutcome, send_coach_feedback
from conversations.coach_replies import AlreadySent, queue_coach_reply
from conversations.flows.goals import render_offer
from conversations.messages import OutgoingFile
from conversations.reasons import explain, sentence_case
from domain.clock import utcnow
from domain.crypto import UnreadableValue
from domain.errors import DomainError, NotFound
from domain.insights.approval import approve_goal, dismiss_goal
from domain.insights.goals import GOAL_TEXT_MAX_CHARS, MAX_GOAL_WEEKS, UNIT_MAX_CHARS, GoalProposal
from domain.insights.series import MIN_CHART_CHECK_INS, client_series
from domain.services.client_page import check_ins_after, client_file, client_page, files_of
from domain.services.coach_feedback import (
    COMMENT_MAX_CHARS,
    REACTIONS,
    check_in_of_coach,
    feedback_on,
    reaction_key,
)
from domain.services.coach_notes import NOTE_MAX_CHARS, add_coach_note
from domain.services.coaches import get_coach
from domain.services.files import inside_storage, read_stored_file
from domain.services.messages import conversation

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

CHART_DAYS = 28
REPLY_MAX_CHARS = 4000
# One file per reply, small enough for the request limit of the HTTP server (2 MiB) and every channel.
REPLY_FILE_MAX_BYTES = 1024 * 1024
# An SVG drawn by matplotlib carries a <style> element; it is served as an image with its own policy.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# What each reaction button says to a screen reader.
REACTION_NAMES = {"clap": N_("clap"), "muscle": N_("muscle"), "heart": N_("heart")}
# The domain's rules say what is wrong in English (logs, CLI); the page says it by field.
NOTE_PROBLEMS = {
    "note": N_("A note can be at most %(most)s characters."),
    "note_empty": N_("Write something in the note first."),
}
FEEDBACK_PROBLEMS = {
    "comment": N_("A comment can be at most %(most)s characters."),
    "comment_empty": N_("Write a comment first."),
    "reaction": N_("Unknown reaction: choose one of the buttons."),
}
GOAL_PROBLEMS = {
    "status": N_("This goal was already handled."),
    "text": N_("The goal needs 1 to %(most)s characters."),
    "metric": N_("The goal needs a unit or a metric."),
    "unit": N_("The unit needs 1 to %(unit_most)s characters."),
    "target": N_("Enter the target as a number above zero, e.g. 3 or 2.5."),
    "due_date": N_("Pick a due date within %(weeks)s weeks."),
}


def problem(exc: DomainError, texts: dict[str, str], typed: str | None = None, **values: object) -> str:
    """A domain error as the page says it, in the reader's language (the English as a last resort);
    ``typed``: the text the field was given, when "nothing written" has its own words."""
    key = exc.field or ""
    if typed is not None and not typed.strip() and f"{key}_empty" in texts:
        key = f"{key}_empty"
    text = texts.get(key)
    if text is None:
        return sentence_case(explain(exc))
    return _(text, **values)


def reaction_names() -> dict[str, str]:
    return {name: _(label) for name, label in REACTION_NAMES.items()}


def client_url(request: web.Request, client_id: int, anchor: str = "") -> str:
    url = str(request.app.router["client"].url_for(client_id=str(client_id)))
    return f"{url}#{anchor}" if anchor else url


async def _page(request: web.Request, *, status: int = 200, **problems: str) -> web.StreamResponse:
    viewer = signed_in(request)
    client_id = path_int(request, "client_id")
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        client = await load_visible_client(request, session, client_id)
        page = await client_page(session, client, now=utcnow())
        series = await client_series(session, client_id, days=CHART_DAYS, now=utcnow())
        feedback = await feedback_on(session, [c.id for c in page.check_ins])
    insights = request.config_dict.get(INSIGHTS_KEY)
    summary = await insights.latest_summary(client_id) if insights is not None else None
    return render(
        request,
        "client.html",
        status=status,
        title=page.client.display_name,
        section="clients",
        page=page,
        summary=summary,
        chart_alt=alt_text(series) if series.chartable else "",
        min_chart=MIN_CHART_CHECK_INS,
        viewer_is_coach=viewer.coach_id == page.client.coach_id,
        reply_error=problems.get("reply", ""),
        note_error=problems.get("note", ""),
        goal_error=problems.get("goal", ""),
        feedback_error=problems.get("feedback", ""),
        feedback=feedback,
        reactions=REACTIONS,
        reaction_names=reaction_names(),
        comment_max=COMMENT_MAX_CHARS,
        reply_max=REPLY_MAX_CHARS,
        reply_file_mb=REPLY_FILE_MAX_BYTES // (1024 * 1024),
        note_max=NOTE_MAX_CHARS,
        last_message_id=page.messages[-1].id if page.messages else 0,
        last_check_in_id=max((c.id for c in page.check_ins), default=0),
    )


@routes.get("/clients/{client_id}", name="client")
async def client_view(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@routes.get("/clients/{client_id}/chart.svg", name="client_chart")
async def client_chart(request: web.Request) -> web.StreamResponse:
    client_id = path_int(request, "client_id")
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        await load_visible_client(request, session, client_id)
        series = await client_series(session, client_id, days=CHART_DAYS, now=utcnow())
        locale = (await get_coach(session, signed_in(request).coach_id)).locale  # the reader's
    if not series.chartable:
        raise web.HTTPNotFound()
    # CPU work off the event loop.
    svg = await asyncio.to_thread(partial(render_progress_chart, series, "svg", locale=locale))
    response = web.Response(body=svg, content_type="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_POLICY
    return response


def _reply_file(form: MultiDictProxy[Any]) -> OutgoingFile | str | None:
    """The attached file, an error sentence, or None when nothing was attached."""
    field = form.get("file")
    if not isinstance(field, web.FileField) or not field.filename:
        return None
    content = field.file.read(REPLY_FILE_MAX_BYTES + 1)
    if not content:
        return _("That file is empty.")
    if len(content) > REPLY_FILE_MAX_BYTES:
        return _("Files can be at most %(size)s MB here.", size=REPLY_FILE_MAX_BYTES // (1024 * 1024))
    name = field.filename.replace("/", "_").replace("\\", "_")[:200]
    return OutgoingFile(name, content, field.content_type or "application/octet-stream")


@routes.post("/clients/{client_id}/reply", name="client_reply")
async def reply(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    client_id = path_int(request, "client_id")
    form = await request.post()
    text = form_text(form, "text").strip()
    attached = _reply_file(form)
    if isinstance(attached, str):
        return await _page(request, status=400, reply=attached)
    if not text and attached is None:
        return await _page(request, status=400, reply=_("Write a message or attach a file first."))
    if len(text) > REPLY_MAX_CHARS:
        return await _page(
            request,
            status=400,
            reply=_("A message can be at most %(most)s characters.", most=REPLY_MAX_CHARS),
        )
    # A double click posts the same form twice; the token of the form makes the second one a no-op.
    form_key = form_text(form, "form_key")[:64] or secrets.token_urlsafe(16)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        await load_visible_client(request, session, client_id)
        try:
            stored = await queue_coach_reply(
                session,
                client_id=client_id,
                coach_id=viewer.coach_id,
                coach_name=viewer.coach_name,
                text=text,
                dedupe_key=f"web-reply:{viewer.session_id}:{form_key}",
                files=(attached,) if attached is not None else (),
            )
        except AlreadySent:
            return redirect(client_url(request, client_id, "conversation"))
    if stored is None:
        return await _page(
            request,
            status=409,
            reply=_("This client cannot be reached on any channel right now; nothing was sent."),
        )
    return redirect(client_url(request, client_id, "conversation"))


@routes.post("/clients/{client_id}/check-ins/{check_in_id}/feedback", name="client_check_in_feedback")
async def check_in_feedback(request: web.Request) -> web.StreamResponse:
    """A reaction (``reaction`` = clap, muscle, heart) or a ``comment`` on one check-in, sent to the
    client quoting it. A reaction is sent once per check-in whatever is pressed again; a comment once
    per form (a double click posts the same form key)."""
    viewer = signed_in(request)
    client_id = path_int(request, "client_id")
    check_in_id = path_int(request, "check_in_id")
    form = await request.post()
    reaction = form_text(form, "reaction")[:20] or None
    comment = None if reaction else form_text(form, "comment")
    form_key = form_text(form, "form_key")[:64] or secrets.token_urlsafe(16)
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await load_visible_client(request, session, client_id)
            target = await check_in_of_coach(
                session, check_in_id, coach_id=viewer.coach_id, is_admin=viewer.is_admin
            )
            if target.client.id != client_id:
                raise web.HTTPNotFound()
            outcome = await send_coach_feedback(
                session,
                target,
                coach_id=viewer.coach_id,
                coach_name=viewer.coach_name,
                source="web",
                request_key=(
                    reaction_key(check_in_id, viewer.coach_id, reaction)
                    if reaction
                    else f"comment:web:{viewer.session_id}:{form_key}"
                ),
                reaction=reaction,
                comment=comment,
            )
    except NotFound:
        raise web.HTTPNotFound() from None
    except DomainError as exc:
        return await _page(
            request, status=400, feedback=problem(exc, FEEDBACK_PROBLEMS, comment, most=COMMENT_MAX_CHARS)
        )
    if outcome == FeedbackOutcome.UNREACHABLE:
        return await _page(
            request,
            status=409,
            feedback=_(
                "This client cannot be reached on any channel right now; the feedback is kept, not sent."
            ),
        )
    return redirect(client_url(request, client_id, f"check-in-{check_in_id}"))


@routes.post("/clients/{client_id}/notes", name="client_notes")
async def add_note(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    client_id = path_int(request, "client_id")
    text = form_text(await request.post(), "note")
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await load_visible_client(request, session, client_id)
            await add_coach_note(session, client_id=client_id, coach_id=viewer.coach_id, text=text)
    except DomainError as exc:
        return await _page(request, status=400, note=problem(exc, NOTE_PROBLEMS, text, most=NOTE_MAX_CHARS))
    return redirect(client_url(request, client_id, "notes"))


def _edited_goal(form: MultiDictProxy[Any]) -> GoalProposal | str:
    try:
        target = float(form_text(form, "target").replace(",", ".").strip())
    except ValueError:
        return _(GOAL_PROBLEMS["target"])
    try:
        due = date.fromisoformat(form_text(form, "due_date").strip())
    except ValueError:
        return _("Pick a due date.")
    unit = form_text(form, "unit").strip()
    return GoalProposal(form_text(form, "text"), form_text(form, "metric").strip() or unit, target, unit, due)


@routes.post("/clients/{client_id}/goals/{goal_id}", name="client_goal")
async def review_goal(request: web.Request) -> web.StreamResponse:
    """Approve (as suggested or edited) or dismiss an AI goal idea, as in Slack."""
    viewer = signed_in(request)
    client_id = path_int(request, "client_id")
    goal_id = path_int(request, "goal_id")
    form = await request.post()
    action = form_text(form, "action")
    edit: GoalProposal | None = None
    if action == "edit":
        checked = _edited_goal(form)
        if isinstance(checked, str):
            return await _page(request, status=400, goal=checked)
        edit = checked
    elif action not in {"approve", "dismiss"}:
        return await _page(request, status=400, goal=_("Choose approve, edit or dismiss."))
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            client = await load_visible_client(request, session, client_id)
            owner = client.coach_id if client.coach_id is not None else viewer.coach_id
            if action == "dismiss":
                await dismiss_goal(session, goal_id, coach_id=owner, actor=viewer.actor)
            else:
                await approve_goal(
                    session, goal_id, coach_id=owner, edit=edit, actor=viewer.actor, render_offer=render_offer
                )
    except DomainError as exc:
        return await _page(
            request,
            status=400,
            goal=problem(
                exc, GOAL_PROBLEMS, most=GOAL_TEXT_MAX_CHARS, unit_most=UNIT_MAX_CHARS, weeks=MAX_GOAL_WEEKS
            ),
        )
    return redirect(client_url(request, client_id, "goals"))


@routes.get("/clients/{client_id}/files/{file_id}", name="client_file")
async def download_file(request: web.Request) -> web.StreamResponse:
    client_id = path_int(request, "client_id")
    file_id = path_int(request, "file_id")
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        await load_visible_client(request, session, client_id)
        stored = await client_file(session, client_id, file_id)
    storage = request.config_dict[SETTINGS_KEY].storage_dir
    path = inside_storage(stored.path, storage) if stored is not None and stored.path else None
    if stored is None or path is None:
        raise web.HTTPNotFound()
    try:
        content = await asyncio.to_thread(read_stored_file, path)
    except (FileNotFoundError, UnreadableValue):
        raise web.HTTPNotFound() from None
    name = (stored.file_name or path.name).replace('"', "")[:200]
    # Always a download, never rendered here: a client's file must not run as a page of ours.
    return web.Response(
        body=content,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name.encode("ascii", "replace").decode()}"'},
    )


@routes.get("/clients/{client_id}/updates", name="client_updates")
async def updates(request: web.Request) -> web.StreamResponse:
    """New messages and check-ins since the ids the open page has shown, as rendered rows (JSON)."""
    client_id = path_int(request, "client_id")
    after_message = _query_int(request, "after_message")
    after_check_in = _query_int(request, "after_check_in")
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        client = await load_visible_client(request, session, client_id)
        messages = await conversation(session, client_id, after_id=after_message)
        files = await files_of(session, messages)
        check_ins = await check_ins_after(session, client_id, after_check_in)
        feedback = await feedback_on(session, [c.id for c in check_ins])
    context = {
        "client": client,
        "files": files,
        "feedback": feedback,
        "reactions": REACTIONS,
        "reaction_names": reaction_names(),
        "comment_max": COMMENT_MAX_CHARS,
        "csrf_token": signed_in(request).csrf_token,
    }
    return web.json_response(
        {
            "messages": [
                {"id": m.id, "html": _fragment(request, "_message.html", message=m, **context)}
                for m in messages
            ],
            "check_ins": [
                {"id": c.id, "html": _fragment(request, "_check_in.html", check_in=c, **context)}
                for c in check_ins
            ],
        },
        headers={"Cache-Control": "no-store"},
    )


def _query_int(request: web.Request, name: str) -> int:
    raw = request.query.get(name, "0")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0


def _fragment(request: web.Request, template: str, **context: object) -> str:
    return aiohttp_jinja2.render_string(template, request, context)
