"""Importing past check-ins (CSV or JSON lines) from spreadsheets or another platform.

Every row is checked with the domain rules; rejected rows are reported with their line numbers and the
rest are imported in one transaction. Re-importing the same file adds nothing (a check-in is the same
when client and instant match).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.clock import ensure_utc
from domain.db import Database
from domain.errors import DomainError, ValidationError
from domain.keysets import analyze
from domain.models import CheckIn, Client, ConsentRecord
from domain.services.checkins import record_check_in
from domain.services.clients import IdentityRef, find_client_by_identity, register_client

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


def parse_record(line: int, record: dict[str, Any]) -> ImportRow:
    """One row checked with the domain rules; raises :class:`ValidationError` naming the problem."""
    data = _normalise(record)
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise ValidationError(f"missing {', '.join(missing)}", field=missing[0])
    identity = IdentityRef.parse(str(data["identity"]).strip())
    name = rules.check_name(str(data["name"]), "client name") if "name" in data else None
    timezone = rules.check_timezone(str(data["timezone"]).strip()) if "timezone" in data else None
    adherence = str(data["adherence"]).strip().lower()
    progress = data.get("goal_progress")
    return ImportRow(
        line=line,
        identity=identity,
        name=name,
        timezone=timezone,
        at=_instant(data["timestamp"]),
        mood=rules.check_scale("mood", _whole("mood", data["mood"]), rules.MOOD_RANGE),
        energy=rules.check_scale("energy", _whole("energy", data["energy"]), rules.ENERGY_RANGE),
        sleep_hours=rules.check_sleep_hours(_number("sleep hours", data["sleep_hours"])),
        adherence=rules.check_adherence(adherence),
        goal_progress=None
        if progress is None
        else rules.check_scale("goal progress", _whole("goal progress", progress), rules.PROGRESS_RANGE),
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


async def _create_client(
    session: AsyncSession, row: ImportRow, coach_id: int | None, report: ImportReport
) -> Client:
    ref = row.identity
    if row.name is None:
        raise ValidationError("a new client needs a client name", field="name")
    client = await register_client(
        session,
        platform=ref.platform,
        external_user_id=ref.external_user_id,
        chat_id=ref.external_user_id,
        display_name=row.name,
        timezone=row.timezone or "UTC",
        coach_id=coach_id,
    )
    if row.cadence:
        client.checkin_cadence = row.cadence
    consent = await session.scalar(select(ConsentRecord).where(ConsentRecord.client_id == client.id))
    if consent is not None:
        consent.note = IMPORT_CONSENT_NOTE
    report.clients_created.append(str(ref))
    return client


async def import_check_ins(
    session: AsyncSession,
    text: str,
    *,
    kind: str,
    coach_id: int | None = None,
    now: datetime,
    dry_run: bool = False,
) -> ImportReport:
    """Validate and add every good row inside the caller's transaction (the caller rolls back a dry run)."""
    report = ImportReport(dry_run=dry_run)
    seen: set[tuple[int, datetime]] = set()
    for line, record in read_records(text, kind=kind):
        report.rows += 1
        if isinstance(record, str):
            report.rejected.append(RejectedRow(line, record))
            continue
        try:
            row = parse_record(line, record)
            # Everything is checked before anything is written, so a rejected row leaves no trace.
            ref = row.identity
            client = await find_client_by_identity(session, ref.platform, ref.external_user_id)
            if client is None and row.name is None:
                raise ValidationError("a new client needs a client name", field="name")
            zone = client.timezone if client is not None else (row.timezone or "UTC")
            at = row.at
            if isinstance(at, str):
                at = datetime.fromisoformat(at).replace(tzinfo=ZoneInfo(zone))
            at = ensure_utc(at)
            if at > now:
                raise ValidationError("timestamp is in the future", field="timestamp")
            if client is not None:
                exists = await session.scalar(
                    select(CheckIn.id).where(CheckIn.client_id == client.id, CheckIn.created_at == at)
                )
                if exists is not None or (client.id, at) in seen:
                    report.duplicates += 1
                    continue
            else:
                client = await _create_client(session, row, coach_id, report)
            seen.add((client.id, at))
            await record_check_in(
                session,
                client_id=client.id,
                mood=row.mood,
                energy=row.energy,
                sleep_hours=row.sleep_hours,
                adherence=row.adherence,
                goal_progress=row.goal_progress,
                note=row.note,
                source_channel=IMPORT_SOURCE_CHANNEL,
                at=at,
            )
            report.imported += 1
            report.imported_client_ids.add(client.id)
        except DomainError as exc:
            report.rejected.append(RejectedRow(line, exc.message))
    return report


# An import this large changes the tables enough to refresh the query planner's statistics.
ANALYZE_AFTER_ROWS = 1_000


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
) -> ImportReport:
    """The whole file in one transaction: good rows are committed together (or rolled back if dry)."""
    report: ImportReport | None = None
    try:
        async with db.unit_of_work() as session:
            report = await import_check_ins(
                session, text, kind=kind, coach_id=coach_id, now=now, dry_run=dry_run
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert report is not None
    if not dry_run and report.imported >= ANALYZE_AFTER_ROWS:
        # The planner's statistics still describe the tables before the import.
        async with db.unit_of_work() as session:
            await analyze(session, ["check_ins", "clients", "channel_identities"])
    return report
