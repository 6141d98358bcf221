"""Admin: coaches with their roles and load, reassigning a client, and the audit log with filters and a
CSV export. Admins only; anyone else gets 404 (audited by :func:`requires_admin`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from aiohttp import web

from bot.conversation_setup import delivery_channels
from bot.http.server import DB_KEY
from bot.web.auth.guards import form_text, path_int, requires_admin, signed_in
from bot.web.i18n import gettext as _
from bot.web.keys import SETTINGS_KEY
from bot.web.pages.settings import capacity_hint, read_capacity
from bot.web.render import redirect, render
from conversations.reasons import explain, sentence_case
from domain.clock import utcnow
from domain.errors import DomainError
from domain.models import Client
from domain.models.enums import CoachRole
from domain.services.audit import AuditCursor, AuditFilter, audit_page
from domain.services.audit_export import audit_csv_chunks
from domain.services.capacity import coach_loads, set_capacity
from domain.services.coaches import create_coach, list_coaches, set_coach_role
from domain.services.reassignment import find_clients, reassign_client
from domain.services.sign_in_delivery import queue_sign_in_link

routes = web.RouteTableDef()

LOGIN_LINK_COMMAND = "coach login-link --coach %d"

AUDIT_PAGE_SIZE = 50
FILTER_MAX_CHARS = 100
CLIENT_TEXT_MAX = 200
NEW_COACH_FIELD_MAX = 320  # the email column's width
SENT_VIA = frozenset(
    {"slack", "telegram", "email"}
)  # actor and action columns are at most 200 and 100 characters


def _admin_url(request: web.Request, **query: str) -> str:
    return str(request.app.router["admin"].url_for().with_query(query))


async def _admin_page(
    request: web.Request,
    *,
    error: str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
    matches: list[tuple[Client, str]] | None = None,
    new_coach: dict[str, str] | None = None,
) -> web.Response:
    notice = _("Role changed.") if request.query.get("role") == "1" else ""
    if request.query.get("capacity") == "1":
        notice = _("Capacity changed.")
    added, via = request.query.get("added", ""), request.query.get("via", "")
    moved = request.query.get("moved", "")
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        coaches = await list_coaches(session)
        loads = {load.coach_id: load for load in await coach_loads(session, now=utcnow())}
        if moved.isascii() and moved.isdigit() and len(moved) <= 18:
            client = await session.get(Client, int(moved))
            owner = next((c for c in coaches if client is not None and c.id == client.coach_id), None)
            if client is not None and owner is not None:
                notice = _(
                    "%(client)s now belongs to %(coach)s.", client=client.display_name, coach=owner.name
                )
        if added.isascii() and added.isdigit() and len(added) <= 18:
            new = next((c for c in coaches if c.id == int(added)), None)
            if new is not None:
                notice = (
                    _("%(name)s is a coach here now (#%(number)s).", name=new.name, number=new.id)
                    + " "
                    + (
                        _("A sign-in link went to them by %(channel)s.", channel=via)
                        if via in SENT_VIA
                        else _(
                            "Nothing reaches them yet: %(command)s prints a link to hand them.",
                            command=LOGIN_LINK_COMMAND % new.id,
                        )
                    )
                )
    return render(
        request,
        "admin.html",
        status=status,
        title=_("Admin"),
        section="admin",
        coaches=coaches,
        loads=loads,
        roles=[r.value for r in CoachRole],
        notice=notice,
        error=error,
        typed=typed or {"client": "", "coach": ""},
        matches=matches or [],
        new_coach=new_coach or {"name": "", "email": "", "role": CoachRole.COACH.value},
        capacity_hint=capacity_hint(),
    )


@routes.get("/admin", name="admin")
@requires_admin
async def admin_page(request: web.Request) -> web.StreamResponse:
    return await _admin_page(request)


@routes.post("/admin/coaches", name="coach_add")
@requires_admin
async def add_coach(request: web.Request) -> web.StreamResponse:
    """A new coach (or admin), who gets a sign-in link on the first channel that reaches them."""
    viewer = signed_in(request)
    form = await request.post()
    typed = {
        field: form_text(form, field).strip()[:NEW_COACH_FIELD_MAX] for field in ("name", "email", "role")
    }
    settings = request.config_dict[SETTINGS_KEY]
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            coach = await create_coach(
                session, name=typed["name"], email=typed["email"], role=typed["role"], actor=viewer.actor
            )
            via = await queue_sign_in_link(
                session,
                email=coach.email,
                base_url=settings.web_base_url,
                channels=delivery_channels(settings),
            )
    except DomainError as exc:
        return await _admin_page(request, error=explain(exc), status=422, new_coach=typed)
    return redirect(_admin_url(request, added=str(coach.id), via=via or "none"))


@routes.post("/admin/coaches/{coach_id}/role", name="coach_role")
@requires_admin
async def change_role(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    coach_id = path_int(request, "coach_id")
    role = form_text(await request.post(), "role")
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await set_coach_role(session, coach_id, role, actor=viewer.actor)
    except DomainError as exc:
        return await _admin_page(request, error=explain(exc), status=422)
    return redirect(_admin_url(request, role="1"))


@routes.post("/admin/coaches/{coach_id}/capacity", name="coach_capacity")
@requires_admin
async def change_capacity(request: web.Request) -> web.StreamResponse:
    """The most active clients a coach takes (empty: no limit); clients beyond it stay, new ones go to
    coaches with room. Audited as ``coach.capacity_set`` under the admin's name."""
    viewer = signed_in(request)
    coach_id = path_int(request, "coach_id")
    try:
        capacity = read_capacity(form_text(await request.post(), "capacity"))
    except ValueError as exc:
        return await _admin_page(request, error=str(exc), status=422)
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await set_capacity(session, coach_id, capacity, actor=viewer.actor)
    except DomainError as exc:
        return await _admin_page(request, error=sentence_case(explain(exc)), status=422)
    return redirect(_admin_url(request, capacity="1"))


@routes.post("/admin/reassign", name="reassign")
@requires_admin
async def reassign(request: web.Request) -> web.StreamResponse:
    """Moves a client to another coach. The client is typed as a number, a name or an email; when that
    matches several, they are listed to pick from and nothing moves."""
    viewer = signed_in(request)
    form = await request.post()
    typed = {"client": form_text(form, "client").strip()[:CLIENT_TEXT_MAX], "coach": form_text(form, "coach")}
    if not (typed["coach"].isascii() and typed["coach"].isdigit() and len(typed["coach"]) <= 18):
        return await _admin_page(
            request, error=_("Choose the coach to move the client to."), status=422, typed=typed
        )
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        matches = await find_clients(session, typed["client"])
    if not matches:
        return await _admin_page(
            request, error=_("No client matches that name, email or number."), status=422, typed=typed
        )
    if len(matches) > 1:
        return await _admin_page(
            request, error=_("Several clients match; pick one."), status=422, typed=typed, matches=matches
        )
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            client = await reassign_client(
                session, client_id=matches[0][0].id, to_coach_id=int(typed["coach"]), actor=viewer.actor
            )
    except DomainError as exc:
        return await _admin_page(request, error=explain(exc), status=422, typed=typed)
    return redirect(_admin_url(request, moved=str(client.id)))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def audit_filter(request: web.Request) -> tuple[AuditFilter, dict[str, str], list[str]]:
    """The filter of the audit page's query string (dates are whole UTC days, ``to`` included), the
    values as typed, and what could not be read."""
    typed = {
        name: request.query.get(name, "").strip()[:FILTER_MAX_CHARS]
        for name in ("actor", "action", "from", "to")
    }
    problems = []
    since, until = _day(typed["from"]), _day(typed["to"])
    if typed["from"] and since is None:
        problems.append(_("From is not a date (YYYY-MM-DD)."))
    if typed["to"] and until is None:
        problems.append(_("To is not a date (YYYY-MM-DD)."))
    filters = AuditFilter(
        actor=typed["actor"] or None,
        action=typed["action"] or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
    )
    return filters, typed, problems


@routes.get("/admin/audit", name="audit")
@requires_admin
async def audit_log(request: web.Request) -> web.StreamResponse:
    filters, typed, problems = audit_filter(request)
    after = None
    if request.query.get("after"):
        try:
            after = AuditCursor.decode(request.query["after"][:200])
        except DomainError:
            problems.append(_("That page link is broken; showing the newest events."))
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        page = await audit_page(session, filters, after=after, limit=AUDIT_PAGE_SIZE)
    shown = {k: v for k, v in typed.items() if v}
    older = (
        str(request.app.router["audit"].url_for().with_query({**shown, "after": page.next_cursor.encode()}))
        if page.next_cursor
        else ""
    )
    return render(
        request,
        "audit.html",
        status=422 if problems else 200,
        title=_("Audit log"),
        section="admin",
        events=page.events,
        typed=typed,
        problems=problems,
        older=older,
        newest=str(request.app.router["audit"].url_for().with_query(shown)) if after else "",
        csv_url=str(request.app.router["audit_csv"].url_for().with_query(shown)),
    )


@routes.get("/admin/audit.csv", name="audit_csv")
@requires_admin
async def audit_csv(request: web.Request) -> web.StreamResponse:
    """Every event the filters match, newest first, streamed page by page."""
    filters, _typed, problems = audit_filter(request)
    if problems:
        raise web.HTTPBadRequest(text=" ".join(problems))
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="audit-{utcnow():%Y%m%d-%H%M}.csv"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    async with request.config_dict[DB_KEY].sessions() as session:
        async for chunk in audit_csv_chunks(session, filters):
            await response.write(chunk.encode())
    await response.write_eof()
    return response
