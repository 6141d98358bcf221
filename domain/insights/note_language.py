"""Which notes are English: VADER reads English only, so a note in another language gets no tone
rather than a wrong one. Cheap: another script (Cyrillic, Greek, CJK ...) settles it; Latin-script
notes of a few words go to ``langdetect`` (seeded, so the same note always reads the same)."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from functools import lru_cache

# Fewer words than this are too short to tell German from English; they are read as English (VADER
# scores most such notes neutral anyway).
MIN_WORDS_TO_DETECT = 3
# How sure langdetect must be that a Latin-script note is not English before VADER skips it.
NOT_ENGLISH_AT = 0.9
# langdetect takes tens of milliseconds a note, and the same notes are read again by every digest,
# App Home, roster and flag check. Its answer for a text never changes (seeded), so answers are
# remembered — by a digest of the note, never its text, so an erased client's words do not linger.
DETECTED_REMEMBERED = 50_000
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
    return _remembered.english(text)


class _Remembered:
    """A bounded, thread-safe memory of langdetect's answers (insights compute in worker threads)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[bytes, bool] = OrderedDict()
        self._lock = threading.Lock()

    def english(self, text: str) -> bool:
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        with self._lock:
            known = self._answers.get(key)
            if known is not None:
                self._answers.move_to_end(key)
                return known
        answer = _detected_english(text)
        with self._lock:
            self._answers[key] = answer
            if len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer

    def __len__(self) -> int:
        return len(self._answers)

    def digests(self) -> list[bytes]:
        with self._lock:
            return list(self._answers)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


_remembered = _Remembered(DETECTED_REMEMBERED)


def _detected_english(text: str) -> bool:
    _detector_ready()
    from langdetect import LangDetectException, detect_langs

    try:
        guesses = detect_langs(text)
    except LangDetectException:
        return True
    top = guesses[0]
    return bool(top.lang == "en" or top.prob < NOT_ENGLISH_AT)
