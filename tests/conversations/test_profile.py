"""``/profile`` transcripts through the real engine (console): name, time zone, language, and an email
address confirmed by a 6-digit code — wrong, expired, too many and throttled codes included."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from conversations.flows import profile
from conversations.flows import settings as settings_flow
from conversations.registry import set_delivery_channels
from domain.db import Database
from domain.models import Client, EmailVerification, OutboundMessage, Reminder
from domain.services import email_verification as verification
from tests.conversations.conftest import CoachSetup
from tests.support.chat import Chat, FakeClock, onboard, registered


@pytest.fixture(autouse=True)
def commands() -> Iterator[None]:
    def add() -> None:
        profile.register()
        settings_flow.install()

    with registered(add):
        yield


@pytest.fixture(autouse=True)
def coach(coach_setup: CoachSetup) -> CoachSetup:
    """A coach with a free program, which onboarding ends with."""
    return coach_setup


async def sam(db: Database) -> Client:
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client).where(Client.display_name.in_(["Sam", "Samantha"])))
        assert client is not None
        return client


async def code_emails(db: Database) -> list[OutboundMessage]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(OutboundMessage).where(OutboundMessage.platform == "email").order_by(OutboundMessage.id)
        )
        return list(rows)


def code_in(row: OutboundMessage) -> str:
    found = re.search(r"\b(\d{6})\b", row.payload["text"])
    assert found is not None
    return found.group(1)


async def test_name_timezone_and_language(db: Database, chat: Callable[[str], Chat]) -> None:
    person = chat("ana")
    await onboard(person)
    replies = await person.send("/profile")
    assert "Name: Sam" in person.text and "Time zone: Europe/Berlin" in person.text
    assert "Email: none" in person.text and "Language: English" in person.text
    assert replies

    await person.press("Name")
    await person.send("   ")
    assert "type your name" in person.text  # asked again, nothing changed
    await person.send("x" * 201)
    assert "type your name" in person.text
    assert (await sam(db)).display_name == "Sam"
    await person.send("  Samantha   Lee ")
    assert "I'll call you Samantha Lee" in person.text and "Name: Samantha Lee" in person.text

    await person.press("Time zone")
    await person.send("Atlantis")
    assert "didn't recognise that timezone" in person.text
    before = [r.due_at for r in await pending_checkins(db)]
    await person.send("Tokyo")
    assert "Asia/Tokyo" in person.text
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client).where(Client.display_name == "Samantha Lee"))
        assert client is not None and client.timezone == "Asia/Tokyo"
    after = [r.due_at for r in await pending_checkins(db)]
    assert after and after != before  # reminders re-planned for 8am Tokyo

    await person.press("Language")
    await person.send("Klingon")
    assert "Please pick one" in person.text
    await person.send("Deutsch")
    assert "Sprache: Deutsch" in person.text  # the menu comes back in German
    await person.send("fertig")  # not a menu word in any language: asked again
    await person.send(payload="done")
    await person.send("/cancel")
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client).where(Client.display_name == "Samantha Lee"))
        assert client is not None and client.locale == "de"


async def pending_checkins(db: Database) -> list[Reminder]:
    async with db.unit_of_work() as session:
        return list(
            await session.scalars(
                select(Reminder)
                .where(Reminder.kind == "checkin", Reminder.status == "pending")
                .order_by(Reminder.due_at, Reminder.id)
            )
        )


async def test_email_is_confirmed_by_the_code_sent_to_it(
    db: Database, chat: Callable[[str], Chat], clock: FakeClock
) -> None:
    person = chat("bo")
    await onboard(person)
    await person.send("/profile")
    await person.press("Email")
    await person.send("sam@")
    assert "doesn't look like an email address" in person.text
    assert await code_emails(db) == []

    await person.send("Sam@Example.com")
    assert "sent a 6-digit code to sam@example.com" in person.text
    [email] = await code_emails(db)
    assert email.chat_id == "sam@example.com" and email.payload["subject"].startswith(
        "Your confirmation code"
    )
    code = code_in(email)
    async with db.unit_of_work() as session:
        pending = await session.get(EmailVerification, (await sam(db)).id)
        assert pending is not None and code not in pending.code_hash  # kept hashed, never as typed
    assert (await sam(db)).email is None  # nothing changes until the code comes back

    wrong = "000000" if code != "000000" else "111111"
    await person.send(wrong)
    assert "not right. You have 4 more tries" in person.text
    await person.send("12")
    assert "3 more tries" in person.text
    await person.send(" ".join(code))  # spaces are forgiven
    assert "sam@example.com is confirmed" in person.text and "Email: sam@example.com" in person.text
    client = await sam(db)
    assert client.email == "sam@example.com" and client.email_verified_at is not None
    assert verification.email_reachable(client)
    async with db.unit_of_work() as session:
        assert await session.get(EmailVerification, client.id) is None


async def test_expired_and_too_many_codes_and_resend_throttle(
    db: Database, chat: Callable[[str], Chat], clock: FakeClock
) -> None:
    person = chat("cy")
    await onboard(person)
    await person.send("/profile")
    await person.press("Email")
    await person.send("cy@example.com")
    await person.press("Send a new code")
    assert "wait" in person.text and len(await code_emails(db)) == 1  # throttled: no second email
    first = code_in((await code_emails(db))[0])

    clock.advance(verification.CODE_TTL + timedelta(seconds=1))
    await person.send(first)
    assert "expired" in person.text and (await sam(db)).email is None
    await person.press("Send a new code")
    assert len(await code_emails(db)) == 2
    second = code_in((await code_emails(db))[1])
    assert (await sam(db)).email is None

    wrong = "000000" if second != "000000" else "111111"
    for _ in range(verification.MAX_ATTEMPTS):
        await person.send(wrong)
    assert "too many wrong codes" in person.text and "What is your email address?" in person.text
    await person.send("/repeat")
    client = await sam(db)
    assert client.email is None and client.email_verified_at is None
    # The right code no longer works once the attempt is over.
    clock.advance(verification.RESEND_INTERVAL)
    await person.send("cy@example.com")
    third = code_in((await code_emails(db))[-1])
    await person.send(second)
    if second != third:
        assert "not right" in person.text
    await person.send(third)
    assert "cy@example.com is confirmed" in person.text


async def test_email_without_a_mail_server_is_not_offered(db: Database, chat: Callable[[str], Chat]) -> None:
    person = chat("di")
    await onboard(person)
    set_delivery_channels(frozenset({"console"}))
    try:
        await person.send("/profile")
        await person.press("Email")
        await person.send("di@example.com")
        assert "Email isn't set up here" in person.text and "What would you like to change?" in person.text
        assert await code_emails(db) == []
    finally:
        set_delivery_channels(None)


async def test_settings_email_channel_needs_a_confirmed_address(
    db: Database, chat: Callable[[str], Chat]
) -> None:
    person = chat("ed")
    await onboard(person)
    await person.send("/settings")
    await person.send(payload="channel")
    await person.send(payload="email")
    assert "What email address" in person.text
    await person.send("ed@example.com")
    code = code_in((await code_emails(db))[0])
    client = await sam(db)
    assert client.preferred_channel == "console" and client.email is None
    await person.send(code)
    assert "ed@example.com is confirmed" in person.text and "Reminders come by email" in person.text
    client = await sam(db)
    assert client.preferred_channel == "email" and client.email == "ed@example.com"


async def test_profile_is_in_help(chat: Callable[[str], Chat]) -> None:
    person = chat("fa")
    await onboard(person)
    await person.send("/help")
    assert "/profile" in person.text


async def test_a_city_in_several_countries_is_confirmed_before_it_is_saved(
    db: Database, chat: Callable[[str], Chat]
) -> None:
    person = chat("ana")
    await onboard(person)
    await person.send("/profile")
    await person.press("Time zone")
    await person.send("Córdoba")
    assert "There is more than one Córdoba. I've taken Córdoba (Argentina)" in person.text
    assert (await sam(db)).timezone == "Europe/Berlin"  # nothing saved while it is asked
    await person.press("Córdoba (Spain)")
    assert "Europe/Madrid" in person.text and "Name: Sam" in person.text  # saved, back at the menu
    assert (await sam(db)).timezone == "Europe/Madrid"

    await person.press("Time zone")
    await person.send("Córdoba")
    await person.send("no")
    assert "Which time zone are you in?" in person.text  # "no": asked for the place again
    assert (await sam(db)).timezone == "Europe/Madrid"
    await person.send("Tokyo")
    assert (await sam(db)).timezone == "Asia/Tokyo"
