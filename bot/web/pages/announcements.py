"""Announcements: write one to all your clients, a program's or a segment, see its preview, send it;
and the list of what went out with each delivery report (sent, failed, opted out, blocked).

An admin may send for any coach (a Coach field) and sees every coach's announcements. Everything is
checked by :mod:`domain.services.announcements`; each problem shows under its field.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.auth.guards import form_text, path_int, signed_in
from bot.web.i18n import gettext as _
from bot.web.labels import state
from bot.web.render import redirect, render
from conversations.reasons import explain
from domain.clock import utcnow
from domain.errors import DomainError, NotFound, ValidationError
from domain.reasons.announcements import AnnouncementProblems
from domain.services import announcements as ann
from domain.services.coaches import get_coach, list_coaches, list_programs

routes = web.RouteTableDef()


def audience(view: ann.AnnouncementView) -> str:
    """Who it is addressed to, in the reader's language: "all your clients, flagged only"."""
    who = (
        _("clients in %(program)s", program=view.program_name) if view.program_name else _("all your clients")
    )
    return _("%(who)s, %(segment)s only", who=who, segment=state(view.segment)) if view.segment else who


def report_line(report: ann.DeliveryReport | None) -> str:
    """The delivery counts: "3 sent, 0 failed, 1 opted out, 0 blocked"."""
    if report is None:
        return "—"
    parts = [
        _("%(count)s sent", count=report.sent),
        _("%(count)s failed", count=report.failed),
        _("%(count)s opted out", count=report.opted_out),
        _("%(count)s blocked", count=report.blocked),
    ]
    if report.held:
        parts.append(_("%(count)s waiting for their console chat", count=report.held))
    if report.pending:
        parts.append(_("%(count)s on their way", count=report.pending))
    return ", ".join(parts)


FIELDS = ("coach_id", "text", "program_id", "segment", "send_at")


def _send_at(typed: str, timezone: str) -> datetime | None:
    """``2026-12-07 09:00`` in the coach's timezone (or with an offset); empty: now."""
    if not typed:
        return None
    try:
        parsed = datetime.fromisoformat(typed.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(AnnouncementProblems.TIME_FORMAT(), field="send_at") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=ZoneInfo(timezone))


def _int_or_none(typed: str, field: str) -> int | None:
    if not typed:
        return None
    if not typed.isdigit():
        raise ValidationError(AnnouncementProblems.CHOOSE_FROM_LIST(), field=field)
    return int(typed)


async def _page(
    request: web.Request,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        coach = await get_coach(session, viewer.coach_id)
        views = await ann.list_announcements(session, coach_id=None if viewer.is_admin else viewer.coach_id)
        coaches = list(await list_coaches(session)) if viewer.is_admin else [coach]
        programs = await list_programs(session, coach_id=None if viewer.is_admin else viewer.coach_id)
        names = {c.id: c.name for c in coaches}
        program_options = [
            (p.id, f"{p.name} ({names.get(p.coach_id, '?')})" if viewer.is_admin else p.name)
            for p in programs
        ]
    return render(
        request,
        "announcements.html",
        status=status,
        title=_("Announcements"),
        section="announcements",
        views=views,
        audience=audience,
        report_line=report_line,
        coaches=coaches,
        programs=program_options,
        segments=ann.SEGMENTS,
        values=typed or {"coach_id": str(viewer.coach_id), "segment": ann.EVERYONE},
        errors=errors or {},
        timezone=coach.timezone,
        text_max=ann.ANNOUNCEMENT_TEXT_MAX,
    )


@routes.get("/announcements", name="announcements")
async def announcements_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@routes.post("/announcements")
async def write_announcement(request: web.Request) -> web.StreamResponse:
    """A draft, then its preview page; nothing goes out before Send."""
    viewer = signed_in(request)
    form = await request.post()
    typed = {field: form_text(form, field) for field in FIELDS}
    typed = {k: v if k == "text" else v.strip() for k, v in typed.items()}
    try:
        coach_id = _int_or_none(typed["coach_id"], "coach_id") if viewer.is_admin else viewer.coach_id
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            coach = await get_coach(session, coach_id or viewer.coach_id)
            draft = await ann.create_announcement(
                session,
                coach_id=coach.id,
                text=typed["text"],
                now=utcnow(),
                actor=viewer.actor,
                program_id=_int_or_none(typed["program_id"], "program_id"),
                segment=typed["segment"],
                send_at=_send_at(typed["send_at"], coach.timezone),
                draft=True,
            )
            draft_id = draft.id
    except DomainError as exc:
        field = {"program": "program_id", "at": "send_at", None: "text"}.get(exc.field, exc.field or "text")
        return await _page(request, typed=typed, errors={field: explain(exc)}, status=422)
    return redirect(str(request.app.router["announcement"].url_for(announcement_id=str(draft_id))))


async def _view(request: web.Request) -> tuple[ann.AnnouncementView, int]:
    viewer = signed_in(request)
    announcement_id = path_int(request, "announcement_id")
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        try:
            found = await ann.get_announcement(
                session, announcement_id, coach_id=None if viewer.is_admin else viewer.coach_id
            )
        except NotFound:
            raise web.HTTPNotFound() from None
        view = await ann.announcement_view(session, found)
        size = await ann.audience_size(session, coach_id=found.coach_id, program_id=found.program_id)
    return view, size


@routes.get("/announcements/{announcement_id}", name="announcement")
async def announcement_page(request: web.Request) -> web.StreamResponse:
    view, size = await _view(request)
    return _detail(request, view, size)


def _detail(request: web.Request, view: ann.AnnouncementView, size: int, *, error: str = "") -> web.Response:
    return render(
        request,
        "announcement.html",
        status=422 if error else 200,
        title=_("Announcement %(number)s", number=view.id),
        section="announcements",
        view=view,
        audience=audience(view),
        size=size,
        error=error,
        sent=request.query.get("sent") == "1",
    )


@routes.post("/announcements/{announcement_id}/send", name="announcement_send")
async def send_announcement(request: web.Request) -> web.StreamResponse:
    """Schedule the draft (sending twice schedules it once); a time that passed meanwhile is refused."""
    viewer = signed_in(request)
    view, size = await _view(request)  # 404 for another coach's
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await ann.confirm_announcement(
                session,
                view.id,
                coach_id=None if viewer.is_admin else viewer.coach_id,
                now=utcnow(),
                actor=viewer.actor,
            )
    except DomainError as exc:
        return _detail(request, view, size, error=explain(exc))
    url = request.app.router["announcement"].url_for(announcement_id=str(view.id)).with_query(sent="1")
    return redirect(str(url))
