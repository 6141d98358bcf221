"""Importing past check-ins (CSV or JSON lines) from spreadsheets or another platform.

Every row is checked with the domain rules; rejected rows are reported with their line numbers and the
rest are imported chunk by chunk (:data:`CHUNK_ROWS` rows per transaction, a few statements each:
clients looked up and created together, duplicates found with one query, check-ins inserted with one
INSERT). Re-importing the same file adds nothing (a check-in is the same when client and instant
match), so an import stopped half-way is finished by running it again.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.clock import ensure_utc
from domain.db import Database
from domain.errors import DomainError, ValidationError
from domain.keysets import among, analyze, pairs_among
from domain.models import ChannelIdentity, CheckIn, Client, Goal
from domain.models.enums import GoalStatus
from domain.services.checkins import (
    bulk_load_check_ins,
    check_in_values,
    languages_of_notes,
    update_goal_progress_from,
)
from domain.services.clients import IdentityRef, NewClient, register_clients

IMPORT_SOURCE_CHANNEL = "import"
IMPORT_CONSENT_NOTE = "created by a check-in history import; consent was collected by the coach beforehand"

# Accepted spellings of each column (spreadsheets rarely agree on headers).
_COLUMNS = {
    "identity": ("identity", "platform:id", "platform_id"),
    "name": ("name", "client name", "client_name", "display_name"),
    "timezone": ("timezone", "tz", "time zone"),
    "timestamp": ("timestamp", "at", "time", "created_at", "date"),
    "mood": ("mood",),
    "energy": ("energy",),
    "sleep_hours": ("sleep_hours", "sleep hours", "sleep"),
    "adherence": ("adherence",),
    "goal_progress": ("goal_progress", "goal progress", "progress"),
    "note": ("note", "notes"),
    "cadence": ("cadence", "checkin_cadence"),
}
_Value = TypeVar("_Value")
REQUIRED = ("identity", "timestamp", "mood", "energy", "sleep_hours", "adherence")


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    identity: IdentityRef
    name: str | None
    timezone: str | None
    at: datetime | str
    """An aware instant, or a naive ISO text read in the client's timezone once it is known."""
    mood: int
    energy: int
    sleep_hours: float
    adherence: str
    goal_progress: int | None
    note: str | None
    cadence: str | None = None


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    clients_created: list[str] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    dry_run: bool = False
    imported_client_ids: set[int] = field(default_factory=set)


def _normalise(record: dict[str, Any]) -> dict[str, Any]:
    lowered = {str(k).strip().lower(): v for k, v in record.items() if k is not None}
    out: dict[str, Any] = {}
    for name, spellings in _COLUMNS.items():
        for spelling in spellings:
            if spelling in lowered and lowered[spelling] not in (None, ""):
                out[name] = lowered[spelling]
                break
    return out


def _whole(field_name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValidationError(f"{field_name} must be a whole number", field=field_name)


def _number(field_name: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            pass
    raise ValidationError(f"{field_name} must be a number", field=field_name)


def _instant(value: Any) -> datetime | str:
    if not isinstance(value, str):
        raise ValidationError("timestamp must be an ISO 8601 date and time", field="timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("timestamp must be an ISO 8601 date and time", field="timestamp") from None
    return ensure_utc(parsed) if parsed.tzinfo else parsed.isoformat()


def _read(
    field_name: str, value: Any, read: Callable[[str], _Value] | None, fallback: Callable[[str, Any], _Value]
) -> _Value:
    """A typed answer read by the chat's parser when one is given; numbers in JSON as they are."""
    if read is not None and isinstance(value, str):
        try:
            return read(value)
        except ValueError as exc:
            hint = getattr(exc, "hint", None) or str(exc)
            raise ValidationError(f"{field_name}: {hint}", field=field_name) from None
    return fallback(field_name, value)


def _text(_field_name: str, value: Any) -> str:
    return str(value).strip().lower()


def parse_record(line: int, record: dict[str, Any], reader: AnswerReader | None = None) -> ImportRow:
    """One row checked with the domain rules; raises :class:`ValidationError` naming the problem.

    With a ``reader`` (the chat's parsers) values are read as a client types them: ``7h30`` hours of
    sleep, ``eight`` for a mood, ``mostly`` for adherence."""
    data = _normalise(record)
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise ValidationError(f"missing {', '.join(missing)}", field=missing[0])
    identity = IdentityRef.parse(str(data["identity"]).strip())
    name = rules.check_name(str(data["name"]), "client name") if "name" in data else None
    timezone = rules.check_timezone(str(data["timezone"]).strip()) if "timezone" in data else None
    progress = data.get("goal_progress")
    low_mood, high_mood = rules.MOOD_RANGE
    low_energy, high_energy = rules.ENERGY_RANGE
    mood = _read(
        "mood", data["mood"], (lambda t: reader.scale(t, low_mood, high_mood)) if reader else None, _whole
    )
    energy = _read(
        "energy",
        data["energy"],
        (lambda t: reader.scale(t, low_energy, high_energy)) if reader else None,
        _whole,
    )
    sleep = _read("sleep hours", data["sleep_hours"], reader.sleep_hours if reader else None, _number)
    adherence = _read("adherence", data["adherence"], reader.adherence if reader else None, _text)
    return ImportRow(
        line=line,
        identity=identity,
        name=name,
        timezone=timezone,
        at=_instant(data["timestamp"]),
        mood=rules.check_scale("mood", mood, rules.MOOD_RANGE),
        energy=rules.check_scale("energy", energy, rules.ENERGY_RANGE),
        sleep_hours=rules.check_sleep_hours(sleep),
        adherence=rules.check_adherence(adherence),
        goal_progress=None
        if progress is None
        else rules.check_scale(
            "goal progress",
            _read("goal progress", progress, reader.percent if reader else None, _whole),
            rules.PROGRESS_RANGE,
        ),
        note=rules.check_note(str(data["note"])) if "note" in data else None,
        cadence=rules.check_cadence(str(data["cadence"]).strip().lower()) if "cadence" in data else None,
    )


def read_records(text: str, *, kind: str) -> list[tuple[int, dict[str, Any] | str]]:
    """(line number, record) pairs; a record that cannot even be read is its error text instead."""
    records: list[tuple[int, dict[str, Any] | str]] = []
    if kind == "jsonl":
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                records.append((number, f"not valid JSON ({exc.msg})"))
                continue
            records.append((number, value if isinstance(value, dict) else "a line must be a JSON object"))
        return records
    reader = csv.DictReader(io.StringIO(text))
    start = 2
    for record in reader:
        if any(v not in (None, "") for v in record.values()):
            records.append((start, dict(record)))
        start = reader.line_num + 1
    return records


def guess_kind(filename: str, text: str) -> str:
    if filename.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if filename.endswith(".csv"):
        return "csv"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


class AnswerReader(Protocol):
    """Reads what a person typed into a value, or raises ``ValueError`` (e.g. ``ParseError``) with a
    hint. The CLI passes the chat's own parsers (``conversations.parsing``), so an import reads
    ``7h30`` and ``eight`` exactly as a check-in in chat does."""

    def scale(self, text: str, low: int, high: int) -> int: ...

    def sleep_hours(self, text: str) -> float: ...

    def adherence(self, text: str) -> str: ...

    def percent(self, text: str) -> int: ...


# Rows written per transaction: big enough for few round trips, small enough to show progress and
# to keep what a failure rolls back small (a re-import skips what was committed).
CHUNK_ROWS = 1_000

Progress = Callable[[int, int], None]
"""Called after each chunk with the rows handled so far and the rows to handle in all."""


def _resolve_instant(row: ImportRow, zone: str, now: datetime) -> datetime:
    at = row.at
    if isinstance(at, str):
        at = datetime.fromisoformat(at).replace(tzinfo=ZoneInfo(zone))
    at = ensure_utc(at)
    if at > now:
        raise ValidationError("timestamp is in the future", field="timestamp")
    return at


async def _import_chunk(
    session: AsyncSession,
    rows: Sequence[ImportRow],
    coach_id: int | None,
    now: datetime,
    report: ImportReport,
    note_languages: Mapping[str, str] | None = None,
) -> None:
    """One chunk with a handful of statements: find the clients, create the missing ones together,
    skip check-ins already stored, insert the rest with one INSERT."""
    conn = await session.connection()
    dialect = conn.dialect.name
    keys = sorted({(r.identity.platform, r.identity.external_user_id) for r in rows})
    known: dict[tuple[str, str], tuple[int, str]] = {
        (platform, external): (client_id, zone)
        for platform, external, client_id, zone in await conn.execute(
            select(ChannelIdentity.platform, ChannelIdentity.external_user_id, Client.id, Client.timezone)
            .join(Client, Client.id == ChannelIdentity.client_id)
            .where(
                pairs_among(
                    ChannelIdentity.platform.expression,
                    ChannelIdentity.external_user_id.expression,
                    keys,
                    dialect,
                )
            )
        )
    }
    # Clients to create: the first row naming each new identity gives its name, timezone and cadence.
    new: dict[tuple[str, str], ImportRow] = {}
    for row in rows:
        key = (row.identity.platform, row.identity.external_user_id)
        if key not in known and key not in new and row.name is not None:
            new[key] = row
    if new:
        created = await register_clients(
            session,
            [
                NewClient(
                    platform=key[0],
                    external_user_id=key[1],
                    chat_id=key[1],
                    display_name=row.name or "",
                    timezone=row.timezone or "UTC",
                    checkin_cadence=row.cadence,
                )
                for key, row in new.items()
            ],
            coach_id=coach_id,
            consent_note=IMPORT_CONSENT_NOTE,
        )
        for (key, row), client_id in zip(new.items(), created, strict=True):
            known[key] = (client_id, row.timezone or "UTC")
            report.clients_created.append(f"{key[0]}:{key[1]}")
    placed: list[tuple[ImportRow, int, datetime]] = []
    for row in rows:
        key = (row.identity.platform, row.identity.external_user_id)
        try:
            if key not in known:
                raise ValidationError("a new client needs a client name", field="name")
            client_id, zone = known[key]
            placed.append((row, client_id, _resolve_instant(row, zone, now)))
        except DomainError as exc:
            report.rejected.append(RejectedRow(row.line, exc.message))
    if not placed:
        return
    client_ids = sorted({client_id for _, client_id, _ in placed})
    first, last = min(at for *_, at in placed), max(at for *_, at in placed)
    stored = {
        (client_id, ensure_utc(at))
        for client_id, at in await conn.execute(
            select(CheckIn.client_id, CheckIn.created_at).where(
                among(CheckIn.client_id.expression, client_ids, dialect),
                CheckIn.created_at >= first,
                CheckIn.created_at <= last,
            )
        )
    }
    goals: dict[int, int] = {}
    if any(row.goal_progress is not None for row, _, _ in placed):
        for client_id, goal_id in await conn.execute(
            select(Goal.client_id, func.max(Goal.id))
            .where(among(Goal.client_id.expression, client_ids, dialect), Goal.status == GoalStatus.ACTIVE)
            .group_by(Goal.client_id)
        ):
            goals[client_id] = goal_id
    values: list[dict[str, Any]] = []
    for row, client_id, at in placed:
        if (client_id, at) in stored:
            report.duplicates += 1
            continue
        stored.add((client_id, at))
        values.append(
            check_in_values(
                client_id=client_id,
                mood=row.mood,
                energy=row.energy,
                sleep_hours=row.sleep_hours,
                adherence=row.adherence,
                goal_progress=row.goal_progress,
                goal_id=goals.get(client_id) if row.goal_progress is not None else None,
                note=row.note,
                source_channel=IMPORT_SOURCE_CHANNEL,
                at=at,
            )
        )
        if values[-1]["note"] is not None and note_languages:
            values[-1]["note_language"] = note_languages.get(values[-1]["note"])
        report.imported_client_ids.add(client_id)
    if values:
        # No ids are needed back: a bulk load (COPY on PostgreSQL), then the goals' progress.
        await bulk_load_check_ins(conn, values)
        await update_goal_progress_from(conn, values)
        report.imported += len(values)


class _RememberingReader:
    """A reader that reads each distinct text once: a history repeats the same few values ("7",
    "7h30", "yes") thousands of times, and the chat's parsers are written for one answer at a time."""

    def __init__(self, reader: AnswerReader) -> None:
        self.reader = reader
        self._seen: dict[tuple[str, str, int, int], Any] = {}

    def _once(self, kind: str, text: str, read: Callable[[], Any], low: int = 0, high: int = 0) -> Any:
        key = (kind, text, low, high)
        if key not in self._seen:
            try:
                self._seen[key] = read()
            except ValueError as exc:
                self._seen[key] = exc
        found = self._seen[key]
        if isinstance(found, ValueError):
            raise found
        return found

    def scale(self, text: str, low: int, high: int) -> int:
        return int(self._once("scale", text, lambda: self.reader.scale(text, low, high), low, high))

    def sleep_hours(self, text: str) -> float:
        return float(self._once("sleep", text, lambda: self.reader.sleep_hours(text)))

    def adherence(self, text: str) -> str:
        return str(self._once("adherence", text, lambda: self.reader.adherence(text)))

    def percent(self, text: str) -> int:
        return int(self._once("percent", text, lambda: self.reader.percent(text)))


def parse_rows(
    text: str, *, kind: str, reader: AnswerReader | None = None, report: ImportReport
) -> list[ImportRow]:
    """Every row checked with the domain rules; rejected ones go to ``report`` with their line."""
    reader = _RememberingReader(reader) if reader is not None else None
    rows: list[ImportRow] = []
    for line, record in read_records(text, kind=kind):
        report.rows += 1
        if isinstance(record, str):
            report.rejected.append(RejectedRow(line, record))
            continue
        try:
            rows.append(parse_record(line, record, reader))
        except DomainError as exc:
            report.rejected.append(RejectedRow(line, exc.message))
    return rows


async def import_check_ins(
    session: AsyncSession,
    text: str,
    *,
    kind: str,
    coach_id: int | None = None,
    now: datetime,
    dry_run: bool = False,
    reader: AnswerReader | None = None,
) -> ImportReport:
    """Validate and add every good row inside the caller's transaction (the caller rolls back a dry run)."""
    report = ImportReport(dry_run=dry_run)
    rows = parse_rows(text, kind=kind, reader=reader, report=report)
    for start in range(0, len(rows), CHUNK_ROWS):
        await _import_chunk(session, rows[start : start + CHUNK_ROWS], coach_id, now, report)
    report.rejected.sort(key=lambda r: r.line)
    return report


# An import this large changes the tables enough to refresh the query planner's statistics.
ANALYZE_AFTER_ROWS = 1_000


async def _languages_of(rows: Sequence[ImportRow]) -> dict[str, str]:
    """The notes' languages, detected before the transaction that stores them (keyed by the note as
    check_in_values stores it)."""
    return await languages_of_notes((row.note or "").strip() for row in rows)


class _DryRun(Exception):
    """Raised inside the unit of work to roll a dry run back."""


async def import_file(
    db: Database,
    text: str,
    *,
    kind: str,
    now: datetime,
    coach_id: int | None = None,
    dry_run: bool = False,
    reader: AnswerReader | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a file chunk by chunk, one transaction per :data:`CHUNK_ROWS` rows (a dry run checks
    everything in one transaction and rolls it back). Rows already imported are skipped, so running
    it again after a failure finishes the job."""
    report = ImportReport(dry_run=dry_run)
    rows = parse_rows(text, kind=kind, reader=reader, report=report)
    chunks = [rows[start : start + CHUNK_ROWS] for start in range(0, len(rows), CHUNK_ROWS)]
    done = 0
    if dry_run:
        languages = await _languages_of(rows)
        try:
            async with db.unit_of_work() as session:
                for chunk in chunks:
                    await _import_chunk(session, chunk, coach_id, now, report, languages)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, len(rows))
                raise _DryRun
        except _DryRun:
            pass
    else:
        for chunk in chunks:
            languages = await _languages_of(chunk)
            async with db.unit_of_work() as session:  # one transaction per chunk
                await _import_chunk(session, chunk, coach_id, now, report, languages)
            done += len(chunk)
            if progress is not None:
                progress(done, len(rows))
    report.rejected.sort(key=lambda r: r.line)
    if not dry_run and report.imported >= ANALYZE_AFTER_ROWS:
        # The planner's statistics still describe the tables before the import.
        async with db.unit_of_work() as session:
            await analyze(session, ["check_ins", "clients", "channel_identities"])
    return report
