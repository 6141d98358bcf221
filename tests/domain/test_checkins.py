"""Bulk loading check-ins (history, benchmarks): every row stored as given, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import JSON, Text, insert, select, type_coerce

from domain.crypto import PREFIX
from domain.db import Database
from domain.keysets import analyze
from domain.models import CheckIn, Client
from domain.services import checkins
from domain.services.checkins import (
    bulk_load_check_ins,
    check_in_streak,
    check_in_streaks,
    check_in_values,
    latest_check_ins,
    recent_check_ins,
)


async def test_bulk_load_stores_every_row_as_given(db: Database) -> None:
    async with db.unit_of_work() as session:
        client_id = (
            await session.execute(insert(Client).returning(Client.id), [{"display_name": "Ada"}])
        ).scalar_one()
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    rows = [
        check_in_values(
            client_id=client_id,
            mood=1 + day % 10,
            energy=5,
            sleep_hours=7.5,
            adherence="yes",
            note=f"day {day}" if day % 2 else None,
            attachments=[{"kind": "photo", "file_name": f"plate {day}.jpg"}] if day % 3 == 0 else None,
            source_channel="import",
            at=start + timedelta(days=day),
        )
        for day in range(30)
    ]
    async with db.engine.begin() as conn:
        assert await bulk_load_check_ins(conn, rows) == 30
        assert await bulk_load_check_ins(conn, []) == 0
        await analyze(conn, ["check_ins"])
    async with db.unit_of_work() as session:
        stored = (await session.scalars(select(CheckIn).order_by(CheckIn.created_at))).all()
    assert [(c.mood, c.note, c.created_at, c.attachments) for c in stored] == [
        (r["mood"], r["note"], r["created_at"], r["attachments"]) for r in rows
    ]
    async with db.sessions() as session:  # notes are encrypted at rest, COPY or not
        at_rest = (
            await session.scalars(select(type_coerce(CheckIn.note, Text())).where(CheckIn.note.is_not(None)))
        ).all()
    # The plain notes hold a space, which no ciphertext (URL-safe base64) can: a random token may
    # well contain "day", never "day 1".
    notes = [r["note"] for r in rows if r["note"]]
    assert len(at_rest) == 15 and all(
        n.startswith(PREFIX) and not any(p in n for p in notes) for n in at_rest
    )
    async with db.sessions() as session:  # and so are the names of attached files
        attached = (await session.scalars(select(type_coerce(CheckIn.attachments, JSON())))).all()
    assert sum(1 for a in attached if a) == 10
    names = [f["file_name"] for r in rows for f in r["attachments"] or ()]
    assert all(a == [] or (set(a) == {"$enc"} and not any(f in a["$enc"] for f in names)) for a in attached)


async def _clients_with_histories(db: Database, histories: dict[str, list[datetime]]) -> dict[str, int]:
    """One client per (timezone-prefixed) name, with check-ins at the given instants."""
    ids = {}
    async with db.engine.begin() as conn:
        for name in histories:
            ids[name] = (
                await conn.execute(
                    insert(Client).returning(Client.id),
                    [{"display_name": name, "timezone": name.split(" ")[0]}],
                )
            ).scalar_one()
        rows = [
            check_in_values(
                client_id=ids[name],
                mood=1 + n % 10,
                energy=5,
                sleep_hours=7.0,
                adherence="yes",
                note=None,
                attachments=None,
                source_channel="telegram",
                at=at,
            )
            for name, instants in histories.items()
            for n, at in enumerate(instants)
        ]
        await bulk_load_check_ins(conn, rows)
    return ids


async def test_streaks_for_a_roster_count_as_one_clients_streak_however_long(db: Database) -> None:
    """Short streaks come from the first fortnight read; long ones (past 14, 56, 224 days and past the
    400-day window) from wider reads; each equals the one-client count over the whole window."""
    now = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    daily = [now - timedelta(days=d, hours=1) for d in range(0, 500)]
    histories = {
        "UTC never": [],
        "UTC today only": daily[:1],
        "UTC yesterday and before": daily[1:5],
        "UTC broken two days ago": daily[3:30],
        "Pacific/Kiritimati 13": daily[:13],
        "Pacific/Kiritimati 14": daily[:14],
        "America/Los_Angeles 15": daily[:15],
        "Asia/Tokyo 60": daily[:60],
        "Europe/Berlin 230": daily[:230],
        "UTC 500 (capped at the window)": daily,
        "UTC twice a day": [*daily[:20], *(at - timedelta(hours=6) for at in daily[:20])],
    }
    ids = await _clients_with_histories(db, histories)
    async with db.sessions() as session:
        together = await check_in_streaks(session, [(i, n.split(" ")[0]) for n, i in ids.items()], now=now)
        one_by_one = {i: await check_in_streak(session, i, now=now) for i in ids.values()}
    expected = {
        "UTC never": 0,
        "UTC today only": 1,
        "UTC yesterday and before": 4,
        "UTC broken two days ago": 0,
        "Pacific/Kiritimati 13": 13,
        "Pacific/Kiritimati 14": 14,
        "America/Los_Angeles 15": 15,
        "Asia/Tokyo 60": 60,
        "Europe/Berlin 230": 230,
        "UTC 500 (capped at the window)": 400,
        "UTC twice a day": 20,
    }
    assert {n: together[i] for n, i in ids.items()} == expected
    assert together == one_by_one


async def test_latest_check_ins_of_a_roster_in_two_queries(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    long_ago = at - timedelta(days=90)
    ids = await _clients_with_histories(
        db,
        {
            "UTC a": [at - timedelta(days=2), at],
            "UTC b": [at, at],  # a tie on the time
            "UTC quiet": [long_ago - timedelta(days=1), long_ago],
            "UTC none": [],
        },
    )
    async with db.sessions() as session:
        latest = await latest_check_ins(session, list(ids.values()))
        newest_b = (await recent_check_ins(session, ids["UTC b"], limit=1))[0]
    assert latest == {
        ids["UTC a"]: (at, 2),
        ids["UTC b"]: (at, newest_b.mood),
        ids["UTC quiet"]: (long_ago, 2),
    }
    assert newest_b.mood == 2  # the later row of the tie
    monkeypatch.setattr(checkins, "LATEST_PAGE", 1)  # a roster larger than one statement's page
    async with db.sessions() as session:
        assert await latest_check_ins(session, list(ids.values())) == latest


async def test_notes_languages_are_detected_off_the_loop_and_stored(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both writers (the engine's batch INSERT and the bulk load) store each note's language code,
    detected in a worker thread, once; a row that already has one is not detected again."""
    import threading

    detected: list[tuple[str, bool]] = []
    real = checkins.note_language

    def spy(text: str) -> str:
        detected.append((text, threading.current_thread() is threading.main_thread()))
        return real(text)

    monkeypatch.setattr(checkins, "note_language", spy)
    async with db.unit_of_work() as session:
        client_id = (
            await session.execute(insert(Client).returning(Client.id), [{"display_name": "Ada"}])
        ).scalar_one()
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    notes = [
        "Great run today, I feel amazing!",
        "Heute war ein wirklich schlechter Tag, ich bin sehr müde.",
        None,
        "Сегодня был тяжёлый день",
    ]
    rows = [
        check_in_values(
            client_id=client_id,
            mood=5,
            energy=5,
            sleep_hours=7,
            adherence="yes",
            note=note,
            source_channel="telegram",
            at=start + timedelta(days=n),
        )
        for n, note in enumerate(notes)
    ]
    already = {**rows[0], "note_language": "en", "created_at": start + timedelta(days=10)}
    async with db.engine.begin() as conn:
        await checkins.insert_check_ins(conn, rows[:2])
        await bulk_load_check_ins(conn, [*rows[2:], already])
    async with db.unit_of_work() as session:
        stored = (await session.execute(select(CheckIn.note_language).order_by(CheckIn.created_at))).scalars()
        assert list(stored) == ["en", "de", None, "ru", "en"]
    assert [text for text, _ in detected] == [n for n in notes if n]  # the row with a code: not again
    assert not any(on_main for _, on_main in detected)


async def test_a_big_load_is_detected_a_chunk_at_a_time_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """with_note_languages (called before a load's transaction) hands the detector a bounded chunk of
    distinct notes per worker-thread call, so the event loop gets turns between chunks; rows keep
    their order."""
    import threading

    calls: list[tuple[int, bool]] = []
    real = checkins.note_languages

    def spy(notes: list[str]) -> list[str]:
        calls.append((len(notes), threading.current_thread() is threading.main_thread()))
        return real(notes)

    monkeypatch.setattr(checkins, "note_languages", spy)
    monkeypatch.setattr(checkins, "DETECT_CHUNK", 2)
    notes = [
        "Great run today, I feel amazing!",
        None,
        "Сегодня был тяжёлый день",
        "Muy cansada hoy, dormí poco",
    ]
    rows = [
        {"note": note, "note_language": "xx" if n == 0 else None} for n, note in enumerate([*notes, *notes])
    ]
    filled = await checkins.with_note_languages(rows)
    assert [row["note_language"] for row in filled] == ["xx", None, "ru", "es", "en", None, "ru", "es"]
    assert calls == [(2, False), (1, False)]  # each distinct note once: ru, es, then en


async def test_backfill_fills_old_notes_in_batches_and_keeps_stored_ones(db: Database) -> None:
    async with db.unit_of_work() as session:
        client_id = (
            await session.execute(insert(Client).returning(Client.id), [{"display_name": "Ada"}])
        ).scalar_one()
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    notes = [
        "Great run today, I feel amazing!",
        None,
        "Heute war ein wirklich schlechter Tag, ich bin sehr müde.",
    ]
    rows = [
        {
            **check_in_values(
                client_id=client_id,
                mood=5,
                energy=5,
                sleep_hours=7,
                adherence="yes",
                note=notes[n % 3],
                source_channel="telegram",
                at=start + timedelta(hours=n),
            ),
            "note_language": "xx" if n == 3 else None,
        }
        for n in range(7)
    ]
    async with db.engine.begin() as conn:  # as written before migration 0034: no language
        await conn.execute(insert(CheckIn), rows)
    seen: list[int] = []
    assert await checkins.backfill_note_languages(db, batch_size=2, progress=seen.append) == 4
    assert seen == [2, 4]
    async with db.unit_of_work() as session:
        stored = (await session.scalars(select(CheckIn.note_language).order_by(CheckIn.created_at))).all()
    assert list(stored) == ["en", None, "de", "xx", None, "de", "en"]
    assert await checkins.backfill_note_languages(db) == 0
