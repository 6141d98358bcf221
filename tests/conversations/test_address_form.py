"""One form of address for coaches in each language: du (German), tú (Spanish), вы (Russian).

Clients are du / tú / ты; coaches were addressed as Sie / usted in the Slack texts and as ты in the
Russian web workspace. These tests read every coach-facing entry (the catalogue classes below and
all of ``web.po``) and look for the other form. When one fails after you added a coach text: say it
with du / tú / вы ("Wähle …", "Elige …", "Выберите …")."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from babel.messages.pofile import read_po

from conversations.i18n import LOCALES_DIR

# Catalogue classes (conversations/texts.py) a coach or an admin reads: Slack answers, buttons,
# notices, App Home, digests, summaries and stats. CoachFeedback is what the *client* reads of a coach.
COACH_CATALOGUES = frozenset(
    {
        "CoachButtons",
        "CoachCommands",
        "CoachDigest",
        "CoachHome",
        "CoachNotices",
        "CoachStats",
        "CoachSummary",
        "CoachThreads",
        "CoachTools",
        "Metrics",
    }
)
# Domain sentences (domain/reasons) a coach or an admin reads, in Slack or on a web page. Left out:
# the client's own ones (ProgressRefusals, AnswerHints, ReminderProblems of /settings), which say ты.
COACH_REASONS = frozenset(
    {
        "AccountProblems",
        "AnnouncementAudience",
        "AnnouncementProblems",
        "AvailabilityProblems",
        "ChurnReasons",
        "CoachProblems",
        "FeedbackProblems",
        "ForecastReasons",
        "GuideProblems",
        "MoneyProblems",
        "PolicyProblems",
        "ProgramFileProblems",
        "ProgramRefusals",
        "RefundProblems",
        "RuleProblems",
        "SupportProblems",
    }
)
COACH_CLASSES = COACH_CATALOGUES | COACH_REASONS

# Placeholders and the web pages' HTML tags; "<Text>" slots of a command's usage are words and stay.
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[sd]|%%|</?(?:a|b|br|code|em|i|p|span|strong)\b[^<>]*>")
# Before a sentence's first word: nothing, or one of these (after quotes, emoji, markup).
_SENTENCE_END = ".!?:;·—–\n"


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at]
    while before and not (before[-1].isalnum() or before[-1] in _SENTENCE_END or before[-1] == ","):
        before = before[:-1]
    return not before or before[-1] in _SENTENCE_END


def _addresses_reader(english: str) -> bool:
    return re.search(r"\byou(?:r|rs|'ll|'re|'ve)?\b", english, re.IGNORECASE) is not None


# German: "Sie", "Ihr…", "Ihnen" in capitals inside a sentence are the formal you. At a sentence's
# start they may be "they" / "their" ("Ihre erhaltenen Schritte …" = their steps): formal there only
# when the English speaks to the reader, and "Sie" only before a plural verb ("Sie haben", "Sie
# sind"; "Sie wird …" is "it").
_GERMAN_FORMAL = re.compile(r"\b(Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihnen)\b(?:\s+(\w+))?")


def german_formal(text: str, english: str) -> list[str]:
    found = []
    for match in _GERMAN_FORMAL.finditer(text):
        word, following = match.group(1), match.group(2) or ""
        if not _sentence_start(text, match.start()):
            found.append(word)
        elif _addresses_reader(english) and (word != "Sie" or following.endswith("n") or following == "sind"):
            found.append(f"{word} {following}".strip())
    return found


# Spanish: "usted"; the formal imperatives (pruebe / prueba, elija / elige, …) beginning a sentence
# or after "y", "o", "no"; and su / sus / suyo for an English "your" / "yours" where nothing says
# tu / tus / te (su alone is also "their" / "its": "{name} lo recibe en su chat").
_SPANISH_IMPERATIVES = (
    "abra",
    "aumente",
    "añada",
    "busque",
    "cambie",
    "comparta",
    "compruebe",
    "confirme",
    "consulte",
    "copie",
    "cópiela",
    "cópielo",
    "descargue",
    "edite",
    "ejecute",
    "elija",
    "envíe",
    "escriba",
    "espere",
    "fije",
    "guarde",
    "haga",
    "indique",
    "intente",
    "introduzca",
    "inténtelo",
    "lea",
    "léala",
    "marque",
    "mire",
    "pase",
    "pida",
    "ponga",
    "pregunte",
    "pruebe",
    "publique",
    "pulse",
    "recuerde",
    "responda",
    "revise",
    "seleccione",
    "suscríbase",
    "tenga",
    "use",
    "vea",
    "vuelva",
)
_SPANISH_FORMAL = re.compile(
    r"\b(?:(?:y|o|no)\s+)?(" + "|".join(_SPANISH_IMPERATIVES) + r")\b", re.IGNORECASE
)


def spanish_formal(text: str, english: str) -> list[str]:
    found = re.findall(r"\busted(?:es)?\b", text, re.IGNORECASE)
    for match in _SPANISH_FORMAL.finditer(text):
        joined = match.group(0) != match.group(1)
        if joined or _sentence_start(text, match.start(1)):
            found.append(match.group(1))
    if re.search(r"\byours?\b", english, re.IGNORECASE) and not re.search(
        r"\b(?:tu|tus|tuyos?|tuyas?|te|ti)\b", text, re.IGNORECASE
    ):
        found += re.findall(r"\b(?:sus?|suy[oa]s?)\b", text, re.IGNORECASE)
    return found


# Russian: ты and its forms, твой and its forms, the present tense's "-ешь / -ишь" (можешь, хочешь)
# and the singular imperatives the workspace used (напиши → напишите).
_RUSSIAN_INFORMAL = re.compile(
    r"(?<!\w)(ты|тебя|тебе|тобой|тобою|тво(?:й|я|ё|е|и|его|ей|ему|им|их|ими|ю|ём)"
    r"|\w{2,}(?:ешь|ёшь|ишь)(?:ся)?"
    r"|напиши|выбери|введи|добавь|сохрани|опубликуй|отредактируй|попробуй|проверь|запроси|попроси"
    r"|вернись|обнови|отправь|привяжи|поделись|начни|воспользуйся|подпишись|поправь|скопируй"
    r"|отреагируй|уложи|нажми|укажи|открой|ответь|прикрепи|импортируй|посмотри|используй)(?!\w)",
    re.IGNORECASE,
)


def russian_informal(text: str, english: str) -> list[str]:
    return list(_RUSSIAN_INFORMAL.findall(text))


Check = Callable[[str, str], list[str]]
CHECKS: dict[str, Check] = {"de": german_formal, "es": spanish_formal, "ru": russian_informal}


def _forms(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _entries(language: str, domain: str) -> Iterator[tuple[str, str, str]]:
    """(where, translation, English) of each coach-facing entry of one catalogue."""
    with (LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    for message in catalogue:
        if not message.id:
            continue
        if domain == "messages" and str(message.context).split(".")[0] not in COACH_CLASSES:
            continue
        english = " ".join(_forms(message.id))
        where = message.context or _forms(message.id)[0]
        for text in _forms(message.string):
            yield where, _PLACEHOLDER.sub("…", text), english


@pytest.mark.parametrize("domain", ["messages", "web"])
@pytest.mark.parametrize("language", sorted(CHECKS))
def test_coaches_are_addressed_one_way(language: str, domain: str) -> None:
    wrong = [
        f"{where}: {words} in {text!r}"
        for where, text, english in _entries(language, domain)
        if (words := CHECKS[language](text, english))
    ]
    assert wrong == []


def test_the_coach_classes_are_in_the_catalogues() -> None:
    """A renamed class would silently leave the check: every one listed has entries."""
    with (LOCALES_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        present = {str(m.context).split(".")[0] for m in read_po(po, locale="de") if m.id}
    assert sorted(COACH_CLASSES - present) == []


@pytest.mark.parametrize(
    ("check", "text", "english", "found"),
    [
        (german_formal, "Wählen Sie ein Fälligkeitsdatum.", "Pick a due date.", ["Sie"]),
        (german_formal, "Keiner Ihrer Klienten heißt „…“.", "None of your clients", ["Ihrer"]),
        (german_formal, "Ihre Klienten (…)", "Your clients ({count})", ["Ihre Klienten"]),
        (german_formal, "Sie haben noch keine Zeiten.", "You have no hours yet.", ["Sie haben"]),
        (german_formal, "Wähle ein Fälligkeitsdatum.", "Pick a due date.", []),
        (german_formal, "Ihre Schritte bleiben erhalten.", "Their steps are kept.", []),
        (german_formal, "Kopier sie jetzt: Sie wird nicht mehr angezeigt.", "Copy it now: your …", []),
        (german_formal, "Die Admins haben sie.", "The admins have it.", []),
        (german_formal, "`/coach support <Ihr Anliegen>` stellt eine Anfrage", "<what you need>", ["Ihr"]),
        (spanish_formal, "Pruebe `/coach client Ann`.", "Try `/coach client Ann`.", ["Pruebe"]),
        (spanish_formal, "Responda en el hilo, o use:", "Reply in the thread, or use:", ["Responda", "use"]),
        (spanish_formal, "Ese botón ha caducado; ejecute `/coach`.", "That button expired; run", ["ejecute"]),
        (spanish_formal, "guías (nuevas para usted)", "guides (new to you)", ["usted"]),
        (spanish_formal, "Sus clientes (…)", "Your clients ({count})", ["Sus"]),
        (spanish_formal, "Tus clientes (…)", "Your clients ({count})", []),
        (spanish_formal, "Sus pasos recibidos se conservan.", "Their delivered steps are kept.", []),
        (spanish_formal, "{name} lo recibe en su chat.", "{name} gets it in their chat.", []),
        (spanish_formal, "Ninguno de sus clientes se llama «…».", "None of your clients", ["sus"]),
        (spanish_formal, "ese cliente no es uno de los suyos.", "that client isn't one of yours.", ["suyos"]),
        (spanish_formal, "Ese recordatorio es largo: no pase de … caracteres.", "keep it under", ["pase"]),
        (spanish_formal, "{name} cambió su sesión (tu hora).", "{name} moved their session (your time).", []),
        (russian_informal, "Сначала напиши ответ.", "Please write an answer first.", ["напиши"]),
        (russian_informal, "Твой новый токен.", "Your new token.", ["Твой"]),
        (russian_informal, "в твоём часовом поясе", "in your timezone", ["твоём"]),
        (russian_informal, "когда ты выходишь", "when you sign out", ["ты", "выходишь"]),
        (russian_informal, "Сначала напишите ответ; лишь потом.", "Write an answer first.", []),
        (russian_informal, "Ваш новый токен, в вашем поясе.", "Your new token.", []),
    ],
)
def test_the_checks_tell_the_forms_apart(check: Check, text: str, english: str, found: list[str]) -> None:
    assert check(text, english) == found
