"""Analytics: every metric for the viewer's clients (an admin: the whole business, any coach or
program) over a period, each figure with its definition as a tooltip and a footnote, and the goal
forecasts. All figures come from ``domain.analytics``; this page only reads the query and renders."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from bot.http.server import DB_KEY
from bot.web.auth.audit import audit_refusal
from bot.web.auth.guards import signed_in
from bot.web.i18n import N_
from bot.web.i18n import gettext as _
from bot.web.render import render
from conversations.coach_stats import definition, label, metric_value
from conversations.reasons import explain
from domain.analytics.report import analytics_report
from domain.analytics.scope import Period, Scope
from domain.clock import utcnow
from domain.services.coaches import list_coaches, list_programs

routes = web.RouteTableDef()

DEFAULT_DAYS = 28  # the four weeks up to today, like `coach analytics`
DATE_HINT = N_("A date like 2026-11-01.")


def _day(text: str, errors: dict[str, str], field: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = _(DATE_HINT)
        return None


def _scope_choice(text: str) -> tuple[str, int | None] | None:
    """``business``, ``coach:3`` or ``program:7``; None when malformed."""
    kind, _sep, number = text.partition(":")
    if kind == "business" and not number:
        return kind, None
    if kind in ("coach", "program") and number.isascii() and number.isdigit() and len(number) < 19:
        return kind, int(number)
    return None


@routes.get("/analytics", name="analytics")
async def analytics_page(request: web.Request) -> web.StreamResponse:
    viewer = signed_in(request)
    now = utcnow()
    errors: dict[str, str] = {}
    until = _day(request.query.get("until", ""), errors, "until") or now.date()
    since = _day(request.query.get("since", ""), errors, "since") or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until and "since" not in errors:
        errors["since"] = _("The first day comes after the last.")
        since = until - timedelta(days=DEFAULT_DAYS - 1)
    default = "business" if viewer.is_admin else f"coach:{viewer.coach_id}"
    chosen = request.query.get("scope", default)
    choice = _scope_choice(chosen)
    if choice is None:
        errors["scope"] = _("Choose one of the listed scopes.")
        chosen, choice = default, _scope_choice(default)
    assert choice is not None
    kind, number = choice
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        programs = await list_programs(session, coach_id=None if viewer.is_admin else viewer.coach_id)
        coaches = await list_coaches(session) if viewer.is_admin else []
        allowed = {f"program:{p.id}" for p in programs} | {f"coach:{viewer.coach_id}"}
        if viewer.is_admin:
            allowed |= {"business"} | {f"coach:{c.id}" for c in coaches}
    if chosen not in allowed:
        # Another coach's numbers: the page does not exist for this viewer.
        await audit_refusal(request, "web.analytics_refused", reason=f"scope {chosen}")
        raise web.HTTPNotFound()
    scope = Scope(
        coach_id=number if kind == "coach" else None, program_id=number if kind == "program" else None
    )
    async with request.config_dict[DB_KEY].unit_of_work() as session:
        report = await analytics_report(session, scope, Period.between(since, until, now=now))
    rows = [
        {
            "n": n,
            "name": name,
            # Names, definitions and values as /coach stats words them (conversations.coach_stats).
            "label": label(name),
            "value": metric_value(name, value),
            "definition": definition(name),
        }
        for n, (name, value) in enumerate(report.values.items(), 1)
    ]
    # Why each forecast reads as it does, and the churn risk's reasons, in the reader's language.
    forecasts = [(f, explain(f.reason), [explain(r) for r in f.churn_reasons]) for f in report.forecasts]
    scopes = ([("business", _("Whole business"))] if viewer.is_admin else []) + (
        [(f"coach:{c.id}", _("Coach: %(name)s", name=c.name)) for c in coaches]
        if viewer.is_admin
        else [(f"coach:{viewer.coach_id}", _("All my clients"))]
    )
    scopes += [(f"program:{p.id}", _("Program: %(name)s", name=p.name)) for p in programs]
    return render(
        request,
        "analytics.html",
        status=422 if errors else 200,
        title=_("Analytics"),
        scope_name=_("Whole business") if kind == "business" else report.scope_name,
        section="analytics",
        report=report,
        rows=rows,
        forecasts=forecasts,
        scopes=scopes,
        chosen=chosen,
        since=since.isoformat(),
        until=until.isoformat(),
        # ISO days, as in the date fields above.
        period=_("%(since)s to %(until)s", since=since.isoformat(), until=until.isoformat()),
        errors=errors,
    )
