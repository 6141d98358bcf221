"""Which city, when a typed name is a city in several countries on other clocks ("Córdoba": Argentina,
Spain, Mexico): the one taken is named with its local time and the others are offered as buttons.
Onboarding and ``/profile`` both ask it after their time zone step."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from conversations.flow import Turn, buttons
from conversations.i18n import country_name, format_time_of_day
from conversations.messages import OutgoingMessage
from conversations.parsing import parse_yes_no, same_name_places
from conversations.texts import Onboarding as T

PLACE = "place"  # the conversation state's key for the choice being asked


def needs_choice(turn: Turn, zone: str) -> bool:
    """Whether the name typed is ambiguous; if so the choices wait in the state for the next step."""
    places = same_name_places(turn.text, zone)
    if not places:
        turn.data.pop(PLACE, None)
        return False
    turn.data[PLACE] = {"name": turn.text.strip(), "choices": [list(p) for p in places]}
    return True


async def ask_which_place(turn: Turn) -> OutgoingMessage:
    """ "There is more than one Córdoba. I've taken Córdoba (Argentina), where it is 10:24 now. …" """
    place = turn.data[PLACE]
    pairs = [
        (T.TIMEZONE_PLACE.format(place=place["name"], country=country_name(country)), zone)
        for zone, country in place["choices"]
    ]
    chosen, zone = pairs[0]
    text = T.TIMEZONE_WHICH.format(
        place=place["name"],
        choice=chosen,
        time=format_time_of_day(turn.now.astimezone(ZoneInfo(zone)).time()),
    )
    return OutgoingMessage(text, tuple(tuple(r) for r in buttons(*pairs)))


def place_chosen(turn: Turn) -> str | None:
    """The zone of a tapped place or "yes" for the one taken; None for "no" (ask for the place
    again). Anything else raises :class:`ParseError`: the caller reads it as another place typed."""
    choices = [zone for zone, _country in turn.data[PLACE]["choices"]]
    if turn.text in choices:
        turn.data.pop(PLACE, None)
        return turn.text
    confirmed = parse_yes_no(turn.text)
    turn.data.pop(PLACE, None)
    return choices[0] if confirmed else None
