"""Adding a row unless its unique key is taken: the first writer wins and the others learn it,
without an IntegrityError poisoning their transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Base


async def insert_unless_taken(
    session: AsyncSession, model: type[Base], values: dict[str, Any], *, unique: Sequence[str]
) -> bool:
    """Insert one row; False when a row with the same ``unique`` columns exists (or a concurrent
    transaction committed one first)."""
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(model).values(values).on_conflict_do_nothing(index_elements=list(unique))
        result = await session.execute(pg)
    else:
        lite = sqlite.insert(model).values(values).on_conflict_do_nothing(index_elements=list(unique))
        result = await session.execute(lite)
    return bool(getattr(result, "rowcount", 0))
