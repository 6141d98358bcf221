"""``/profile``: a client changes their name, time zone, email address and language.

Each change is checked before anything is stored (a bad answer is asked again, nothing changes) and
saved on its own, and the menu comes back until "Done". The time zone is read by the onboarding
parser (cities in the four languages, offsets, zone names) and re-plans pending reminders at once.
An email address counts only once the 6-digit code sent to it is typed back
(:mod:`conversations.flows.email_address`); the language is the ``/language`` choice.
"""

from __future__ import annotations

from conversations.flow import (
    END,
    AnswerHandler,
    Flow,
    InvalidAnswer,
    Next,
    Prompt,
    Step,
    Turn,
    ask,
    buttons,
    note_saved,
)
from conversations.flows.email_address import email_steps
from conversations.flows.language import read_language
from conversations.flows.place_choice import ask_which_place, needs_choice, place_chosen
from conversations.i18n import LANGUAGE_NAMES, SUPPORTED_LOCALES, city_name, switch_locale
from conversations.messages import Button, OutgoingMessage
from conversations.parsing import ParseError, parse_timezone
from conversations.registry import register_command, register_flow
from conversations.texts import Commands
from conversations.texts import Language as LanguageTexts
from conversations.texts import Onboarding as OnboardingTexts
from conversations.texts import Profile as T
from domain import rules
from domain.errors import ValidationError
from domain.reminders.preferences import set_client_reminder_preferences
from domain.services.clients import get_client, rename_client, set_client_locale
from domain.services.email_verification import email_reachable, pending_verification

BACK_PAYLOAD = "back"
BACK_WORDS = frozenset({"back", "/back", "menu", "never mind", "nevermind"})
MENU_CHOICES = ("name", "timezone", "email", "language")


def _with_back(rows: list[list[Button]]) -> list[list[Button]]:
    return [*rows, [Button(T.BACK, BACK_PAYLOAD)]]


def back_or(handler: AnswerHandler) -> AnswerHandler:
    async def answer(turn: Turn) -> Next:
        if turn.text.strip().lower() in BACK_WORDS:
            return "menu"
        return await handler(turn)

    return answer


def asks(text: str, rows: list[list[Button]] | None = None) -> Prompt:
    return ask(text, _with_back(rows or []))


async def ask_menu(turn: Turn) -> OutgoingMessage:
    assert turn.client_id is not None
    session = await turn.session()
    client = await get_client(session, turn.client_id)
    pending = await pending_verification(session, client.id)
    if client.email and email_reachable(client):
        email = client.email
    elif client.email and client.email_unsubscribed_at is not None:
        email = T.EMAIL_UNSUBSCRIBED.format(email=client.email)
    elif pending is not None:
        email = T.EMAIL_PENDING.format(email=pending.email)
    else:
        email = T.NO_EMAIL
    text = T.MENU.format(
        name=client.display_name,
        timezone=client.timezone,
        email=email,
        language=LANGUAGE_NAMES.get(client.locale, client.locale),
    )
    rows = buttons(
        (T.MENU_NAME, "name"),
        (T.MENU_TIMEZONE, "timezone"),
        (T.MENU_EMAIL, "email"),
        (T.MENU_LANGUAGE, "language"),
        (T.MENU_DONE, "done"),
    )
    return OutgoingMessage(text, tuple(tuple(r) for r in rows))


async def answer_menu(turn: Turn) -> Next:
    choice = turn.text.strip().lower()
    if choice in {"done", "/done"} | BACK_WORDS:
        turn.say(T.DONE)
        return END
    if choice not in MENU_CHOICES:
        raise InvalidAnswer(T.BAD_MENU)
    return choice


async def ask_name(turn: Turn) -> OutgoingMessage:
    known = turn.message.display_name
    rows = buttons((known, known)) if known and len(known) <= rules.NAME_MAX_CHARS else []
    return await asks(T.ASK_NAME, rows)(turn)


async def answer_name(turn: Turn) -> Next:
    assert turn.client_id is not None
    if not turn.text or turn.message.button_payload == BACK_PAYLOAD:
        raise InvalidAnswer(OnboardingTexts.NAME_HINT)
    try:
        client = await rename_client(await turn.session(), turn.client_id, turn.text)
    except ValidationError:
        raise InvalidAnswer(OnboardingTexts.NAME_HINT) from None
    note_saved(turn, T.MENU_NAME.lower())
    turn.say(T.NAME_SAVED.format(name=client.display_name))
    return "menu"


async def ask_timezone(turn: Turn) -> OutgoingMessage:
    pairs = [
        (city_name(zone) if zone != "UTC" else label, zone)
        for label, zone in OnboardingTexts.TIMEZONE_BUTTONS
    ]
    return await asks(T.ASK_TIMEZONE, buttons(*pairs))(turn)


async def answer_timezone(turn: Turn) -> Next:
    try:
        zone = parse_timezone(turn.text)
    except ParseError:
        raise InvalidAnswer(OnboardingTexts.TIMEZONE_HINT) from None
    # A city in several countries ("Córdoba") is confirmed first, as in onboarding.
    if needs_choice(turn, zone):
        return "timezone_which"
    return await _save_timezone(turn, zone)


async def answer_timezone_which(turn: Turn) -> Next:
    try:
        zone = place_chosen(turn)
    except ParseError:  # another place typed
        return await answer_timezone(turn)
    return "timezone" if zone is None else await _save_timezone(turn, zone)


async def _save_timezone(turn: Turn, zone: str) -> Next:
    assert turn.client_id is not None
    client = await set_client_reminder_preferences(
        await turn.session(), turn.client_id, now=turn.now, timezone=zone
    )
    note_saved(turn, T.MENU_TIMEZONE.lower())
    turn.say(T.TIMEZONE_SAVED.format(timezone=client.timezone))
    return "menu"


async def email_verified(turn: Turn, _email: str) -> Next:
    note_saved(turn, T.MENU_EMAIL.lower())
    return "menu"


async def ask_language(turn: Turn) -> OutgoingMessage:
    pairs = [(LANGUAGE_NAMES[code], code) for code in SUPPORTED_LOCALES]
    return await asks(T.ASK_LANGUAGE, buttons(*pairs, per_row=4))(turn)


async def answer_language(turn: Turn) -> Next:
    assert turn.client_id is not None
    chosen = read_language(turn.text)
    if chosen is None:
        raise InvalidAnswer(T.BAD_MENU)
    await set_client_locale(await turn.session(), turn.client_id, chosen)
    turn.locale = chosen
    switch_locale(chosen)
    note_saved(turn, T.MENU_LANGUAGE.lower())
    turn.say(LanguageTexts.SET)
    return "menu"


FLOW = Flow(
    name="profile",
    version=1,
    steps=[
        Step("menu", ask_menu, answer_menu),
        Step("name", ask_name, back_or(answer_name)),
        Step("timezone", ask_timezone, back_or(answer_timezone)),
        Step("timezone_which", ask_which_place, back_or(answer_timezone_which)),
        *email_steps(
            ask_address=asks(T.ASK_EMAIL),
            bad_address=T.BAD_EMAIL,
            back="menu",
            on_verified=email_verified,
            guard=back_or,
        ),
        Step("language", ask_language, back_or(answer_language)),
    ],
)


def register() -> None:
    """Add ``/profile``."""
    register_flow(FLOW)
    register_command("/profile", flow=FLOW.name, help=Commands.PROFILE)
