"""Matching a column against a list of keys with one statement text, whatever the list's length.

A literal ``IN (…)`` list makes a new statement for every length (and, with literal values, for every
batch): PostgreSQL plans it anew each time and the prepared-statement caches never hit. Here the keys
travel as one bound value instead: an array on PostgreSQL (``column = ANY(:keys)``) and a JSON array
read by ``json_each`` on SQLite. Both use the column's index.

Also :func:`analyze`, to refresh the planner's statistics after a bulk import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    any_,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def among(column: ColumnElement[Any], keys: Iterable[Any], dialect: str) -> ColumnElement[bool]:
    """``column`` equals one of ``keys``, as a statement whose text does not depend on the keys."""
    values = list(keys)
    if dialect == "postgresql":
        return column == any_(bindparam(None, value=values, type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, value=json.dumps(values))).table_valued("value")
    return column.in_(select(listed.c.value))


def pairs_among(
    first: ColumnElement[Any],
    second: ColumnElement[Any],
    keys: Sequence[tuple[Any, Any]],
    dialect: str,
) -> ColumnElement[bool]:
    """``(first, second)`` is one of the ``keys`` pairs, as one statement text on PostgreSQL."""
    if dialect == "postgresql":
        rows = (
            func.unnest(
                bindparam(None, value=[k[0] for k in keys], type_=ARRAY(first.type)),
                bindparam(None, value=[k[1] for k in keys], type_=ARRAY(second.type)),
            )
            .table_valued("a", "b")
            .render_derived(name="wanted_pairs")
        )
        matching: Select[Any] = (
            select(literal_column("1")).select_from(rows).where(rows.c.a == first, rows.c.b == second)
        )
        return exists(matching)
    return tuple_(first, second).in_(list(keys))


async def analyze(executor: AsyncSession | AsyncConnection, tables: Sequence[str]) -> None:
    """Refresh the query planner's statistics for ``tables`` (after a bulk import)."""
    for table in tables:
        if not table.replace("_", "").isalnum():
            raise ValueError(f"not a table name: {table!r}")
        await executor.execute(text(f"ANALYZE {table}"))
