"""``coach run`` moves what it loaded at startup out of the garbage collector's reach (a full
collection would otherwise walk it all, holding the event loop), and hands it back on stop."""

from __future__ import annotations

import gc

from bot.config import load_settings
from bot.runtime import Service
from domain.db import Database


async def test_startup_objects_are_frozen_while_running_and_released_on_stop(db: Database) -> None:
    service = Service(load_settings(COACH_DATABASE_URL=db.url, COACH_HTTP_PORT=0), interactive_console=False)
    await service.start()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the imported modules, the schema, the components
        assert len(gc.get_objects(generation=2)) < frozen
    finally:
        await service.stop()
    assert gc.get_freeze_count() == 0
