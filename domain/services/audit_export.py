"""The audit log as CSV: every matching event, newest first, read in keyset pages."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import AuditEvent
from domain.services.audit import AUDIT_PAGE_MAX, AuditCursor, AuditFilter, audit_page

AUDIT_CSV_COLUMNS = ("at", "actor", "action", "subject", "count", "details")
# A cell starting with one of these is a formula to a spreadsheet; subjects and details can carry
# text a client wrote, so such cells get a leading apostrophe (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def audit_csv_row(event: AuditEvent) -> list[str]:
    return [
        _cell(value)
        for value in (
            event.at.isoformat(timespec="seconds"),
            event.actor,
            event.action,
            event.subject,
            str(event.count),
            json.dumps(event.details, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
        )
    ]


def _lines(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


async def audit_csv_chunks(
    session: AsyncSession, filters: AuditFilter, *, batch: int = AUDIT_PAGE_MAX
) -> AsyncIterator[str]:
    """The header, then one chunk of CSV lines per page of events, so a long log streams in bounded
    memory."""
    yield _lines([list(AUDIT_CSV_COLUMNS)])
    cursor: AuditCursor | None = None
    while True:
        page = await audit_page(session, filters, after=cursor, limit=batch)
        if page.events:
            yield _lines([audit_csv_row(event) for event in page.events])
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
