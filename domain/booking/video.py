"""The meeting link of a booked session: the coach's fixed link, or a new Jitsi Meet room.

A Jitsi Meet room needs no account: whoever knows its address can join, so the room name carries
128+ random bits (``secrets``) and is never derived from names, ids or times.
"""

from __future__ import annotations

import secrets

JITSI_BASE_URL = "https://meet.jit.si"
ROOM_PREFIX = "CoachSession"
ROOM_RANDOM_BYTES = 18  # 144 bits, 24 url-safe characters


def jitsi_room_url(token: str | None = None) -> str:
    """A new, unguessable Jitsi Meet room address."""
    token = token or secrets.token_urlsafe(ROOM_RANDOM_BYTES)
    return f"{JITSI_BASE_URL}/{ROOM_PREFIX}-{token}"


def meeting_link(fixed_link: str | None) -> str:
    """The coach's own link when they set one, else a fresh Jitsi room."""
    return fixed_link or jitsi_room_url()
