"""The numbers a piece of German, Spanish or Russian prose states, in digits or in words.

The English reader (:mod:`domain.insights.stated_numbers`) for a summary written in a coach's own
language, by the same rule (written down in :mod:`domain.insights.grounding`). Number words are read by
libraries: ``text2num`` for German and Spanish cardinals and ordinals ("fünfundzwanzig",
"veinticinco", "dritte", "tercera"), ``number-parser`` for Russian cardinals in every case
("двадцать пять", "семи", "пяти"). The tables below hold only what no library reads: halves, "twice",
what a count counts, and the words that look like numbers but are prose.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from number_parser import parse_number as _ru_number
from text_to_num import alpha2digit, text2num

from domain.insights.stated_numbers import StatedNumber
from domain.number_words import russian_ordinal

LANGUAGES = frozenset({"de", "es", "ru"})

_MAX_RUN = 8
"""Words in one spelled number at most: "две тысячи двадцать шесть", "mil doscientos treinta y cinco"."""

_HALF_VALUES = frozenset({Decimal("0.5"), Decimal(50)})


@dataclass(frozen=True, slots=True)
class _Language:
    articles: frozenset[str]
    """Read as 1 by the library but also the article "a": a number only where marked as one ("nur ein
    Check-in", "una sola sesión", "eine von 7"), never alone ("eine Woche", "una semana")."""
    only: frozenset[str]
    """Before an article, make it the number 1: "nur ein Tag", "solo una sesión"."""
    single: frozenset[str]
    """After an article, make it the number 1: "ein einziger Tag", "un solo día", "una única vez"."""
    or_to: frozenset[str]
    """Between an article and another number, a range: "ein bis zwei Tage", "una o dos veces"."""
    through: frozenset[str]
    """May stand between ``only`` and the article: "nur an einem Tag", "solo a un check-in"."""
    vague_after: frozenset[str]
    """After an article, never 1: "nur ein paar Tage", "nur ein bisschen", "solo un poco"."""
    ones: frozenset[str]
    """ "one" in every case: a number only where it states a count ("один пропущенный день")."""
    not_numbers: frozenset[str]
    """Vague quantities and prose the library would read as a number ("miles de", "тысячи", "семью")."""
    joiners: frozenset[str]
    """Words inside one spelled number ("treinta y cinco")."""
    counted: re.Pattern[str]
    """What a count counts (a whole word): "Check-ins", "semanas", "дней"."""
    not_a_count_after: frozenset[str]
    """ "ни один" (not a single one): prose."""
    of: frozenset[str]
    """ "one of 7": "von", "de", "из"."""
    point: frozenset[str]
    """ "sieben Komma fünf" (7.5)."""
    halves: frozenset[str]
    """A half on its own, 0.5 or 50 (per cent): "Hälfte", "mitad", "половина"."""
    span_half_after: re.Pattern[str]
    """ "die zweite Hälfte der Woche": a span, not 0.5."""
    and_a_half: tuple[tuple[str, ...], ...]
    """After a number or what it counts, a half more: "y media", "с половиной"."""
    half_before_counted: frozenset[str]
    """A half of what follows: "media hora", "eine halbe Stunde"."""
    one_and_a_half: frozenset[str]
    """ "anderthalb", "полтора"."""
    times: dict[str, int]
    """ "дважды" (2), "трижды" (3)."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DE = _Language(
    articles=_words("ein eine einen einem einer eines"),
    only=_words("nur genau lediglich bloß mindestens höchstens wenigstens maximal"),
    single=_words("einzig einzige einziger einzigen einzigem einziges"),
    or_to=_words("oder bis"),
    through=_words("an in bei mit für um auf nach"),
    vague_after=_words("paar bisschen wenig"),
    ones=frozenset(),
    not_numbers=_words("hunderte tausende millionen"),
    joiners=frozenset(),
    counted=re.compile(
        r"check|checkins?|tag|tage|tagen|tages|nacht|nächte|nächten|woche|wochen|wochenenden?|monat|"
        r"monate|monaten|monats|jahr|jahre|jahren|mal|male|malen|stunde|stunden|std|minute|minuten|"
        r"min|punkt|punkte|punkten|einheit|einheiten|trainings?|workouts?|spaziergang|spaziergänge|"
        r"spaziergängen|lauf|läufe|läufen|mahlzeit|mahlzeiten|frühstück|abendessen|ziel|ziele|zielen|"
        r"notiz|notizen|eintrag|einträge|einträgen|erinnerung|erinnerungen|nachricht|nachrichten|"
        r"antwort|antworten|kilo|kg|pfund|km|kilometer|kilometern|meile|meilen|glas|gläser|gläsern|"
        r"liter|litern|prozent|schritt|schritte|schritten|sitzung|sitzungen|termin|termine|terminen"
    ),
    not_a_count_after=_words("kein keine nicht"),
    of=_words("von aus"),
    point=_words("komma punkt"),
    halves=_words("halb halbe halben halber halbes hälfte halbiert halbierte halbierten halbierter"),
    span_half_after=re.compile(r"(?:erst|zweit|ander|letzt|vorder|hinter|besser)\w*"),
    and_a_half=(("einhalb",), ("und", "einhalb")),
    half_before_counted=_words("halbe halben halber halbes"),
    one_and_a_half=_words("anderthalb eineinhalb"),
    times={},
)
_ES = _Language(
    articles=_words("un una uno unos unas"),
    only=_words("solo sólo solamente únicamente exactamente apenas menos"),  # "al menos un día"
    single=_words("solo sola único única"),
    or_to=_words("o u"),
    through=_words("a en con por para"),
    vague_after=_words("poco par"),
    ones=frozenset(),
    not_numbers=_words("cientos miles millones"),
    joiners=_words("y"),
    counted=re.compile(
        r"check|checkins?|d[ií]as?|noches?|semanas?|fines|fin|mes|meses|años?|vez|veces|horas?|"
        r"minutos?|min|puntos?|sesi[oó]n|sesiones|entrenamientos?|paseos?|caminatas?|carreras?|"
        r"comidas?|desayunos?|almuerzos?|cenas?|objetivos?|metas?|notas?|recordatorios?|mensajes?|"
        r"respuestas?|registros?|kilos?|kg|libras?|km|kil[oó]metros?|millas?|vasos?|litros?|pasos?"
    ),
    not_a_count_after=_words("ningún ninguna ni"),
    of=_words("de"),
    point=_words("coma punto"),
    halves=_words("mitad"),
    span_half_after=re.compile(r"primera|segunda|otra|última|ultima|mejor"),
    and_a_half=(("y", "media"), ("y", "medio")),
    half_before_counted=_words("media medio"),
    one_and_a_half=frozenset(),
    times={},
)
_RU = _Language(
    articles=frozenset(),
    only=frozenset(),
    single=frozenset(),
    or_to=frozenset(),
    through=frozenset(),
    vague_after=frozenset(),
    ones=_words("один одна одно одну одного одной одним одном одному одною"),
    # "одни" (alone), "семью" (the family), "тысячи шагов" (thousands of steps), "сорока" (a magpie).
    not_numbers=_words("одни одних одними одним семью тысячи тысяч сорока"),
    joiners=frozenset(),
    counted=re.compile(
        r"чек|чекин\w*|день|дня|дней|дню|дням|днями|днях|ноч\w*|недел\w*|выходн\w*|месяц\w*|год|"
        r"года|году|годом|лет|раз|раза|час|часа|часов|часу|минут\w*|мин|балл\w*|очк\w*|пункт\w*|"
        r"сесси\w*|заняти\w*|тренировк\w*|прогулк\w*|пробежк\w*|завтрак\w*|обед\w*|ужин\w*|цель|цели|"
        r"целей|целям|заметк\w*|записей|запис[ьи]|напоминани\w*|сообщени\w*|ответ\w*|кг|кило\w*|км|"
        r"километр\w*|стакан\w*|литр\w*|процент\w*|шаг\w*"
    ),
    not_a_count_after=_words("ни"),
    of=_words("из"),
    point=frozenset(),
    halves=_words("половина половину половины половине половиной наполовину"),
    span_half_after=re.compile(r"(?:перв|втор|друг|последн|лучш)\w*"),
    and_a_half=(("с", "половиной"),),
    half_before_counted=frozenset(),
    one_and_a_half=_words("полтора полторы полутора"),
    times={"дважды": 2, "трижды": 3},
)
_LANGUAGE = {"de": _DE, "es": _ES, "ru": _RU}

# "noch einmal" (once again), "auf einmal" (at once), "nicht einmal" (not even), "erst einmal" (first).
_DE_EINMAL_PROSE_AFTER = _words("noch auf nicht erst zunächst schon gleich")
_DE_TIMES = re.compile(r"(\w+)mal")
_DE_AND_A_HALF = re.compile(r"(\w+)einhalb")
_RU_HALF_OF = re.compile(r"пол(?:часа|дня|недели|месяца|года|кило|литра)")

_DIGITS = r"\d+(?:[.,]\d+)*"
# Russian groups thousands with a (no-break) space: "10 000".
_RU_DIGITS = r"\d{1,3}(?:[ \u00a0\u202f]\d{3}(?!\d))+|" + _DIGITS
_WORD = r"[^\W\d_]+"
_ANY_DIGIT = re.compile(r"\d")
_DAY_MONTH = re.compile(r"(\d{1,2})\.(\d{1,2})")
_WORD_RE = re.compile(_WORD)
_TOKEN = {
    "de": re.compile(f"{_DIGITS}|{_WORD}"),
    "es": re.compile(f"{_DIGITS}|{_WORD}"),
    "ru": re.compile(f"{_RU_DIGITS}|{_WORD}"),
}
_SPACE, _HYPHEN, _BREAK = " ", "-", "|"


@dataclass(frozen=True, slots=True)
class _Token:
    word: str
    start: int
    end: int
    link: str
    digits: tuple[frozenset[Decimal], ...] | None = None
    """For digits: the value(s) of each number they write ("7,500" is 7.5 or 7500)."""


def _tokens(text: str, language: str) -> list[_Token]:
    out: list[_Token] = []
    previous_end: int | None = None
    for match in _TOKEN[language].finditer(text):
        gap = text[previous_end : match.start()] if previous_end is not None else ""
        if gap and not gap.strip() and "\n\n" not in gap:
            link = _SPACE
        elif gap.strip() in {"-", "‐", "‑"}:
            link = _HYPHEN
        else:
            link = _BREAK
        word = match.group()
        values = _digit_values(word) if word[:1].isdigit() else None
        out.append(_Token(word.lower(), match.start(), match.end(), link, values))
        previous_end = match.end()
    return out


def _grouped(whole: str, decimal: str, group: str) -> Decimal | None:
    """``whole`` read with ``decimal`` as the decimal mark and ``group`` between thousands, if it can."""
    integer, _, fraction = whole.partition(decimal)
    if decimal in fraction or group in fraction:
        return None
    head, *groups = integer.split(group)
    if any(len(g) != 3 for g in groups) or not head:
        return None
    return Decimal("".join([head, *groups]) + (f".{fraction}" if fraction else ""))


def _digit_values(text: str) -> tuple[frozenset[Decimal], ...]:
    """ "7,5" and "7.5" are 7.5; "1.000" is 1000 (or 1.000); "7,500" 7.5 (or 7500); "10 000" 10000.

    Models write the decimal mark either way: every reading that fits is kept, so a correct number
    is never rejected. What fits no reading ("1,2,3") is its parts.
    """
    plain = re.sub(r"[ \u00a0\u202f]", "", text)
    readings = {v for v in (_grouped(plain, ",", "."), _grouped(plain, ".", ",")) if v is not None}
    if readings:
        return (frozenset(abs(v).normalize() for v in readings),)
    return tuple(frozenset({Decimal(part).normalize()}) for part in re.split(r"[.,]", plain))


@functools.lru_cache(maxsize=16384)
def _cardinal(words: str, language: str) -> Decimal | None:
    """A whole spelled cardinal ("fünfundzwanzig", "treinta y cinco", "двадцати пяти"), else None."""
    if language == "ru":
        value = _ru_number(words, language="ru")
        return Decimal(value) if isinstance(value, int) else None
    try:
        return Decimal(text2num(words, language))
    except ValueError:
        return None


@functools.lru_cache(maxsize=16384)
def _ordinal(word: str, language: str) -> int | None:
    """ "dritte" (3), "tercera" (3), "седьмой" (7); "erste", "primera" and "первый" are positions."""
    if language == "ru":
        # "первый" (1) only ends a compound ("двадцать первый день", 21): alone it is a position.
        value = russian_ordinal(word)
        return value if value and value > 1 else None
    if _cardinal(word, language) is not None:
        return None
    match = re.fullmatch(r"(\d+)[.ºª°]?", alpha2digit(word, language, threshold=0))
    value = int(match[1]) if match else None
    return value if value and value > 1 else None


@functools.lru_cache(maxsize=16384)
def _may_state(word: str, language: str) -> bool:
    """Whether ``word`` may begin a stated number (most words of a note do not: skipped at once)."""
    rules = _LANGUAGE[language]
    return (
        _cardinal(word, language) is not None
        or _ordinal(word, language) is not None
        or word in rules.times
        or word in rules.one_and_a_half
        or word in rules.halves
        or word in rules.half_before_counted
        or word in rules.articles
        or rules.counted.fullmatch(word) is not None  # "hora y media"
        or (language == "de" and (_DE_TIMES.fullmatch(word) or _DE_AND_A_HALF.fullmatch(word)) is not None)
        or (language == "es" and word == "una")
        or (language == "ru" and _RU_HALF_OF.fullmatch(word) is not None)
    )


class _Reader:
    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.language = language
        self.rules = _LANGUAGE[language]
        self.tokens = _tokens(text, language)

    def word(self, i: int) -> str:
        return self.tokens[i].word if 0 <= i < len(self.tokens) else ""

    def linked(self, i: int) -> bool:
        return 0 < i < len(self.tokens) and self.tokens[i].link in (_SPACE, _HYPHEN)

    def follows(self, i: int, words: tuple[str, ...]) -> bool:
        return all(self.linked(i + k) and self.word(i + k) == w for k, w in enumerate(words))

    def span(self, first: int, end: int) -> str:
        return self.text[self.tokens[first].start : self.tokens[end - 1].end]

    def stated(self, first: int, end: int, values: frozenset[Decimal] | Decimal) -> StatedNumber:
        found = values if isinstance(values, frozenset) else frozenset({values})
        return StatedNumber(self.span(first, end), frozenset(abs(v).normalize() for v in found))

    def number_word(self, i: int) -> bool:
        word = self.word(i)
        return bool(word) and not word[:1].isdigit() and _cardinal(word, self.language) is not None

    # ---- what a count counts ----------------------------------------------------------------

    def counted_noun(self, k: int) -> bool:
        return self.linked(k) and self.rules.counted.fullmatch(self.word(k)) is not None

    def counts_something(self, k: int) -> bool:
        """Token ``k`` (or the one after a single modifier) is counted, or it is "of 7"."""
        if self.is_of_a_number(k):
            return True
        if self.counted_noun(k):
            return True
        # One word may stand between ("один пропущенный день"), not "of" or a half ("одна из целей").
        modifier = self.word(k)
        if modifier in self.rules.of or modifier in self.rules.halves or self.is_a_number(k):
            return False
        return self.linked(k) and self.counted_noun(k + 1)

    def is_of_a_number(self, k: int) -> bool:
        return (
            self.linked(k)
            and self.word(k) in self.rules.of
            and self.linked(k + 1)
            and (self.tokens[k + 1].digits is not None or self.number_word(k + 1))
        )

    def is_a_number(self, k: int) -> bool:
        if not 0 <= k < len(self.tokens):
            return False
        return self.tokens[k].digits is not None or self.number_word(k)

    # ---- the phrases ------------------------------------------------------------------------

    def cardinal(self, i: int) -> tuple[Decimal, int] | None:
        """The longest run of words from ``i`` that spells one number: (value, index after it)."""
        if not self.number_word(i):
            return None
        run = i + 1
        while (
            run - i < _MAX_RUN
            and self.linked(run)
            and (self.number_word(run) or self.word(run) in self.rules.joiners)
        ):
            run += 1
        for end in range(run, i, -1):
            value = _cardinal(" ".join(self.word(k) for k in range(i, end)), self.language)
            if value is not None:
                return value, end
        return None

    def fraction_after(self, value: Decimal, end: int) -> tuple[Decimal, int]:
        """ "… y media" (7.5), "… Komma fünf" (7.5), or nothing more."""
        for words in self.rules.and_a_half:
            if self.follows(end, words):
                return value + Decimal("0.5"), end + len(words)
        if value == int(value) and self.linked(end) and self.word(end) in self.rules.point:
            if self.linked(end + 1) and self.word(end + 1).isdigit():  # "7 Komma 5"
                return value + Decimal("0." + self.word(end + 1)), end + 2
            digits, k = "", end + 1
            while self.linked(k) and (digit := _cardinal(self.word(k), self.language)) is not None:
                if not 0 <= digit <= 9:
                    break
                digits, k = digits + str(digit), k + 1
            if digits:
                return value + Decimal("0." + digits), k
        return value, end

    # ---- the scan ---------------------------------------------------------------------------

    def read(self) -> list[StatedNumber]:
        found: list[tuple[StatedNumber, int, int]] = []
        i = 0
        while i < len(self.tokens):
            stated, end = self.read_at(i, found)
            found.extend(stated)
            i = max(end, i + 1)
        return [s for s, _, _ in found]

    def read_at(
        self, i: int, found: list[tuple[StatedNumber, int, int]]
    ) -> tuple[list[tuple[StatedNumber, int, int]], int]:
        token, rules = self.tokens[i], self.rules
        if token.digits is not None:
            if len(token.digits) > 1:  # "1,2,3": each part on its own
                return [(StatedNumber(token.word, v), i, i + 1) for v in token.digits], i + 1
            values, end = token.digits[0], i + 1
            if len(values) == 1:
                value, end = self.fraction_after(next(iter(values)), end)
                values = frozenset({value})
            stated = self.stated(i, end, values)
            if end == i + 1 and (day_month := _DAY_MONTH.fullmatch(token.word)):
                # "am 16.11." in German or Russian: the 16th of November, or 16.11.
                day, month = int(day_month[1]), int(day_month[2])
                if 1 <= day <= 31 and 1 <= month <= 12:
                    stated = replace(stated, parts=(frozenset({Decimal(day)}), frozenset({Decimal(month)})))
            return [(stated, i, end)], end
        if not _may_state(token.word, self.language):
            return [], i + 1
        special = self.special(i, found)
        if special is not None:
            return special
        word = token.word
        if word in rules.articles and not self.number_word(i):  # "eine", "einen": text2num reads "ein"
            one = self.article_is_a_number(i, i + 1)
            return ([(self.stated(i, i + 1, Decimal(1)), i, i + 1)] if one else []), i + 1
        reading = self.cardinal(i)
        if reading is None:
            ordinal = _ordinal(word, self.language)
            if ordinal is not None and self.counts_something(i + 1):
                return [(self.stated(i, i + 1, Decimal(ordinal)), i, i + 1)], i + 1
            return [], i + 1
        value, end = reading
        if self.language == "ru" and (compound := self.russian_compound_ordinal(value, end)) is not None:
            # "двадцать первый день" (21); "двадцать первое" alone is a date or a position.
            after, counts = end + 1, self.counts_something(end + 1)
            return ([(self.stated(i, after, compound), i, after)] if counts else []), after
        if end == i + 1:
            if word in rules.articles and self.article_is_a_number(i, end):
                return [(self.stated(i, end, value), i, end)], end
            if word in rules.articles or word in rules.not_numbers:
                return [], end
            if self.language == "de" and word == "eins" and self.follows(end, ("zu", "eins")):
                return [], end + 2  # "eins zu eins": one-on-one
            if word in rules.ones and not self.one_is_a_count(i, end):
                return [], end
        value, end = self.fraction_after(value, end)
        return [(self.stated(i, end, value), i, end)], end

    def russian_compound_ordinal(self, value: Decimal, end: int) -> Decimal | None:
        """ "двадцать" + "первый" (21), "сто" + "десятый" (110): the ordinal ends the number."""
        if not self.linked(end) or (ordinal := russian_ordinal(self.word(end))) is None:
            return None
        place = 100 if value % 100 == 0 else 10 if value % 10 == 0 else 1
        return value + ordinal if value >= {100: 100, 10: 20}.get(place, 0) > ordinal else None

    def article_is_a_number(self, i: int, end: int) -> bool:
        """ "ein"/"un"/"uno" marked as the number 1, not the article "a" (see grounding's rules)."""
        rules, after = self.rules, self.word(end) if self.linked(end) else ""
        if after in rules.half_before_counted or after in rules.vague_after:  # "nur eine halbe Stunde"
            return False
        k = i - 1 if self.linked(i) else -1
        if self.word(k) in rules.through and self.linked(k):  # "nur an einem Tag"
            k -= 1
        negated = self.linked(k) and self.word(k - 1) in ("nicht", "no")  # "nicht nur eine": not only a
        if k >= 0 and self.word(k) in rules.only and not negated:
            return True
        if after in rules.single or self.is_of_a_number(end):
            return True
        if after in rules.or_to and self.linked(end + 1) and self.is_a_number(end + 1):
            return self.word(end + 1) != self.word(i)
        return self.language == "es" and self.word(i) == "uno" and self.spanish_uno(i, end)

    def spanish_uno(self, i: int, end: int) -> bool:
        """ "bajó de tres a uno", "de uno a cuatro", "en uno"; not "cada uno", "uno a uno", "de uno en
        uno", "uno mismo", "uno de sus objetivos"."""
        before = self.word(i - 1) if self.linked(i) else ""
        after = self.word(end) if self.linked(end) else ""
        if before not in ("a", "de", "en", "hasta", "entre") or after in ("de", "mismo", "misma", "solo"):
            return False
        two_before = self.word(i - 2) if self.linked(i - 1) else ""
        two_after = self.word(end + 1) if after and self.linked(end + 1) else ""
        return "uno" not in (two_before, two_after)

    def one_is_a_count(self, i: int, end: int) -> bool:
        if self.linked(i) and self.word(i - 1) in self.rules.not_a_count_after:
            return False
        return self.counts_something(end)

    def special(
        self, i: int, found: list[tuple[StatedNumber, int, int]]
    ) -> tuple[list[tuple[StatedNumber, int, int]], int] | None:
        """Halves and "twice": the words no library reads."""
        word, rules = self.word(i), self.rules
        if word in rules.times:
            return [(self.stated(i, i + 1, Decimal(rules.times[word])), i, i + 1)], i + 1
        if word in rules.one_and_a_half:
            return [(self.stated(i, i + 1, Decimal("1.5")), i, i + 1)], i + 1
        if self.language == "de" and (compound := self.german_compound(i)) is not None:
            return compound
        if self.language == "es" and word == "una" and self.follows(i + 1, ("vez",)):
            return self.spanish_once(i), i + 2
        if self.language == "ru" and _RU_HALF_OF.fullmatch(word):
            return [(self.stated(i, i + 1, Decimal("0.5")), i, i + 1)], i + 1
        # "hora y media" (1.5); "siete horas y media" (7.5, replacing the 7 read before).
        for words in rules.and_a_half:
            if self.rules.counted.fullmatch(word) and self.follows(i + 1, words):
                end = i + 1 + len(words)
                if found and found[-1][2] == i and self.linked(i) and len(found[-1][0].values) == 1:
                    previous, first, _ = found.pop()
                    value = next(iter(previous.values)) + Decimal("0.5")
                    return [(self.stated(first, end, value), first, end)], end
                return [(self.stated(i, end, Decimal("1.5")), i, end)], end
        if word in rules.half_before_counted and self.counted_noun(i + 1):
            return [(self.stated(i, i + 2, Decimal("0.5")), i, i + 2)], i + 2
        if word in rules.halves:
            if self.linked(i) and rules.span_half_after.fullmatch(self.word(i - 1)):
                return [], i + 1
            return [(self.stated(i, i + 1, _HALF_VALUES), i, i + 1)], i + 1
        return None

    def german_compound(self, i: int) -> tuple[list[tuple[StatedNumber, int, int]], int] | None:
        """ "siebeneinhalb" (7.5), "zweimal" (2); "noch einmal" and "auf einmal" are prose."""
        word = self.word(i)
        if (half := _DE_AND_A_HALF.fullmatch(word)) and (value := _cardinal(half[1], "de")) is not None:
            return [(self.stated(i, i + 1, value + Decimal("0.5")), i, i + 1)], i + 1
        times = _DE_TIMES.fullmatch(word)
        if times is None or (value := _cardinal(times[1], "de")) is None:
            return None
        if value == 1 and (
            (self.linked(i) and self.word(i - 1) in _DE_EINMAL_PROSE_AFTER) or self.follows(i + 1, ("mehr",))
        ):
            return [], i + 1
        return [(self.stated(i, i + 1, value), i, i + 1)], i + 1

    def spanish_once(self, i: int) -> list[tuple[StatedNumber, int, int]]:
        """ "una vez" (1), but not "de una vez" (at once), "una vez más" (once again), "una vez que"."""
        if (self.linked(i) and self.word(i - 1) == "de") or (
            self.linked(i + 2) and self.word(i + 2) in ("más", "mas", "que")
        ):
            return []
        return [(self.stated(i, i + 2, Decimal(1)), i, i + 2)]


def native_numbers(text: str, language: str) -> list[StatedNumber]:
    """Every number German, Spanish or Russian ``text`` states, in the order written."""
    return list(_native(text, language))


@functools.lru_cache(maxsize=4096)
def _native(text: str, language: str) -> tuple[StatedNumber, ...]:
    if language not in LANGUAGES:
        raise ValueError(f"no number reader for {language!r}")
    # Most strings (notes, reasons) state nothing: skip tokenising them unless a number may be there.
    if not _ANY_DIGIT.search(text) and not any(
        _may_state(word.lower(), language) for word in _WORD_RE.findall(text)
    ):
        return ()
    return tuple(_Reader(text, language).read())
