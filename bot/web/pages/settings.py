"""Settings: the coach's profile name, digest time and cadence, timezone, capacity and the language
of their charts, and their API tokens for ``/api/v1``.

Time and timezone are read like in chat and Slack ("8am", "Berlin"); every field is checked before
anything is saved, and each problem is shown under its field.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.auth.guards import form_text, path_int, signed_in
from bot.web.i18n import N_
from bot.web.i18n import gettext as _
from bot.web.render import redirect, render
from conversations.i18n import LANGUAGE_NAMES, format_decimal
from conversations.parsing import ParseError, parse_time_of_day, parse_timezone
from conversations.reasons import explain, sentence_case
from domain.clock import utcnow
from domain.errors import NotFound
from domain.models.enums import Cadence
from domain.reasons import Reason
from domain.rules import CAPACITY_MAX, NAME_MAX_CHARS
from domain.services import api_tokens
from domain.services.coach_settings import (
    CoachSettings,
    InvalidSettings,
    check_settings,
    current_settings,
    update_coach_settings,
)
from domain.services.coaches import get_coach

routes = web.RouteTableDef()

CAPACITY_HINT = N_("A whole number from 1 to %(most)s, or empty for no limit.")


def capacity_hint() -> str:
    return _(CAPACITY_HINT, most=format_decimal(CAPACITY_MAX))


# The domain's checks say what is wrong in English for logs and the CLI; the page says it per field.
FIELD_PROBLEMS = {
    "name": N_("Enter your name, at most %(most)s characters."),
    "digest_time": N_("A time like 08:00, 8am or 20:30."),
    "digest_cadence": N_("Choose daily, weekdays or weekly."),
    "timezone": N_("A city (Berlin), an offset (UTC+2) or a zone name (Europe/Berlin)."),
    "locale": N_("Choose one of the listed languages."),
}


def field_problems(reasons: dict[str, Reason | str]) -> dict[str, str]:
    """The domain's field errors as the page shows them, in the reader's language (a field without
    its own words here gets the domain's sentence)."""
    return {field: _field_problem(field, reason) for field, reason in reasons.items()}


def _field_problem(field: str, reason: Reason | str) -> str:
    if field == "capacity":
        return capacity_hint()
    if field in FIELD_PROBLEMS:
        return _(FIELD_PROBLEMS[field], most=NAME_MAX_CHARS)
    return sentence_case(explain(reason))


def read_capacity(text: str) -> int | None:
    """A capacity as typed: a whole number, or empty for no limit (raises ``ValueError`` with the hint)."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise ValueError(capacity_hint())
    return int(text)


def read_form(form: Any) -> tuple[CoachSettings | None, dict[str, str], dict[str, str]]:
    """The settings as typed (for the form to show again), parsed; and field errors found so far."""
    typed = {
        field: form_text(form, field).strip()
        for field in ("name", "digest_time", "digest_cadence", "timezone", "capacity", "locale")
    }
    errors: dict[str, str] = {}
    digest_time, zone, capacity = typed["digest_time"], typed["timezone"], None
    try:
        digest_time = parse_time_of_day(typed["digest_time"])
    except ParseError as exc:
        errors["digest_time"] = exc.hint
    try:
        zone = parse_timezone(typed["timezone"])
    except ParseError as exc:
        errors["timezone"] = exc.hint
    try:
        capacity = read_capacity(typed["capacity"])
    except ValueError as exc:
        errors["capacity"] = str(exc)
    wanted = CoachSettings(
        typed["name"], digest_time, typed["digest_cadence"], zone, capacity, typed["locale"]
    )
    # The domain's own checks run too, over stand-ins for fields already refused, so every problem
    # shows at once.
    stand_in = CoachSettings(
        wanted.name,
        "00:00" if "digest_time" in errors else wanted.digest_time,
        wanted.digest_cadence,
        "UTC" if "timezone" in errors else wanted.timezone,
        None if "capacity" in errors else wanted.capacity,
        wanted.locale,
    )
    try:
        check_settings(stand_in)
    except InvalidSettings as exc:
        errors = {**field_problems(exc.reasons), **errors}
    return (None if errors else wanted), errors, typed


def _typed(settings: CoachSettings) -> dict[str, str]:
    return {
        "name": settings.name,
        "digest_time": settings.digest_time,
        "digest_cadence": settings.digest_cadence,
        "timezone": settings.timezone,
        "capacity": "" if settings.capacity is None else str(settings.capacity),
        "locale": settings.locale or "en",
    }


async def _page(
    request: web.Request,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    new_token: str = "",
    status: int = 200,
) -> web.Response:
    viewer = signed_in(request)
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        coach = await get_coach(session, viewer.coach_id)
        tokens = await api_tokens.list_api_tokens(session, coach_id=viewer.coach_id)
        values = typed or _typed(current_settings(coach))
    return render(
        request,
        "settings.html",
        status=status,
        title=_("Settings"),
        section="settings",
        values=values,
        errors=errors or {},
        cadences=[c.value for c in Cadence],
        languages=LANGUAGE_NAMES,
        capacity_hint=capacity_hint(),
        saved=request.query.get("saved") == "1",
        tokens=tokens,
        new_token=new_token,
        token_revoked=request.query.get("revoked") == "1",
        label_max=api_tokens.LABEL_MAX_CHARS,
    )


@routes.get("/settings", name="settings")
async def settings_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@routes.post("/settings")
async def save_settings(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    wanted, errors, typed = read_form(await request.post())
    if wanted is not None:
        try:
            async with request.config_dict[DB_KEY].unit_of_work() as session:
                await update_coach_settings(
                    session, viewer.coach_id, wanted, actor=viewer.actor, now=utcnow()
                )
        except InvalidSettings as exc:
            errors = field_problems(exc.reasons)
    if errors:
        return await _page(request, typed=typed, errors=errors, status=422)
    return redirect(str(request.app.router["settings"].url_for().with_query(saved="1")))


@routes.post("/settings/tokens", name="token_create")
async def create_token(request: web.Request) -> web.StreamResponse:
    """A new API token, shown on this answer only (the page is not cached; only its hash is kept)."""
    viewer = signed_in(request)
    label = form_text(await request.post(), "label")[: api_tokens.LABEL_MAX_CHARS]
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        issued = await api_tokens.create_api_token(
            session, coach_id=viewer.coach_id, label=label, actor=viewer.actor
        )
    return await _page(request, new_token=issued.secret)


@routes.post("/settings/tokens/{token_id}/revoke", name="token_revoke")
async def revoke_token(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    token_id = path_int(request, "token_id")
    try:
        async with request.config_dict[DB_KEY].unit_of_work() as session:
            await api_tokens.revoke_api_token(session, token_id, actor=viewer.actor, owner=viewer.coach_id)
    except NotFound:
        raise web.HTTPNotFound() from None
    return redirect(str(request.app.router["settings"].url_for().with_query(revoked="1")))
