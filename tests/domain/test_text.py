"""Text made safe to store."""

from __future__ import annotations

from domain.text import clean_optional, clean_text, is_clean


def test_unsafe_characters_go_and_ordinary_text_stays() -> None:
    assert clean_text("a\x00b\x7fc\x85d\ud800e\udfff") == "abcde"
    assert clean_text("Zoë 😀 — naïve\n\tok") == "Zoë 😀 — naïve\n\tok"
    assert clean_text("a\r\nb\rc") == "a\nb\nc"
    assert clean_optional(None) is None
    assert is_clean("fine\ttext\n") and not is_clean("bad\x00") and not is_clean("cr\r")
