"""The workspace's catalogue (gettext domain ``web``): every text the templates and pages can show is
translated in every language, reviewed, with the same placeholders as the English.

When one of these fails after you added or changed a text in ``bot/web``: run ``make translations``
and translate the new or fuzzy entries of every ``web.po`` (README, "Languages")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.web import i18n
from bot.web.pages.programs import TEMPLATE_LABELS
from conversations.i18n import LOCALES_DIR, SUPPORTED_LOCALES, use_locale
from domain.programs.templates import TEMPLATES

WEB = Path(__file__).resolve().parents[2] / "bot" / "web"
TRANSLATED = [code for code in SUPPORTED_LOCALES if code != "en"]
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[sd%]")
Id = str | tuple[str, ...]


def _source() -> dict[Id, Id]:
    """What ``make translations`` extracts from bot/web with bot/web/babel.cfg: msgid → English."""
    with (WEB / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[Id, Id] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(WEB, method_map, options_map):
        key = message if isinstance(message, str) else tuple(message)
        found[key if isinstance(key, str) else key[:2]] = key
    return found


def _catalogue(language: str) -> Any:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "web.po").open("rb") as po:
        return read_po(po, locale=language)


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def test_the_workspace_has_texts_to_translate() -> None:
    source = _source()
    assert len(source) > 150
    assert "Sign out" in source and ("%(count)s client", "%(count)s clients") in source


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_is_complete_reviewed_and_keeps_placeholders(language: str) -> None:
    catalogue = _catalogue(language)
    entries = {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalogue if m.id}
    forms = get_plural(language).num_plurals
    missing, fuzzy, untranslated, changed = [], [], [], []
    for key in _source():
        entry = entries.get(key)
        if entry is None:
            missing.append(key)
            continue
        if entry.fuzzy:
            fuzzy.append(key)
        english = [key] if isinstance(key, str) else list(key)
        translated = [entry.string] if isinstance(key, str) else list(entry.string)
        if isinstance(key, tuple) and len(translated) != forms:
            untranslated.append(key)
        if not all(translated):
            untranslated.append(key)
            continue
        for text in translated:
            # Every form keeps the English placeholders (a plural's forms may leave out the count).
            wanted = _placeholders(english[-1])
            if isinstance(key, tuple):
                wanted = [p for p in wanted if p != "%(count)s"]
                have = [p for p in _placeholders(text) if p != "%(count)s"]
            else:
                have = _placeholders(text)
            if have != wanted:
                changed.append((key, text))
    assert not missing, f"not in {language}/web.po (run make translations): {missing}"
    assert not fuzzy, f"fuzzy in {language}/web.po (review, then drop the flag): {fuzzy}"
    assert not untranslated, f"untranslated in {language}/web.po: {untranslated}"
    assert not changed, f"placeholders differ from the English in {language}/web.po: {changed}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_pybabel_compile_accepts_every_entry(language: str) -> None:
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _catalogue(language).check()]
    assert not problems


def test_program_template_labels_are_the_domains_english() -> None:
    assert TEMPLATE_LABELS == TEMPLATES


def test_python_texts_follow_the_locale_and_plural_rules() -> None:
    with use_locale("ru"):
        assert [i18n.ngettext("%(count)s client", "%(count)s clients", n, count=n) for n in (1, 3, 5)] == [
            "1 клиент",
            "3 клиента",
            "5 клиентов",
        ]
        assert i18n.gettext("Sign out") == "Выйти"
    with use_locale("de"):
        assert i18n.gettext("Continue as %(name)s", name="Ana") == "Weiter als Ana"
    assert i18n.gettext("Sign out") == "Sign out"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-AT,de;q=0.9,en;q=0.5", "de"),
        ("fr-FR,fr;q=0.9,es;q=0.8,en;q=0.7", "es"),
        ("en;q=0.3, ru", "ru"),
        ("fr, it", "en"),
        ("", "en"),
        (None, "en"),
        ("de;q=0, es;q=nonsense", "en"),
    ],
)
def test_a_signed_out_visitor_gets_the_browsers_language(header: str | None, language: str) -> None:
    assert i18n.accepted_language(header) == language
