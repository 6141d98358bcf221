"""COACH_RETENTION_CLOSED_CLIENTS_DAYS: a client with nothing open (no pending, active or paused
enrollment, no running subscription) and nothing new for that long is erased, files and all; anyone
still enrolled, paying or recently active is kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from domain.db import Database
from domain.models import AuditEvent, CheckIn, Client, Enrollment, OutboundMessage, StoredFile, Subscription
from domain.models.enums import ClientStatus, EnrollmentStatus
from domain.services import coaches
from domain.services.clients import register_client
from domain.services.files import write_stored_file
from domain.services.retention import erase_closed_clients

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DAYS = 365


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


async def business(db: Database, storage: Path) -> dict[str, int]:
    """Clients in every state, each named for what should happen to them."""
    async with db.unit_of_work() as s:
        coach = await coaches.create_coach(s, name="Ada Coach", email="ada@example.com", slack_user_id="UADA")
        program = await coaches.create_program(
            s, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        ids: dict[str, int] = {}
        for n, name in enumerate(
            ["gone_cancelled", "gone_never_enrolled", "kept_active", "kept_recent", "kept_paying", "kept_new"]
        ):
            client = await register_client(
                s,
                platform="telegram",
                external_user_id=str(7000 + n),
                chat_id=str(7000 + n),
                display_name=f"Pat {name}",
                coach_id=coach.id,
            )
            client.created_at = ago(40) if name == "kept_new" else ago(500)
            ids[name] = client.id

        def enrollment(name: str, status: EnrollmentStatus, updated: int) -> Enrollment:
            return Enrollment(
                client_id=ids[name], program_id=program.id, status=status, updated_at=ago(updated)
            )

        s.add_all(
            [
                enrollment("gone_cancelled", EnrollmentStatus.CANCELLED, 400),
                enrollment("kept_active", EnrollmentStatus.ACTIVE, 400),  # enrolled, however quiet
                enrollment("kept_recent", EnrollmentStatus.COMPLETED, 400),
                enrollment("kept_paying", EnrollmentStatus.COMPLETED, 400),
                CheckIn(
                    client_id=ids["gone_cancelled"],
                    mood=5,
                    energy=5,
                    sleep_hours=7,
                    adherence="yes",
                    source_channel="telegram",
                    note="old news",
                    created_at=ago(450),
                ),
                CheckIn(
                    client_id=ids["kept_recent"],
                    mood=5,
                    energy=5,
                    sleep_hours=7,
                    adherence="yes",
                    source_channel="telegram",
                    note="back at it",
                    created_at=ago(10),
                ),
                Subscription(
                    client_id=ids["kept_paying"],
                    provider_subscription_id="sub_1",
                    status="active",
                    amount_minor=5000,
                    currency="usd",
                ),
            ]
        )
        path = storage / "telegram" / "old.jpg"
        await asyncio.to_thread(write_stored_file, path, b"\xff\xd8 old photo")
        s.add(
            StoredFile(
                client_id=ids["gone_cancelled"],
                platform="telegram",
                file_id="f1",
                kind="photo",
                path=str(path),
                created_at=ago(450),
            )
        )
    return ids


async def test_closed_clients_idle_past_the_policy_are_erased_with_their_files(
    db: Database, tmp_path: Path
) -> None:
    storage = tmp_path / "files"
    ids = await business(db, storage)
    assert await erase_closed_clients(db, now=NOW, days=0, storage_dir=storage) == 0  # 0 keeps them

    assert await erase_closed_clients(db, now=NOW, days=DAYS, storage_dir=storage, batch_size=1) == 2
    async with db.sessions() as s:
        left = set((await s.scalars(select(Client.id).where(Client.status != ClientStatus.ERASED))).all())
        assert left == {ids[name] for name in ids if name.startswith("kept_")}
        events = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "client.erased"))).all()
        assert sorted(e.subject for e in events) == sorted(
            f"client:{ids[n]}" for n in ("gone_cancelled", "gone_never_enrolled")
        )
        assert {e.actor for e in events} == {"system:retention"}
        notices = [str(m.payload.get("text")) for m in (await s.scalars(select(OutboundMessage))).all()]
        assert len(notices) == 2 and all(f"for {DAYS} days since it closed" in n for n in notices)
        assert (await s.scalars(select(StoredFile))).all() == []
    assert not (storage / "telegram" / "old.jpg").exists()

    assert await erase_closed_clients(db, now=NOW, days=DAYS, storage_dir=storage) == 0  # nothing left
