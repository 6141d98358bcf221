"""Which notes are English: VADER reads English only, so a note in another language gets no tone
rather than a wrong one. Cheap: another script (Cyrillic, Greek, CJK ...) settles it; Latin-script
notes of a few words go to ``langdetect`` (seeded, so the same note always reads the same)."""

from __future__ import annotations

import re
from functools import lru_cache

# Fewer words than this are too short to tell German from English; they are read as English (VADER
# scores most such notes neutral anyway).
MIN_WORDS_TO_DETECT = 3
# How sure langdetect must be that a Latin-script note is not English before VADER skips it.
NOT_ENGLISH_AT = 0.9
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


@lru_cache(maxsize=1)
def _detector_ready() -> bool:
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
    return True


def is_english(text: str) -> bool:
    letters = _LETTER.findall(text)
    if not letters:
        return True  # emoji, numbers: VADER's emoji lexicon reads them
    if sum(1 for ch in letters if _LATIN.match(ch)) < len(letters) / 2:
        return False
    if len(text.split()) < MIN_WORDS_TO_DETECT:
        return True
    _detector_ready()
    from langdetect import LangDetectException, detect_langs

    try:
        guesses = detect_langs(text)
    except LangDetectException:
        return True
    top = guesses[0]
    return bool(top.lang == "en" or top.prob < NOT_ENGLISH_AT)
