"""A Markdown file with optional YAML front matter between two ``---`` lines::

    ---
    summary: We now keep check-ins for 2 years instead of 3.
    ---
    # Privacy policy
    ...

Errors name the line, like the program file parser's."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

DELIMITER = "---"
# A published text longer than this is a mistake (a binary file, a whole book): refuse it.
MAX_DOCUMENT_CHARS = 200_000


class DocumentError(ValueError):
    """The file cannot be published; ``line`` is 1-based when the problem has one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Document:
    settings: dict[str, str]
    body: str
    body_first_line: int  # the file's line number where the body starts (for messages)


def read_document(text: str, *, allowed: frozenset[str]) -> Document:
    """The front matter (string values of the ``allowed`` keys only) and the Markdown body."""
    if "\x00" in text:
        raise DocumentError("the file is not text (it contains NUL bytes)")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentError(f"the file is longer than {MAX_DOCUMENT_CHARS} characters")
    lines = text.lstrip("\ufeff").splitlines()
    settings: dict[str, str] = {}
    start = 0
    if lines and lines[0].strip() == DELIMITER:
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == DELIMITER), None)
        if end is None:
            raise DocumentError("the front matter opened here is never closed with '---'", 1)
        settings = _front_matter("\n".join(lines[1:end]), allowed)
        start = end + 1
    body = "\n".join(lines[start:]).strip()
    if not body:
        raise DocumentError("the document has no text after its front matter", start + 1)
    return Document(settings, body + "\n", start + 1)


def _front_matter(block: str, allowed: frozenset[str]) -> dict[str, str]:
    try:
        loaded = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2  # the block starts on the file's line 2
        raise DocumentError(
            f"the front matter is not valid YAML ({getattr(exc, 'problem', exc)})", line
        ) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise DocumentError("the front matter must be 'key: value' lines", 2)
    settings: dict[str, str] = {}
    for key, value in loaded.items():
        if key not in allowed:
            names = ", ".join(sorted(allowed))
            raise DocumentError(
                f"unknown setting {key!r} in the front matter (known: {names})", _line_of(block, key)
            )
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise DocumentError(f"{key} must be a line of text", _line_of(block, key))
        settings[str(key)] = str(value).strip()
    return settings


def _line_of(block: str, key: object) -> int:
    for number, line in enumerate(block.splitlines(), start=2):
        if line.split(":", 1)[0].strip() == str(key):
            return number
    return 2
