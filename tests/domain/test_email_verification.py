"""The email verification service on its own: codes kept only as keyed hashes, the resend throttle
and cap, attempts counted, another address starting over, and erasure of a pending address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.db import Database
from domain.errors import ValidationError
from domain.models import Client, EmailVerification
from domain.services import email_verification as v
from domain.services.erasure import erase_client
from tests.support.chat import register

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def test_code_is_hashed_throttled_capped_and_confirms_once(db: Database) -> None:
    client_id = await register(db, "ann")
    async with db.unit_of_work() as s:
        with pytest.raises(ValidationError):
            await v.start_verification(s, client_id, "not an address", now=NOW)
        sent = await v.start_verification(s, client_id, " Ann@Example.COM ", now=NOW)
        assert isinstance(sent, v.CodeToSend) and sent.email == "ann@example.com" and len(sent.code) == 6
        pending = await s.get(EmailVerification, client_id)
        assert pending is not None and sent.code not in pending.code_hash and len(pending.code_hash) == 64
        throttled = await v.resend_code(s, client_id, now=NOW + timedelta(seconds=10))
        assert isinstance(throttled, v.Throttled) and throttled.retry_after == timedelta(seconds=50)
    later = NOW
    async with db.unit_of_work() as s:
        for _ in range(v.MAX_SENDS - 1):
            later += v.RESEND_INTERVAL
            assert isinstance(await v.resend_code(s, client_id, now=later), v.CodeToSend)
        later += v.RESEND_INTERVAL
        capped = await v.resend_code(s, client_id, now=later)
        assert isinstance(capped, v.Throttled) and capped.exhausted
        # Another address does not escape the cap within the window.
        other = await v.start_verification(s, client_id, "ann2@example.com", now=later + v.RESEND_INTERVAL)
        assert isinstance(other, v.Throttled) and other.exhausted
    async with db.unit_of_work() as s:
        fresh = await v.start_verification(s, client_id, "ann2@example.com", now=later + v.CODE_TTL)
        assert isinstance(fresh, v.CodeToSend)
        wrong = "1" * 6 if fresh.code != "1" * 6 else "2" * 6
        result = await v.check_code(s, client_id, wrong, now=later + v.CODE_TTL)
        assert result.outcome == v.Outcome.WRONG and result.attempts_left == v.MAX_ATTEMPTS - 1
    async with db.unit_of_work() as s:
        result = await v.check_code(s, client_id, fresh.code, now=later + v.CODE_TTL)
        assert result.outcome == v.Outcome.VERIFIED and result.email == "ann2@example.com"
        client = await s.get(Client, client_id)
        assert client is not None and v.email_reachable(client)
        assert await v.verified_email(s, client_id) == "ann2@example.com"
        again = await v.check_code(s, client_id, fresh.code, now=later + v.CODE_TTL)
        assert again.outcome == v.Outcome.NOTHING_PENDING


async def test_erasure_takes_the_pending_address_and_its_code_email(db: Database) -> None:
    from sqlalchemy import select

    from domain.models import OutboundMessage
    from domain.services.outbox import client_message, enqueue_message

    client_id = await register(db, "bea")
    async with db.unit_of_work() as s:
        sent = await v.start_verification(s, client_id, "bea@example.com", now=NOW)
        assert isinstance(sent, v.CodeToSend)
        await enqueue_message(s, platform="email", chat_id=sent.email, payload=client_message(sent.code))
    async with db.unit_of_work() as s:
        report = await erase_client(s, client_id, actor="admin")
        assert report.erased["email_verifications"] == 1 and report.erased["outbound_messages"] == 1
        assert (await s.scalars(select(OutboundMessage))).all() == []
