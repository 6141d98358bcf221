"""Text as people send it, made safe to store: no NUL, no lone surrogates, no control characters.

PostgreSQL refuses NUL in text and no encoder accepts a lone surrogate, so such a character in a
name or note would fail every write that carries it. Line breaks and tabs are kept.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the UTF-16 surrogate range.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without the characters that cannot be stored or shown; ``\\r\\n`` becomes ``\\n``."""
    return _UNSAFE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def is_clean(text: str) -> bool:
    return _UNSAFE.search(text) is None and "\r" not in text
