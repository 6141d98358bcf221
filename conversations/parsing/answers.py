"""Closed answers: yes/no, plan adherence, and chat commands."""

from __future__ import annotations

import re

from conversations.parsing._text import ParseError, clean
from conversations.parsing.native import answer_word
from conversations.texts import Parsing as T
from domain.models.enums import Adherence

__all__ = ["normalize_command", "parse_adherence", "parse_yes_no"]

_YES = frozenset(
    {"y", "yes", "yeah", "yea", "yep", "yup", "ya", "yas", "sure", "ok", "okay", "k", "correct", "right",
     "true", "of course", "definitely", "absolutely", "certainly", "yes please", "please", "accept",
     "agree", "i agree", "confirm", "sounds good", "go ahead", "👍", "✅", "✔", "👌"}
)  # fmt: skip
_NO = frozenset(
    {"n", "no", "nope", "nah", "na", "no thanks", "no thank you", "not really", "false", "never",
     "decline", "i decline", "cancel", "no way", "👎", "❌", "✖", "🙅"}
)  # fmt: skip


def _words(text: str) -> str:
    # Keep letters, digits, % and the answer emoji; drop punctuation such as "yes!!" or "no, sorry".
    return " ".join(re.sub(r"[^\w\s%'👍👎✅❌✔✖👌🙅🤷]", " ", clean(text)).replace("_", " ").split())


def parse_yes_no(text: str) -> bool:
    """``True`` for yes and its synonyms ("y", "yeah", "sure", 👍, "ja", "sí", "да"), ``False`` for no
    ("n", "nope", 👎, "nein", "нет")."""
    words = _words(text)
    native = answer_word(words)
    for candidate in (words, *words.split()[:1], native, *native.split()[:1]):
        if candidate in _YES:
            return True
        if candidate in _NO:
            return False
    raise ParseError(T.YES_NO)


_ADHERENCE: dict[str, Adherence] = {
    **{word: Adherence.YES for word in _YES - {"please", "accept", "agree", "i agree", "confirm"}},
    **{word: Adherence.NO for word in _NO - {"decline", "i decline", "cancel"}},
    **{
        phrase: Adherence.YES
        for phrase in ("fully", "completely", "totally", "all", "all of it", "100%", "100", "done",
                       "i did", "did it", "yes i did", "entirely", "💯", "perfectly", "on track")
    },
    **{
        phrase: Adherence.PARTLY
        for phrase in ("p", "partly", "partially", "part", "mostly", "somewhat", "some", "a bit", "a little",
                       "kind of", "kinda", "sort of", "sorta", "half", "halfway", "half way", "more or less",
                       "sometimes", "not fully", "not completely", "not entirely", "almost", "nearly",
                       "so so", "so-so", "meh", "ish", "in part", "50%", "partly yes", "🤷")
    },
    **{
        phrase: Adherence.NO
        for phrase in ("not at all", "none", "nothing", "no i didn't", "i didn't", "didn't", "did not",
                       "not", "zero", "0", "0%", "off track", "missed it", "skipped it", "fail", "failed")
    },
}  # fmt: skip


def parse_adherence(text: str) -> str:
    """``"yes"``, ``"partly"`` or ``"no"``: "yeah" → yes, "mostly"/"somewhat"/"a bit" → partly, "nope" → no;
    in the client's language too ("teilweise", "en parte", "частично")."""
    words = _words(text)
    if words not in _ADHERENCE and words.split()[:1] and words.split()[0] not in _ADHERENCE:
        words = answer_word(words)
    if words in _ADHERENCE:
        return _ADHERENCE[words].value
    first = words.split()[:1]
    if first and first[0] in _ADHERENCE:
        answer = _ADHERENCE[first[0]]
        # "yes, but only in the morning" is a partial yes.
        if answer is Adherence.YES and re.search(r"\b(?:but|except|apart from)\b", words):
            return Adherence.PARTLY.value
        return answer.value
    raise ParseError(T.ADHERENCE)


# Telegram appends "@BotName" to commands in groups; command names are Latin letters, digits and "_".
_COMMAND_RE = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?", re.DOTALL)


def normalize_command(text: str) -> tuple[str, str] | None:
    """``"/start abc"`` → ``("start", "abc")``; ``"/checkin@MyBot"`` → ``("checkin", "")``; else None."""
    match = _COMMAND_RE.fullmatch(text.strip())
    if match is None:
        return None
    return match[1].lower(), (match[2] or "").strip()
