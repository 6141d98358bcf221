"""The translation catalogues: complete, reviewed, and saying the same thing with the same placeholders.

When one of these fails after you added or changed a text in ``conversations/texts.py``: run
``make translations`` and translate the new or fuzzy entries of every ``messages.po`` (README,
"Languages")."""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import string
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from conversations import i18n, texts
from conversations.i18n import LOCALES_DIR, SUPPORTED_LOCALES, Plural, Text, translate, use_locale
from conversations.i18n_extract import extract_catalogue
from conversations.reasons import explain
from domain import reasons
from domain.reasons.forecast import ChurnReasons

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in SUPPORTED_LOCALES if code != "en"]
Forms = tuple[str, ...]


def _reason_modules() -> list[ModuleType]:
    return [
        importlib.import_module(m.name) for m in pkgutil.iter_modules(reasons.__path__, "domain.reasons.")
    ]


def _source() -> dict[str, Forms]:
    """What the extraction method finds in texts.py and the domain's sentences: id → English form(s)."""
    found: dict[str, Forms] = {}
    files = [ROOT / "conversations" / "texts.py", *(Path(str(m.__file__)) for m in _reason_modules())]
    for path in files:
        for _line, message, _comments, context in extract_from_file(extract_catalogue, str(path)):
            assert context is not None
            found[context] = tuple(message) if isinstance(message, tuple | list) else (message,)
    return found


def _catalogue(language: str) -> Any:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def _fields(text: str) -> set[tuple[str, str | None, str | None]]:
    return {
        (name, conversion, spec)
        for _literal, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    }


def _runtime_texts() -> Iterator[tuple[str, Any]]:
    """Every translatable constant as the running code reads it (in the current locale)."""
    for cls in texts.Catalogue.__subclasses__():
        for name in dir(cls):
            if not name.isupper() or name in cls.COACH_FACING or name == "COACH_FACING":
                continue
            value = getattr(cls, name)
            if isinstance(value, Text | Plural):
                yield f"{cls.__name__}.{name}", value
            elif isinstance(value, dict):
                for key, text in value.items():
                    yield f"{cls.__name__}.{name}.{key}", text
    for module in _reason_modules():
        for cls in vars(module).values():
            if (
                isinstance(cls, type)
                and issubclass(cls, reasons.Reasons)
                and cls.__module__ == module.__name__
            ):
                for value in vars(cls).values():
                    if isinstance(value, reasons.Sentence) and value.plural is not None:
                        yield value.key, _PluralSentence(value)
                    elif isinstance(value, reasons.Sentence):
                        yield value.key, _Sentence(value)


class _Sentence(str):
    """A domain sentence read as the channels say it (explain) in the current locale."""

    def __new__(cls, sentence: reasons.Sentence) -> _Sentence:
        return super().__new__(cls, translate(sentence.key, sentence.english))


class _PluralSentence(Plural):
    """A domain sentence with a number in it, said as the channels say it (explain): checked like the
    catalogue's Plural texts (forms, placeholders, the number shown)."""

    def __init__(self, sentence: reasons.Sentence) -> None:
        assert sentence.plural is not None and sentence.count is not None
        super().__init__(sentence.english, sentence.plural, count=sentence.count, key=sentence.key)
        self.sentence = sentence

    def format(self, **values: Any) -> str:
        names = {name for form in (self.singular, self.plural) for name, *_ in _fields(form)}
        given = _Samples(values)  # the other placeholders get a sample (the test's own dict is unpacked)
        return explain(self.sentence(**{name: given[name] for name in names}))


def test_extraction_sees_every_text_the_code_reads() -> None:
    source = _source()
    runtime = dict(_runtime_texts())
    assert set(runtime) == set(source)
    for key, value in runtime.items():
        english = (value.singular, value.plural) if isinstance(value, Plural) else (str(value),)
        assert english == source[key], key


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_is_complete_reviewed_and_keeps_placeholders(language: str) -> None:
    catalogue = _catalogue(language)
    entries = {m.context: m for m in catalogue if m.id}
    source = _source()
    missing = sorted(set(source) - set(entries))
    assert not missing, f"{language}: not in messages.po (run `make translations`): {missing}"
    problems = []
    for key, english in source.items():
        entry = entries[key]
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if ids != english:
            problems.append(f"{key}: English changed (run `make translations`)")
        elif entry.fuzzy:
            problems.append(f"{key}: fuzzy (review the translation, then drop the flag)")
        elif not all(forms):
            problems.append(f"{key}: untranslated")
        else:
            wanted = set().union(*(_fields(form) for form in english))
            for form in forms:
                if _fields(form) != wanted:
                    problems.append(f"{key}: placeholders {_fields(form)} instead of {wanted}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_forms_follow_the_language(language: str) -> None:
    catalogue = _catalogue(language)
    # CLDR's rules as gettext counts them: de 2 (one, other), es 3 (one, many, other), ru 3 (one, few, many).
    assert catalogue.num_plurals == get_plural(language).num_plurals
    for entry in catalogue:
        if isinstance(entry.id, tuple):
            assert len(entry.string) == catalogue.num_plurals, entry.context


class _Samples(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return 3


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_every_text_renders_in_every_language(language: str) -> None:
    with use_locale(language):
        for key, value in _runtime_texts():
            if isinstance(value, Plural):
                for count in (0, 1, 2, 5, 21, 111):
                    shown = value.format(**_Samples({value.count: count}))
                    assert str(count) in shown, key
            else:
                value.format_map(_Samples(goal="Run 5 km", code="ABC", name="Sam"))


@pytest.mark.parametrize(
    ("count", "russian"),
    [
        (1, "1 день"),
        (2, "2 дня"),
        (4, "4 дня"),
        (5, "5 дней"),
        (11, "11 дней"),
        (21, "21 день"),
        (22, "22 дня"),
    ],
)
def test_russian_counts_take_all_three_forms(count: int, russian: str) -> None:
    with use_locale("ru"):
        assert texts.CheckIn.SAVED.format(streak=count) == f"Отметка сохранена. Серия: {russian} подряд."
    with use_locale("en"):
        days = "day" if count == 1 else "days"
        assert texts.CheckIn.SAVED.format(streak=count) == f"Check-in saved. Streak: {count} {days} in a row."


@pytest.mark.parametrize(("count", "russian"), [(1, "1 день"), (3, "3 дня"), (5, "5 дней"), (21, "21 день")])
def test_a_domain_sentence_with_a_number_takes_the_languages_form(count: int, russian: str) -> None:
    silent = ChurnReasons.SILENT(days=count)
    with use_locale("ru"):
        assert explain(silent) == f"нет отметок уже {russian}"
    with use_locale("de"):
        assert explain(silent) == f"seit {count} {'Tag' if count == 1 else 'Tagen'} kein Check-in"
    assert str(silent) == f"no check-in for {count} {'day' if count == 1 else 'days'}"
    # Waiting in the outbox as JSON keeps its forms.
    with use_locale("ru"):
        assert explain(reasons.Reason.from_json(silent.to_json())) == f"нет отметок уже {russian}"


def test_texts_follow_the_current_locale_and_fall_back_to_english() -> None:
    with use_locale("de"):
        assert texts.Common.MENU == "Was möchtest du tun?"
        with use_locale("es"):
            assert texts.Common.MENU == "¿Qué quieres hacer?"
        assert texts.Common.MENU == "Was möchtest du tun?"
    with use_locale("fr"):  # unsupported: English
        assert texts.Common.MENU == "What would you like to do?"
    # The operator's terminal texts stay English for every client.
    with use_locale("ru"):
        assert texts.Console.CLOSED_STOPPING.startswith("Console closed")


def test_a_fresh_clone_without_compiled_catalogues_still_speaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The .mo files are build products (not committed): without them the .po is compiled in memory."""
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "LOCALES_DIR", copy)
    i18n.translations.cache_clear()
    try:
        with use_locale("ru"):
            assert texts.Common.MENU == "Что хочешь сделать?"
    finally:
        i18n.translations.cache_clear()


@pytest.mark.parametrize("language", TRANSLATED)
def test_pybabel_compile_accepts_every_entry(language: str) -> None:
    """``pybabel compile`` (make run, make test) refuses entries its checkers flag, e.g. a "%" in a
    text it took for a %-format: the same checks, so a clean clone's build never fails on them."""
    problems = [(m.context, [str(e) for e in errors]) for m, errors in _catalogue(language).check()]
    assert not problems
