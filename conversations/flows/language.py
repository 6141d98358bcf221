"""``/language``: the client chooses the language the bot speaks to them.

Works at any point, also in the middle of onboarding (the welcome has a button for it): the choice
is saved on the client (or, before registration, kept with the conversation until onboarding stores
it) and the open question is asked again in the new language.
"""

from __future__ import annotations

from conversations.flow import CHOSEN_LOCALE_KEY, REPEAT, STAY, Next, Turn, buttons
from conversations.i18n import LANGUAGE_NAMES, SUPPORTED_LOCALES, supported_locale, switch_locale
from conversations.texts import Language as T
from domain.services.clients import set_client_locale

# What else people type for a language, besides its code and its own name.
_ALIASES = {
    "english": "en", "englisch": "en", "inglés": "en", "ingles": "en", "английский": "en",
    "german": "de", "alemán": "de", "aleman": "de", "немецкий": "de",
    "spanish": "es", "spanisch": "es", "испанский": "es",
    "russian": "ru", "russisch": "ru", "ruso": "ru",
}  # fmt: skip


def language_buttons() -> list[list[tuple[str, str]]]:
    return [[(LANGUAGE_NAMES[code], f"/language {code}") for code in SUPPORTED_LOCALES]]


def read_language(text: str) -> str | None:
    """ "de", "Deutsch", "german", "ru-RU" → the language's code, or None."""
    word = text.strip().lower()
    by_name = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
    return by_name.get(word) or _ALIASES.get(word) or supported_locale(word)


async def language(turn: Turn, args: str) -> Next:
    if not args:
        turn.say(T.ASK, buttons(*(pair for row in language_buttons() for pair in row), per_row=4))
        return STAY
    chosen = read_language(args)
    if chosen is None:
        turn.say(T.HINT, buttons(*(pair for row in language_buttons() for pair in row), per_row=4))
        return STAY
    if turn.client_id is not None:
        await set_client_locale(await turn.session(), turn.client_id, chosen)
    else:
        turn.data[CHOSEN_LOCALE_KEY] = chosen
    turn.locale = chosen
    switch_locale(chosen)
    turn.say(T.SET)
    return REPEAT
