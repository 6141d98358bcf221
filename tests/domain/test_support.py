"""Support tickets in the domain: a retried request adds nothing, statuses move as documented, a
requester is a client or a coach, and status filters are checked."""

from __future__ import annotations

import pytest

from domain.db import Database
from domain.errors import ValidationError
from domain.services import support
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from domain.services.support import Requester, TicketStatus


async def test_a_retried_request_adds_nothing(db: Database) -> None:
    async with db.unit_of_work() as s:
        client = await register_client(
            s, platform="console", external_user_id="u", chat_id="c", display_name="Sam"
        )
        me = Requester(client_id=client.id)
        first = await support.open_ticket(s, me, "Help", request_key="slack:1")
        again = await support.open_ticket(s, me, "Help", request_key="slack:1")
        assert first.id == again.id
        _, added = await support.admin_reply(
            s, first.id, "Hi", admin_id=None, actor="cli", request_key="slack:2"
        )
        _, added_again = await support.admin_reply(
            s, first.id, "Hi", admin_id=None, actor="cli", request_key="slack:2"
        )
        assert (added, added_again) == (True, False)
        assert first.status == TicketStatus.ANSWERED
        await support.requester_reply(s, me, first.id, "Thanks", request_key="chat:3")
        await support.requester_reply(s, me, first.id, "Thanks", request_key="chat:3")
        assert first.status == TicketStatus.OPEN
        assert [m.author for m in await support.ticket_messages(s, first.id)] == ["client", "admin", "client"]


def test_a_requester_is_a_client_or_a_coach() -> None:
    with pytest.raises(ValueError):
        Requester()
    with pytest.raises(ValueError):
        Requester(client_id=1, coach_id=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("all", None), ("ACTIVE", frozenset({"open", "answered"})), (" closed ", frozenset({"closed"}))],
)
def test_status_filters(value: str, expected: frozenset[str] | None) -> None:
    assert support.parse_status_filter(value) == expected


def test_unknown_status_filter() -> None:
    with pytest.raises(ValidationError, match="unknown status"):
        support.parse_status_filter("pending")


def test_text_is_cleaned_and_checked() -> None:
    assert support.check_text("  Help\x1b[31m me\x00 ") == "Help[31m me"
    for empty in ("", "   ", "\x00"):
        with pytest.raises(ValidationError):
            support.check_text(empty)
    with pytest.raises(ValidationError, match="at most 4000"):
        support.check_text("x" * 4001)


async def test_the_list_gives_each_request_its_requester_count_and_last_message(db: Database) -> None:
    async with db.unit_of_work() as s:
        client = await register_client(
            s, platform="console", external_user_id="u", chat_id="c", display_name="Sam"
        )
        coach = await create_coach(s, name="Ada", email="ada@example.com")
        asked = await support.open_ticket(s, Requester(client_id=client.id), "Help")
        await support.admin_reply(s, asked.id, "Hi", admin_id=None, actor="cli")
        await support.requester_reply(s, Requester(client_id=client.id), asked.id, "Thanks")
        await support.open_ticket(s, Requester(coach_id=coach.id), "The export does nothing")
        listed = {t.id: t for t in await support.list_tickets(s)}
    first, second = listed[asked.id], listed[asked.id + 1]
    assert (str(first.requester), first.messages, first.last_text) == (
        f"client {client.id} (Sam)",
        3,
        "Thanks",
    )
    assert (str(second.requester), second.messages, second.last_text) == (
        f"coach {coach.id} (Ada)",
        1,
        "The export does nothing",
    )
