"""Programs: the list, the program file editor (problems shown by line), versions, publish and migrate.

Built on the program services the ``coach programs`` commands use (import as a draft, publish, move
enrolled clients to a version); nothing here parses or stores a program itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from bot.http.server import DB_KEY
from bot.web.auth.audit import audit_refusal
from bot.web.auth.guards import form_text, path_int, signed_in
from bot.web.i18n import N_
from bot.web.i18n import gettext as _
from bot.web.render import redirect, render
from conversations.flows.program import render_update
from conversations.i18n import format_decimal
from conversations.reasons import explain, sentence_case
from domain.errors import DomainError, NotFound
from domain.models import Program, ProgramVersion
from domain.programs import ProgramFormatError, parse_program
from domain.programs.templates import TEMPLATES, template_text
from domain.services import program_versions as versions
from domain.services.program_overview import program_rows, version_files, version_rows, visible_program

routes = web.RouteTableDef()

# The editor refuses a file longer than this before parsing it: the biggest built-in is ~6 KB, and
# parsing 100 KB takes ~50 ms of the event loop, the most a save may hold it.
PROGRAM_TEXT_MAX_CHARS = 100_000
# A stored file's name (program_resources.file_name is 256 characters).
FILE_NAME_MAX_CHARS = 200
# The built-in templates as the picker describes them (the English is TEMPLATES', kept equal by a test).
TEMPLATE_LABELS = {
    "running-start": N_("A 6-week running start: from walking to 30 minutes of easy running"),
    "habit-builder": N_("An 8-week habit builder: one small habit that lasts"),
    "stress-reset": N_("A 4-week stress reset: short daily practices to lower stress and sleep better"),
}
# Lines shown around each problem in the editor's problem list.
CONTEXT_LINES = 1


@dataclass(frozen=True, slots=True)
class ProblemView:
    line: int
    message: str
    excerpt: list[tuple[int, str, bool]]
    """(number, text, is the problem line) around the problem."""


def problem_views(text: str, error: ProgramFormatError) -> list[ProblemView]:
    """Each problem in the coach's language (the page says its line), with the lines around it."""
    lines = text.splitlines()
    views = []
    for problem in error.problems:
        first = max(1, problem.line - CONTEXT_LINES)
        last = min(len(lines), problem.line + CONTEXT_LINES)
        excerpt = [(n, lines[n - 1], n == problem.line) for n in range(first, last + 1)]
        views.append(ProblemView(problem.line, explain(problem.message), excerpt))
    return views


def uploaded_files(form: MultiDictProxy[Any]) -> dict[str, bytes]:
    """Files attached to the editor's form, by the ``files/NAME`` path a step links to them with."""
    found: dict[str, bytes] = {}
    for field in form.getall("files", []):
        if isinstance(field, web.FileField) and field.filename:
            name = field.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:FILE_NAME_MAX_CHARS]
            if name and name not in (".", ".."):
                found[f"files/{name}"] = field.file.read()
    return found


async def _program(request: web.Request, session: AsyncSession) -> Program:
    """The program of the URL when the signed-in coach may see it; 404 (audited) otherwise."""
    viewer = signed_in(request)
    program_id = path_int(request, "program_id")
    program = await visible_program(session, program_id, coach_id=viewer.coach_id, is_admin=viewer.is_admin)
    if program is None:
        await audit_refusal(
            request, "web.access_refused", subject=f"program:{program_id}", reason="not visible"
        )
        raise web.HTTPNotFound()
    return program


def _program_url(request: web.Request, program_id: int, **query: str) -> str:
    url = request.app.router["program"].url_for(program_id=str(program_id))
    return str(url.with_query(query) if query else url)


@routes.get("/programs", name="programs")
async def programs_page(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        rows = await program_rows(session, coach_id=None if viewer.is_admin else viewer.coach_id)
    return render(
        request,
        "programs.html",
        title=_("Programs"),
        section="programs",
        rows=rows,
        templates={
            name: _(TEMPLATE_LABELS[name]) if name in TEMPLATE_LABELS else about
            for name, about in TEMPLATES.items()
        },
    )


@routes.post("/programs", name="program_new")
async def new_program(request: web.Request) -> web.StreamResponse:
    """A new program of the signed-in coach from a built-in template, opened in the editor as a draft;
    when the coach already has a program of that name, that one is opened instead (nothing replaced)."""
    viewer = signed_in(request)
    template = form_text(await request.post(), "template")
    if template not in TEMPLATES:
        raise web.HTTPBadRequest(text="choose one of the templates")
    text = template_text(template)
    name = parse_program(text).name
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        existing = await versions.find_program_by_name(session, coach_id=viewer.coach_id, name=name)
        if existing is not None:
            return redirect(_program_url(request, existing.id, notice="exists"))
        result = await versions.import_program(session, text, coach_id=viewer.coach_id, actor=viewer.actor)
    return redirect(_program_url(request, result.program_id, notice="created"))


NOTICES = {
    "created": N_("A new draft from the template. Edit it, save, then publish when it is ready."),
    "exists": N_("You already have a program of that name; here it is."),
    "saved": N_("Draft saved. Publish it when it is ready."),
    "published": N_("Published. New enrollments follow this version."),
    "migrated": N_("Enrolled clients moved; each was told what changed."),
}


async def _editor(
    request: web.Request,
    session: AsyncSession,
    program: Program,
    *,
    text: str | None = None,
    problems: list[ProblemView] | None = None,
    error: str = "",
    status: int = 200,
) -> web.Response:
    rows = await version_rows(session, program.id)
    latest = rows[-1].version if rows else None
    published = [row for row in rows if row.version.status == versions.PUBLISHED]
    behind = sum(row.enrolled for row in published[:-1])
    if text is None:
        text = await versions.export_program(session, program.id)
    files = await version_files(session, latest.id) if latest is not None else []
    return render(
        request,
        "program.html",
        status=status,
        title=program.name,
        section="programs",
        program=program,
        text=text,
        problems=problems or [],
        error=error,
        notice=_(NOTICES[request.query["notice"]]) if request.query.get("notice") in NOTICES else "",
        versions=rows,
        can_publish=latest is None or latest.status == versions.DRAFT,
        newest_published=published[-1].version.number if published else None,
        behind=behind,
        note_max=versions.PUBLISH_NOTE_MAX_CHARS,
        files=files,
        text_max=PROGRAM_TEXT_MAX_CHARS,
    )


@routes.get("/programs/{program_id}", name="program")
async def program_page(request: web.Request) -> web.StreamResponse:
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        program = await _program(request, session)
        return await _editor(request, session, program)


@routes.post("/programs/{program_id}/draft", name="program_draft")
async def save_program_draft(request: web.Request) -> web.StreamResponse:
    """The edited program file becomes the draft; every problem is shown with its line, nothing saved."""
    viewer = signed_in(request)
    form = await request.post()
    text = form_text(form, "source").replace("\r\n", "\n")
    added = uploaded_files(form)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        program = await _program(request, session)
        if len(text) > PROGRAM_TEXT_MAX_CHARS:
            return await _editor(
                request,
                session,
                program,
                text=text,
                status=422,
                error=_(
                    "A program file may be at most %(most)s characters.",
                    most=format_decimal(PROGRAM_TEXT_MAX_CHARS),
                ),
            )
        try:
            async with session.begin_nested():  # a refusal leaves nothing behind
                await versions.save_draft(session, program.id, text, actor=viewer.actor, added=added)
        except ProgramFormatError as exc:
            return await _editor(
                request, session, program, text=text, problems=problem_views(text, exc), status=422
            )
        except DomainError as exc:
            return await _editor(
                request, session, program, text=text, error=sentence_case(explain(exc)), status=422
            )
    return redirect(_program_url(request, program.id, notice="saved"))


@routes.post("/programs/{program_id}/publish", name="program_publish")
async def publish_program(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    note = form_text(await request.post(), "note")
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        program = await _program(request, session)
        try:
            async with session.begin_nested():  # a refusal leaves nothing behind
                await versions.publish(session, program.id, note=note, actor=viewer.actor)
        except DomainError as exc:
            return await _editor(request, session, program, error=sentence_case(explain(exc)), status=422)
    return redirect(_program_url(request, program.id, notice="published"))


@routes.post("/programs/{program_id}/migrate", name="program_migrate")
async def migrate_program(request: web.Request) -> web.StreamResponse:
    """Moves enrolled clients to a published version (as ``coach programs migrate``)."""
    viewer = signed_in(request)
    raw = form_text(await request.post(), "to_version")
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        program = await _program(request, session)
        if not raw.isdigit():
            return await _editor(
                request, session, program, error=_("Choose a published version."), status=422
            )
        try:
            async with session.begin_nested():  # a refusal leaves nothing behind
                await versions.migrate_enrollments(
                    session, program.id, to_version=int(raw), actor=viewer.actor, render_update=render_update
                )
        except DomainError as exc:
            return await _editor(request, session, program, error=sentence_case(explain(exc)), status=422)
    return redirect(_program_url(request, program.id, notice="migrated"))


async def _version(request: web.Request, session: AsyncSession, program: Program) -> ProgramVersion:
    number = path_int(request, "number")
    try:
        return await versions.get_version(session, program.id, number)
    except NotFound:
        raise web.HTTPNotFound() from None


@routes.get("/programs/{program_id}/versions/{number}", name="program_version")
async def version_page(request: web.Request) -> web.StreamResponse:
    """One version's program file as it was saved, read-only, with line numbers."""
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        program = await _program(request, session)
        version = await _version(request, session, program)
    return render(
        request,
        "program_version.html",
        title=_("%(name)s, version %(number)s", name=program.name, number=version.number),
        section="programs",
        program=program,
        version=version,
        lines=version.source.splitlines(),
    )


@routes.get("/programs/{program_id}/versions/{number}/file", name="program_version_file")
async def version_file(request: web.Request) -> web.StreamResponse:
    """The version's program file byte for byte (as ``coach programs export``), to keep in git."""
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        program = await _program(request, session)
        version = await _version(request, session, program)
    return web.Response(
        text=version.source,
        content_type="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="program-{program.id}-v{version.number}.md"'},
    )
