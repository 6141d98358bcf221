"""Tables written as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read it as UTF-8) or XLSX.

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) is written with a leading apostrophe: client-written names and notes are hostile input.
A file is written beside its destination and moved into place at the end, so a failure never leaves a
half-written report.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

Cell = str | int | float | Decimal | date | datetime | None
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TITLE_MAX = 31  # Excel's limit on a sheet name
COLUMN_WIDTH_MAX = 60


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    number_formats: dict[int, str] = field(default_factory=dict)
    """Column index → Excel number format (``0.00``, ``0.0%``…) in the XLSX file."""
    image_png: bytes | None = None
    """A chart placed to the right of the table in the XLSX file."""


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text, never runs: a leading apostrophe before formula characters."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _csv_cell(value: Cell) -> str | int | float | Decimal:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: the values are UTC, as the header says
    if isinstance(value, str):
        return safe_text(value)
    return value


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    shade = PatternFill("solid", fgColor="F3F4F6")
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:XLSX_TITLE_MAX])
        ws.append(list(sheet.headers))
        for cell in ws[1]:
            cell.font, cell.fill = bold, shade
        for row in sheet.rows:
            ws.append([_xlsx_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for index, header in enumerate(sheet.headers):
            letter = get_column_letter(index + 1)
            longest = max(
                [len(str(header)), *(len(str(r[index])) for r in sheet.rows if r[index] is not None)]
            )
            ws.column_dimensions[letter].width = min(COLUMN_WIDTH_MAX, longest + 2)
            number_format = sheet.number_formats.get(index)
            if number_format:
                for (cell,) in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                    cell.number_format = number_format
        if sheet.image_png is not None:
            image = SheetImage(io.BytesIO(sheet.image_png))
            image.width, image.height = image.width // 2, image.height // 2
            ws.add_image(image, f"{get_column_letter(len(sheet.headers) + 2)}2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_atomically(path: Path, data: bytes) -> None:
    """``data`` at ``path``, all or nothing: written beside it, then moved into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
