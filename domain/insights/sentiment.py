"""Note sentiment with VADER (a lexicon shipped inside the library; no network, no model)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from domain.insights.facts import NoteInsight
from domain.insights.note_language import reads_as_english

# VADER's own conventions: compound >= 0.05 reads positive, <= -0.05 negative.
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
HIGHLIGHT_MAX_CHARS = 160
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


# VADER reads an emoji through its English name ("🔥" → "fire", negative). In coaching chat these
# mean effort and pride, so they are read through words that say so.
COACHING_EMOJI = {
    "🔥": "great",
    "💪": "strong",
    "🏆": "win",
    "🙌": "celebrate",
    "🥇": "win",
    "🚀": "great",
    "✅": "done",
    "💯": "perfect",
    "🏃": "active",
    "🏋": "strong",
}


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.emojis.update(COACHING_EMOJI)
    return analyzer


def sentiment(text: str) -> float:
    """VADER compound score of ``text``, from -1 (most negative) to 1 (most positive)."""
    scores: dict[str, float] = _analyzer().polarity_scores(text)
    return float(scores["compound"])


# The tone of notes none of which is in English: VADER cannot read them.
UNKNOWN_TONE = "unknown"


def tone(score: float | None) -> str:
    if score is None:
        return "none"
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def shorten(text: str, limit: int = HIGHLIGHT_MAX_CHARS) -> str:
    """Cut at a word boundary so a number is never split into a different, smaller number."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def read_notes(
    notes: list[str], *, languages: Sequence[str | None] | None = None, highlights: int = 2
) -> NoteInsight:
    """Average sentiment of the English notes and the sentences that say most (strongest feeling, then
    length). Notes in other languages count and may be highlighted (by length), but get no score: when
    no note is English the tone is ``"unknown"``, never a wrong "neutral".

    ``languages`` are the codes stored with the notes (same order; None where a note has none):
    the detector runs only for notes without one."""
    stored = list(languages) if languages is not None else [None] * len(notes)
    kept = [(n, lang) for n, lang in zip(notes, stored, strict=True) if n.strip()]
    notes = [n for n, _ in kept]
    if not notes:
        return NoteInsight(0, None, tone(None), 0, ())
    english = [reads_as_english(n, lang) for n, lang in kept]
    # A one-sentence note is scored as a note and as its sentence: VADER once per distinct text
    # (the largest CPU cost of a roster's flags and digest). Only for this call: no text is kept.
    scored: dict[str, float] = {}

    def score(text: str) -> float:
        if text not in scored:
            scored[text] = sentiment(text)
        return scored[text]

    scores = [score(n) for n, readable in zip(notes, english, strict=True) if readable]
    average = round(sum(scores) / len(scores), 2) if scores else None
    ranked: list[tuple[float, int, str]] = []
    for order, (note, readable) in enumerate(zip(notes, english, strict=True)):
        for sentence in sentences(note):
            if len(sentence.split()) < 3:
                continue
            feeling = abs(score(sentence)) if readable else 0.0
            ranked.append((feeling + min(len(sentence), 120) / 600, -order, sentence))
    ranked.sort(reverse=True)
    chosen: list[str] = []
    for _, _, sentence in ranked:
        short = shorten(sentence)
        if short not in chosen:
            chosen.append(short)
        if len(chosen) == highlights:
            break
    return NoteInsight(
        count=len(notes),
        sentiment=average,
        tone=tone(average) if scores else UNKNOWN_TONE,
        negative_count=sum(1 for s in scores if s <= NEGATIVE_AT),
        highlights=tuple(chosen),
    )
