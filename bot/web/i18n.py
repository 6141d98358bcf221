"""The workspace in the reader's language: the gettext domain ``web`` and the locale of each request.

A signed-in coach reads every page in their own language (``coaches.locale``); before signing in the
browser's ``Accept-Language`` picks among the supported ones (English otherwise). The locale is the
same context variable the conversations use (:func:`conversations.i18n.use_locale`), set for each
request by :func:`language_middleware` and again while a template renders, so Babel's date, number
and money helpers follow it, and concurrent requests (each its own task) never see each other's.

Texts: in templates ``{% trans %}…{% endtrans %}``, ``_("…")`` and ``ngettext`` (Jinja's i18n
extension, "new style": named ``%(name)s`` placeholders, variables HTML-escaped); in Python
:func:`gettext` / :func:`ngettext` below, and :func:`N_` for constants translated when shown. Both
always apply ``%`` formatting, so a literal percent sign is written ``%%``. The English text is the
``msgid``; translations are ``conversations/locales/<lang>/LC_MESSAGES/web.po`` (``make
translations`` extracts them with ``bot/web/babel.cfg``).
"""

from __future__ import annotations

from functools import cache

import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from babel.support import NullTranslations, Translations

from bot.web.keys import VIEWER_KEY
from conversations.i18n import (
    DEFAULT_LOCALE,
    compiled_catalogue,
    current_locale,
    format_amount,
    format_day,
    format_decimal,
    format_moment,
    format_percent,
    format_time_of_day,
    supported_locale,
    use_locale,
)

DOMAIN = "web"
# Accept-Language entries looked at: a header is short in practice, and a hostile one stays cheap.
MAX_ACCEPTED_LANGUAGES = 20


@cache
def catalogue(language: str) -> NullTranslations:
    if language == DEFAULT_LOCALE:
        return NullTranslations()
    compiled = compiled_catalogue(language, DOMAIN)
    return Translations(compiled, domain=DOMAIN) if compiled is not None else NullTranslations()


def gettext(message: str, /, **variables: object) -> str:
    """``message`` in the request's language, its ``%(name)s`` placeholders filled."""
    return str(catalogue(current_locale()).gettext(message)) % variables


def ngettext(singular: str, plural: str, count: int, /, **variables: object) -> str:
    """The form agreeing with ``count`` (CLDR plural rules: Russian has three); ``%(num)s`` is ``count``."""
    return str(catalogue(current_locale()).ngettext(singular, plural, count)) % ({"num": count} | variables)


_ = gettext


def N_(message: str) -> str:
    """Marks a constant for extraction; it is translated where it is shown (``gettext(CONSTANT)``)."""
    return message


def _template_gettext(message: str) -> str:
    return str(catalogue(current_locale()).gettext(message))


def _template_ngettext(singular: str, plural: str, count: int) -> str:
    return str(catalogue(current_locale()).ngettext(singular, plural, count))


def accepted_language(header: str | None) -> str:
    """The supported language an ``Accept-Language`` header prefers most ("de-AT,de;q=0.9,en;q=0.5"
    → "de"), English when it names none of them."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")[:MAX_ACCEPTED_LANGUAGES]):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        language = supported_locale(tag.strip())
        if language is not None and weight > 0:
            choices.append((-weight, position, language))
    return min(choices)[2] if choices else DEFAULT_LOCALE


def request_locale(request: web.Request) -> str:
    """The signed-in coach's language, else the browser's."""
    viewer = request.get(VIEWER_KEY)
    if viewer is not None:
        return supported_locale(viewer.locale) or DEFAULT_LOCALE
    return accepted_language(request.headers.get("Accept-Language"))


@web.middleware
async def language_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The handler (its flash messages, validation errors, the page it renders) speaks the reader's
    language; runs after the session middleware has found who is signed in."""
    with use_locale(request_locale(request)):
        return await handler(request)


def install(env: jinja2.Environment) -> None:
    """Jinja's i18n extension reading the current request's locale, and Babel formatting as filters."""
    from bot.web.audit_labels import action_label
    from bot.web.labels import state
    from conversations.coach_summary import flag_reason

    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are not part of the text
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        _template_gettext, _template_ngettext, newstyle=True
    )
    env.globals["lang"] = current_locale
    env.filters["day"] = format_day
    env.filters["moment"] = format_moment
    env.filters["clock"] = format_time_of_day
    env.filters["decimal"] = format_decimal
    env.filters["percent"] = format_percent
    env.globals["money"] = format_amount  # amounts in minor units with their currency, for the locale
    env.globals["state"] = state
    env.globals["action_label"] = action_label  # an audit action code as the reader's language names it
    env.globals["flag_reason"] = flag_reason  # a risk flag's reason, worded in the reader's language
