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
# What check_ins.note_language holds: "en" for a note VADER reads, another language's code (as
# langdetect names it, e.g. "de", "zh-cn") or UNDETERMINED for one it does not.
ENGLISH = "en"
UNDETERMINED = "und"
LANGUAGE_CODE_MAX = 8
_CODE = re.compile(r"[a-z]{2,3}(-[a-z]{2,4})?")
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


def reads_as_english(text: str, language: str | None) -> bool:
    """Whether VADER reads a note: from the language stored with it, else (a note stored before
    languages were) detected now through the remembered answers."""
    if language is None:
        return is_english(text)
    return language == ENGLISH


def note_language(text: str) -> str:
    """The code to store with a note when it is written: ENGLISH exactly when :func:`is_english`
    would say so, else the detected language (UNDETERMINED when unsure). CPU work (langdetect, about
    10 ms): call it off the event loop."""
    letters = _LETTER.findall(text)
    if not letters:
        return ENGLISH
    if sum(1 for ch in letters if _LATIN.match(ch)) < len(letters) / 2:
        guess = _top_guess(text)
        code = guess[0] if guess is not None else UNDETERMINED
        return UNDETERMINED if code == ENGLISH else code
    if len(text.split()) < MIN_WORDS_TO_DETECT:
        return ENGLISH
    guess = _top_guess(text)
    if guess is None or guess[0] == ENGLISH or guess[1] < NOT_ENGLISH_AT:
        return ENGLISH
    return guess[0]


def _top_guess(text: str) -> tuple[str, float] | None:
    """langdetect's most likely language (a well-formed code only) and its probability."""
    _detector_ready()
    from langdetect import LangDetectException, detect_langs

    try:
        guesses = detect_langs(text)
    except LangDetectException:
        return None
    if not guesses:
        return None
    top = guesses[0]
    code = str(top.lang).lower()
    if len(code) > LANGUAGE_CODE_MAX or not _CODE.fullmatch(code):
        return (UNDETERMINED, float(top.prob))
    return (code, float(top.prob))


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
