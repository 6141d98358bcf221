"""One form of address for each reader and language: coaches du / tú / вы, clients du / tú / ты.

Coaches were addressed as Sie / usted in the Slack texts and as ты in the Russian web workspace;
clients as вы in much of the Russian booking, profile and payment texts. These tests read every
coach-facing entry (the catalogue classes below and all of ``web.po``) and every client-facing one
(the rest of ``messages.po``) and look for the other form. When one fails after you added a text:
say it to a coach with du / tú / вы ("Wähle …", "Elige …", "Выберите …"), to a client with
du / tú / ты ("Wähle …", "Elige …", "Выбери …"), or impersonally."""

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
# the client's own ones (ProgressRefusals, AnswerHints, ReminderProblems of /settings), which say ты,
# and those both read (GoalProblems, BookingProblems, FieldNames), which speak impersonally.
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
        "NoteProblems",
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


def _after_que(text: str, at: int) -> bool:
    sentence = re.split(r"[.!?;:\n]", text[:at])[-1]
    return re.search(r"\bque\b", sentence, re.IGNORECASE) is not None


def spanish_formal(text: str, english: str) -> list[str]:
    found = re.findall(r"\busted(?:es)?\b", text, re.IGNORECASE)
    for match in _SPANISH_FORMAL.finditer(text):
        joined = match.group(0) != match.group(1)
        if joined and _after_que(text, match.start()):
            continue  # a wish in the subjunctive: "Que el comentario no pase de … caracteres"
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


# Russian, to a client: вы and its forms, ваш and its forms, and the plural verb forms "-ите / -йте /
# -ьте" (выберите, попробуйте, отправьте, хотите) and "можете / будете". After a preposition such
# words are nouns ("на сайте", "в лимите"); "-ете" alone is mostly a noun ("в ответе", "учёте").
_RUSSIAN_FORMAL = re.compile(
    r"(?<!\w)(?:(в|во|на|о|об|при|по)\s+)?"
    r"(вы|вас|вам|вами|ваш\w*|\w{2,}(?:ите|йте|ьте)(?:сь)?|\w*(?:можете|будете|знаете|найдёте))(?!\w)",
    re.IGNORECASE,
)


def russian_formal(text: str, english: str) -> list[str]:
    return [
        match.group(2)
        for match in _RUSSIAN_FORMAL.finditer(text)
        if not match.group(1) or match.group(2).lower().startswith(("вы", "вас", "вам", "ваш"))
    ]


Check = Callable[[str, str], list[str]]
CHECKS: dict[str, Check] = {"de": german_formal, "es": spanish_formal, "ru": russian_informal}
# Clients are du / tú as coaches are; only the Russian differs (ты, not вы).
CLIENT_CHECKS: dict[str, Check] = {"de": german_formal, "es": spanish_formal, "ru": russian_formal}


def _forms(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _entries(language: str, domain: str, *, coaches: bool = True) -> Iterator[tuple[str, str, str]]:
    """(where, translation, English) of each coach-facing (or else client-facing) entry of one catalogue."""
    with (LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    for message in catalogue:
        if not message.id:
            continue
        coach_facing = domain == "web" or str(message.context).split(".")[0] in COACH_CLASSES
        if coach_facing != coaches:
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


@pytest.mark.parametrize("language", sorted(CLIENT_CHECKS))
def test_clients_are_addressed_informally(language: str) -> None:
    entries = list(_entries(language, "messages", coaches=False))
    wrong = [
        f"{where}: {words} in {text!r}"
        for where, text, english in entries
        if (words := CLIENT_CHECKS[language](text, english))
    ]
    assert len(entries) > 500  # the client side is most of the catalogue, not an empty selection
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
        (spanish_formal, "Que el comentario no pase de … caracteres.", "keep the comment under", []),
        (russian_formal, "Выберите время (ваше время).", "Pick a time (your time).", ["Выберите", "ваше"]),
        (russian_formal, "У вас нет сессий. Отправьте /book.", "You have no sessions.", ["вас", "Отправьте"]),
        (
            russian_formal,
            "Что вы хотите сделать? Извините.",
            "What would you like to do?",
            ["вы", "хотите", "Извините"],
        ),
        (russian_formal, "Вы можете написать. Попробуй ещё раз.", "You can write.", ["Вы", "можете"]),
        (russian_formal, "Попробуй ещё раз, если хочешь.", "Try again if you like.", []),
        (russian_formal, "Все сессии уже использованы; ответ на сайте, в учёте.", "You have used all", []),
    ],
)
def test_the_checks_tell_the_forms_apart(check: Check, text: str, english: str, found: list[str]) -> None:
    assert check(text, english) == found
