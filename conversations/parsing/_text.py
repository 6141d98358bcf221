"""Shared pieces of the parsers: the error they raise and text clean-up."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["ParseError", "clean", "fold_accents", "one_of", "strip_fillers"]


class ParseError(ValueError):
    """Input that could not be understood; ``hint`` is the re-prompt to show the person."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


# NFKC would turn "½" into "1⁄2"; decimals are friendlier to the number parser.
_VULGAR = {"½": ".5", "¼": ".25", "¾": ".75"}
_VULGAR_RE = re.compile(r"(\d)?([½¼¾])")
# Emoji presentation selectors and the keycap mark ("7️⃣"), zero-width characters and the BOM.
_INVISIBLE_RE = re.compile("[\ufe0e\ufe0f\u20e3\u200b-\u200d\u2060\ufeff]")
_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-"})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _ascii_digits(text: str) -> str:
    # Arabic-Indic, Devanagari, full-width ... digits all become 0-9 so one set of regexes fits all.
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def clean(text: str) -> str:
    """Lower-case, NFKC-normalised, ASCII digits, single spaces, no surrounding quotes or final ``.!?``."""
    text = _VULGAR_RE.sub(lambda m: (m[1] or "0") + _VULGAR[m[2]], text)
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    text = _ascii_digits(_INVISIBLE_RE.sub("", text)).lower()
    text = " ".join(text.split())
    return text.strip("\"'`").rstrip(".!?").strip()


def fold_accents(text: str) -> str:
    """``"São Paulo"`` → ``"sao paulo"``: compare place names without diacritics."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_FILLER_RE = re.compile(
    r"^(?:(?:about|around|approx(?:imately)?|roughly|maybe|probably|perhaps|like|nearly|almost|circa|"
    r"ca|i'?d say|i think|i guess|i'?m guessing|just|only|exactly|um+|uh+|hmm+|ok|okay|so|well)\b"
    r"[\s,.:]*|[~≈]\s*)+"
)
_ISH_RE = re.compile(r"\s*-?\s*ish$|\s+or so$")


def strip_fillers(text: str) -> str:
    """Drop hedges around an answer: "about 7ish" → "7"."""
    return _ISH_RE.sub("", _FILLER_RE.sub("", text)).strip()


def one_of(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first: an alternation takes the first word that fits,
    so "hours" must come before "h" and "march" before "mar"."""
    return "|".join(re.escape(word) for word in sorted(words, key=lambda word: (-len(word), word)))
