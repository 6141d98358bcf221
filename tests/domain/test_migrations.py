"""Migrations run from empty on the backend under test and match the models exactly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from domain.db import Database
from domain.migrate import alembic_config, current_heads, expected_heads, is_up_to_date, upgrade
from domain.models import Base
from tests.support.databases import discard_database_url, new_database_url


async def test_upgrade_from_empty_creates_every_table_and_matches_models(tmp_path: Path) -> None:
    url = await _new_url(tmp_path)
    db = Database(url)
    try:
        assert not await is_up_to_date(db)
        await upgrade(db)
        assert await is_up_to_date(db)
        async with db.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata
                )
            )
        assert set(Base.metadata.tables) <= tables
        assert diff == [], f"models and migrations differ: {diff}"
        await upgrade(db)  # running again is a no-op
        assert await is_up_to_date(db)
    finally:
        await db.dispose()
        await _discard(url)


def test_there_is_at_least_one_head() -> None:
    assert expected_heads()


async def test_purged_columns_index_is_dropped_by_its_downgrade_and_restored(tmp_path: Path) -> None:
    """0008 indexes provider_events.received_at and stored_files.created_at (the retention purge
    deletes by them); its downgrade removes those indexes alone and the next upgrade brings them back."""
    url = await _new_url(tmp_path)
    db = Database(url)
    try:
        await upgrade(db)
        assert "ix_provider_events_received_at" in await _index_names(db, "provider_events")
        assert "ix_stored_files_created_at" in await _index_names(db, "stored_files")
        assert "ix_processed_messages_created_at" in await _index_names(db, "processed_messages")

        config = alembic_config(url)

        def _downgrade(sync_conn: object) -> None:
            config.attributes["connection"] = sync_conn
            command.downgrade(config, "0008@0001")

        async with db.engine.begin() as conn:
            await conn.run_sync(_downgrade)
        async with db.engine.connect() as conn:
            heads = await current_heads(conn)
        assert "0008" not in heads
        assert heads == expected_heads() - {"0008"}  # the other branches stay applied
        assert "ix_provider_events_received_at" not in await _index_names(db, "provider_events")
        assert "ix_stored_files_created_at" not in await _index_names(db, "stored_files")

        await upgrade(db)
        assert await is_up_to_date(db)
        assert "ix_provider_events_received_at" in await _index_names(db, "provider_events")
        assert "ix_stored_files_created_at" in await _index_names(db, "stored_files")
    finally:
        await db.dispose()
        await _discard(url)


async def test_outbox_rows_queued_before_0033_keep_their_client_for_erasure(tmp_path: Path) -> None:
    """0033 copies a plain payload's ``client_id`` into the new column: the payload is encrypted from
    then on, and erasure finds a client's notices by the column."""
    url = await _new_url(tmp_path)
    db = Database(url)
    try:
        await upgrade(db)
        config = alembic_config(url)

        def _migrate(to: str) -> Callable[[object], None]:
            def run(sync_conn: object) -> None:
                config.attributes["connection"] = sync_conn
                (command.downgrade if to.endswith("0001") else command.upgrade)(config, to)

            return run

        async with db.engine.begin() as conn:
            await conn.run_sync(_migrate("0033@0001"))
            for n, payload in enumerate(
                ['{"type": "coach_notice", "client_id": 7}', '{"client_id": "7"}', "{}"]
            ):
                await conn.execute(
                    text(
                        "INSERT INTO outbound_messages (platform, chat_id, payload, status, attempts, "
                        "next_attempt_at, created_at) VALUES ('slack', :chat, :payload, 'sent', 1, "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"chat": f"U{n}", "payload": payload},
                )
        await upgrade(db)
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT chat_id, client_id FROM outbound_messages"))).all()
        assert sorted(rows) == [("U0", 7), ("U1", None), ("U2", None)]
    finally:
        await db.dispose()
        await _discard(url)


async def test_extra_sessions_bought_before_0035_are_marked_by_the_coach_setting(tmp_path: Path) -> None:
    """0035 marks enrollments in a coach's current ``extra_session_program`` as purchases (analytics
    skip them); enrollments in the coach's other programs stay programs."""
    from domain.booking.availability import parse_availability
    from domain.services import booking as bookings
    from domain.services.clients import register_client
    from domain.services.coaches import create_coach, create_program, publish_program
    from domain.services.enrollments import enroll

    url = await _new_url(tmp_path)
    db = Database(url)
    try:
        await upgrade(db)
        async with db.unit_of_work() as session:
            coach = await create_coach(session, name="Ada", email="ada@example.com", slack_user_id="UADA")
            programs = [
                await create_program(session, coach_id=coach.id, name=name, price_minor=6000, currency="usd")
                for name in ("Run 10k", "One more session")
            ]
            for program in programs:
                await publish_program(session, program.id)
            hours = parse_availability(
                f'timezone: UTC\nextra_session_program: {programs[1].id}\nweekly:\n  monday: ["09:00-11:00"]\n'
            )
            await bookings.set_availability(session, coach.id, hours, actor="test")
            client = await register_client(
                session, platform="console", external_user_id="sam", chat_id="sam", display_name="Sam"
            )
            for program in programs:
                await enroll(session, client_id=client.id, program_id=program.id)
        config = alembic_config(url)

        def _downgrade(sync_conn: object) -> None:
            config.attributes["connection"] = sync_conn
            command.downgrade(config, "0035@0001")

        async with db.engine.begin() as conn:
            await conn.run_sync(_downgrade)
        await upgrade(db)
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(text("SELECT program_id, extra_session FROM enrollments ORDER BY id"))
            ).all()
        assert [(program_id, bool(extra)) for program_id, extra in rows] == [
            (programs[0].id, False),
            (programs[1].id, True),
        ]
    finally:
        await db.dispose()
        await _discard(url)


async def _index_names(db: Database, table: str) -> set[str]:
    async with db.engine.connect() as conn:
        indexes = await conn.run_sync(lambda c: inspect(c).get_indexes(table))
    return {str(index["name"]) for index in indexes}


async def _new_url(tmp_path: Path) -> str:
    import asyncio

    return await asyncio.to_thread(new_database_url, tmp_path)


async def _discard(url: str) -> None:
    import asyncio

    await asyncio.to_thread(discard_database_url, url)
