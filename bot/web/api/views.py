"""Domain rows as the API's JSON objects (the shapes ``openapi.yaml`` names)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.models import AuditEvent, CheckIn, Client, Coach, Goal, Message, Program, ProgramVersion
from domain.money import format_money
from domain.services.clients import ClientOverview
from domain.services.program_overview import ProgramRow, VersionRow

JSON = dict[str, Any]


def instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def coach_json(coach: Coach) -> JSON:
    return {
        "id": coach.id,
        "name": coach.name,
        "email": coach.email,
        "role": coach.role,
        "timezone": coach.timezone,
        "digest_time": coach.digest_time,
        "digest_cadence": coach.digest_cadence,
        "capacity": coach.capacity,
    }


def client_summary_json(row: ClientOverview) -> JSON:
    client = row.client
    return {
        "id": client.id,
        "name": client.display_name,
        "coach_id": client.coach_id,
        "status": client.status,
        "last_check_in_at": instant(row.last_check_in_at),
        "check_ins": row.check_in_count,
    }


def client_json(client: Client, *, streak: int, check_ins: int) -> JSON:
    return {
        "id": client.id,
        "name": client.display_name,
        "coach_id": client.coach_id,
        "status": client.status,
        "timezone": client.timezone,
        "locale": client.locale,
        "email": client.email,
        "checkin_cadence": client.checkin_cadence,
        "checkin_time": client.checkin_time,
        "paused_until": instant(client.paused_until),
        "created_at": instant(client.created_at),
        "streak_days": streak,
        "check_ins": check_ins,
    }


def check_in_json(check_in: CheckIn) -> JSON:
    return {
        "id": check_in.id,
        "at": instant(check_in.created_at),
        "mood": check_in.mood,
        "energy": check_in.energy,
        "sleep_hours": check_in.sleep_hours,
        "adherence": check_in.adherence,
        "goal_progress": check_in.goal_progress,
        "note": check_in.note,
    }


def goal_json(goal: Goal) -> JSON:
    return {
        "id": goal.id,
        "text": goal.text,
        "status": goal.status,
        "source": goal.source,
        "metric": goal.metric,
        "target": goal.target,
        "unit": goal.unit,
        "due_date": day(goal.due_date),
        "progress": goal.progress,
        "created_at": instant(goal.created_at),
    }


def message_json(message: Message) -> JSON:
    return {
        "id": message.id,
        "direction": message.direction,
        "channel": message.channel,
        "text": message.text,
        "files": len(message.attachments or []),
        "at": instant(message.created_at),
    }


def program_summary_json(row: ProgramRow) -> JSON:
    program = row.program
    return {
        "id": program.id,
        "name": program.name,
        "coach_id": program.coach_id,
        "published": program.published,
        "price_minor": program.price_minor,
        "price": format_money(program.price_minor, program.currency),
        "currency": program.currency,
        "billing": program.billing,
        "weeks": program.duration_weeks,
        "published_version": row.published_version,
        "latest_version": row.latest_version,
        "enrolled": row.enrolled,
    }


def version_json(row: VersionRow) -> JSON:
    version: ProgramVersion = row.version
    return {
        "number": version.number,
        "status": version.status,
        "steps": row.steps,
        "weeks": version.weeks,
        "enrolled": row.enrolled,
        "published_at": instant(version.published_at),
        "publish_note": version.publish_note,
    }


def program_json(program: Program, summary: ProgramRow, versions: list[VersionRow]) -> JSON:
    return {
        **program_summary_json(summary),
        "description": program.description,
        "versions": [version_json(v) for v in versions],
    }


def audit_event_json(event: AuditEvent) -> JSON:
    return {
        "id": event.id,
        "at": instant(event.at),
        "actor": event.actor,
        "action": event.action,
        "subject": event.subject,
        "count": event.count,
        "details": event.details,
    }
