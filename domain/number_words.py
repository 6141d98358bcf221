"""English number words and the Russian ordinals, shared by the answer parsers (conversations) and the
grounding check (insights), so that what a client may type and what a summary may state read the same
way. Other languages' words are read by libraries (text2num, number-parser); number-parser reads no
Russian ordinals, hence the stems below."""

from __future__ import annotations

import re

UNITS = {
    "zero": 0, "nought": 0, "nil": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip

# Russian ordinals by stem, in every gender and case: "третий", "третьего", "одиннадцатой", "сотый".
_RU_ORDINALS = {
    "перв": 1, "втор": 2, "трет": 3, "четвёрт": 4, "четверт": 4, "пят": 5, "шест": 6, "седьм": 7,
    "восьм": 8, "девят": 9, "десят": 10, "одиннадцат": 11, "двенадцат": 12, "тринадцат": 13,
    "четырнадцат": 14, "пятнадцат": 15, "шестнадцат": 16, "семнадцат": 17, "восемнадцат": 18,
    "девятнадцат": 19, "двадцат": 20, "тридцат": 30, "сороков": 40, "пятидесят": 50, "шестидесят": 60,
    "семидесят": 70, "восьмидесят": 80, "девяност": 90, "сот": 100, "тысячн": 1000,
}  # fmt: skip
_RU_ORDINAL = re.compile(
    r"(" + "|".join(_RU_ORDINALS) + r")"
    r"(?:ий|ья|ье|ьего|ьей|ьему|ьем|ьим|ью|ьи|ьих|ой|ая|ое|ого|ому|ую|ом|ый|ым|ыми|ые|ых)"
)


def russian_ordinal(word: str) -> int | None:
    """ "седьмой" (7), "двадцатая" (20), "первого" (1), "одиннадцатого" (11); a lower-case word."""
    match = _RU_ORDINAL.fullmatch(word)
    return _RU_ORDINALS[match[1]] if match else None
