"""Babel extraction method for :mod:`conversations.texts`, where the English lives in class constants
rather than in ``_("...")`` calls (``babel.cfg``: ``[conversations.i18n_extract:extract_catalogue: …]``).

Each constant becomes ``pgettext(id, english)`` with id ``Class.NAME`` (``Class.NAME.key`` for a dict
of texts) and each ``Plural(...)`` ``npgettext(id, singular, plural)``, exactly as
:class:`conversations.texts.Catalogue` reads them at run time; the domain's ``Sentence(...)``
constants of a ``Reasons`` class (``domain/reasons/``) become ``pgettext`` the same way (``npgettext``
when they have a ``plural=``). The source is
parsed, not imported.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

# (line, gettext function, messages, translator comments): what Babel expects of an extractor.
Extracted = tuple[int, str, str | tuple[str, ...], list[str]]


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _coach_facing(body: list[ast.stmt]) -> set[str]:
    for stmt in body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "COACH_FACING" for t in targets):
                value = stmt.value
                if isinstance(value, ast.Tuple | ast.List | ast.Set):
                    return {s for s in map(_string, value.elts) if s is not None}
    return set()


def _constants(cls: ast.ClassDef) -> Iterator[tuple[str, ast.expr, int]]:
    skip = _coach_facing(cls.body) | {"COACH_FACING"}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if name.isupper() and name not in skip:
                yield name, stmt.value, stmt.lineno


# The text classes: conversations/texts.py's catalogues and the domain's sentences (domain/reasons/).
_TEXT_BASES = ("Catalogue", "Reasons")


def _is_catalogue(cls: ast.ClassDef) -> bool:
    return any(isinstance(base, ast.Name) and base.id in _TEXT_BASES for base in cls.bases)


def _call_of(value: ast.expr, name: str) -> ast.Call | None:
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == name:
        return value
    return None


def extract_catalogue(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    tree = ast.parse(fileobj.read())
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef) or not _is_catalogue(cls):
            continue
        for name, value, line in _constants(cls):
            key = f"{cls.name}.{name}"
            if (text := _string(value)) is not None:
                yield line, "pgettext", (key, text), []
            elif isinstance(value, ast.Dict):
                for entry, item in zip(value.keys, value.values, strict=True):
                    entry_name, entry_text = _string(entry), _string(item)
                    if entry_name is not None and entry_text is not None:
                        yield item.lineno, "pgettext", (f"{key}.{entry_name}", entry_text), []
            elif (sentence := _call_of(value, "Sentence")) is not None and sentence.args:
                english = _string(sentence.args[0])
                options_of = {k.arg: _string(k.value) for k in sentence.keywords}
                if english is not None and (plural_text := options_of.get("plural")) is not None:
                    counted = options_of.get("count") or "n"
                    yield line, "npgettext", (key, english, plural_text), [f"count: {{{counted}}}"]
                elif english is not None:
                    yield line, "pgettext", (key, english), []
            elif (plural := _call_of(value, "Plural")) is not None:
                forms = [_string(arg) for arg in plural.args[:2]]
                if len(forms) == 2 and forms[0] is not None and forms[1] is not None:
                    count = next((_string(k.value) for k in plural.keywords if k.arg == "count"), "n")
                    yield line, "npgettext", (key, forms[0], forms[1]), [f"count: {{{count}}}"]
