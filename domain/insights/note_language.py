"""Which notes are English: VADER reads English only, so a note in another language gets no tone
rather than a wrong one. Cheap: another script (Cyrillic, Greek, CJK ...) settles it; Latin-script
notes of a few words go to ``py3langid`` (a naive Bayes model shipped in its wheel: deterministic,
about 0.1 ms a note; see ``python -m bench.note_language`` for how it compares with langdetect)."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from typing import Any

# Fewer words than this are too short to tell German from English; they are read as English (VADER
# scores most such notes neutral anyway).
MIN_WORDS_TO_DETECT = 3
# How sure the detector must be that a Latin-script note is not English before VADER skips it. Its
# probabilities are spread wider than langdetect's (a clear four-word Spanish note scores 0.6-0.9),
# so "more likely than every other language together" is the bar; no English note of the
# benchmark's reaches it for another language.
NOT_ENGLISH_AT = 0.5
# The same notes are read again by every digest, App Home, roster and flag check when their
# language was not stored (notes written before migration 0034). The answer for a text never
# changes, so answers are remembered — by a digest of the note, never its text, so an erased
# client's words do not linger.
DETECTED_REMEMBERED = 50_000
# What check_ins.note_language holds: "en" for a note VADER reads, another language's ISO 639-1
# code (e.g. "de", "zh") or UNDETERMINED for one it does not.
ENGLISH = "en"
UNDETERMINED = "und"
LANGUAGE_CODE_MAX = 8
_CODE = re.compile(r"[a-z]{2,3}(-[a-z]{2,4})?")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")

_loading = threading.Lock()
_loaded: list[Any] = []


def _identifier() -> Any:
    """The model, loaded once (about a second: it is decompressed) by whichever thread needs it first."""
    if not _loaded:
        with _loading:
            if not _loaded:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _loaded.append(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
    return _loaded[0]


def is_english(text: str) -> bool:
    letters = _LETTER.findall(text)
    if not letters:
        return True  # emoji, numbers: VADER's emoji lexicon reads them
    if sum(1 for ch in letters if _LATIN.match(ch)) < len(letters) / 2:
        return False
    if len(text.split()) < MIN_WORDS_TO_DETECT:
        return True
    return _remembered.language(text) == ENGLISH


def reads_as_english(text: str, language: str | None) -> bool:
    """Whether VADER reads a note: from the language stored with it, else (a note stored before
    languages were) detected now through the remembered answers."""
    if language is None:
        return is_english(text)
    return language == ENGLISH


def note_language(text: str) -> str:
    """The code to store with a note when it is written: ENGLISH exactly when :func:`is_english`
    would say so, else the detected language (UNDETERMINED when unsure). CPU work (about 0.1 ms a
    note, a second for the first one while the model loads): call it off the event loop."""
    letters = _LETTER.findall(text)
    if not letters:
        return ENGLISH
    if sum(1 for ch in letters if _LATIN.match(ch)) < len(letters) / 2:
        code, _probability = _top_guess(text)
        return UNDETERMINED if code == ENGLISH else code
    if len(text.split()) < MIN_WORDS_TO_DETECT:
        return ENGLISH
    return _remembered.language(text)


def needs_detector(text: str) -> bool:
    """Whether :func:`note_language` runs the detector for this text (else it answers in
    microseconds, from the script and the number of words alone)."""
    letters = _LETTER.findall(text)
    if not letters:
        return False
    if sum(1 for ch in letters if _LATIN.match(ch)) < len(letters) / 2:
        return True
    return len(text.split()) >= MIN_WORDS_TO_DETECT


def _top_guess(text: str) -> tuple[str, float]:
    """The most likely language (a well-formed code, else UNDETERMINED) and its probability."""
    language, probability = _identifier().classify(text)
    code = str(language).lower()
    if len(code) > LANGUAGE_CODE_MAX or not _CODE.fullmatch(code):
        return (UNDETERMINED, float(probability))
    return (code, float(probability))


def _detected(text: str) -> str:
    """The code of a Latin-script note of enough words: ENGLISH unless another language is likely
    enough (NOT_ENGLISH_AT)."""
    code, probability = _top_guess(text)
    if code == ENGLISH or probability < NOT_ENGLISH_AT:
        return ENGLISH
    return code


class _Remembered:
    """A bounded, thread-safe memory of detected codes (insights compute in worker threads)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()

    def language(self, text: str) -> str:
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        with self._lock:
            known = self._answers.get(key)
            if known is not None:
                self._answers.move_to_end(key)
                return known
        answer = _detected(text)
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
