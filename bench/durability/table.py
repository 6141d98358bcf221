"""One row per durability scenario, printed as a table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DurabilityRow:
    scenario: str
    messages: int
    lost: int
    duplicated: int
    max_in_1s: int
    """The most messages the platform received in any one-second window, all workers together."""
    max_chat_in_1s: int
    """The most messages one chat received in any one-second window."""
    recovery_s: float | None
    """Seconds from the end of an outage until work flows again (None where nothing failed)."""
    note: str


COLUMNS = (
    "scenario",
    "messages",
    "lost",
    "duplicated",
    "max in 1 s",
    "max per chat in 1 s",
    "recovery",
    "note",
)


def _cells(row: DurabilityRow) -> tuple[str, ...]:
    recovery = "–" if row.recovery_s is None else f"{row.recovery_s:.1f} s"
    return (
        row.scenario,
        f"{row.messages:,}",
        str(row.lost),
        str(row.duplicated),
        str(row.max_in_1s),
        str(row.max_chat_in_1s),
        recovery,
        row.note,
    )


def print_table(rows: list[DurabilityRow]) -> None:
    """Print ``rows`` under a header, columns aligned (numbers to the right)."""
    table = [COLUMNS, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    numeric = {1, 2, 3, 4, 5, 6}
    for n, line in enumerate(table):
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(line)
        ]
        print("  ".join(cells).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))
