"""Stored files are found again by their ids."""

from __future__ import annotations

from domain.db import Database
from domain.services.files import find_stored_files, record_stored_file


async def test_stored_files_are_found_by_id_in_the_order_they_were_stored(db: Database) -> None:
    async with db.unit_of_work() as s:
        ids = [
            (
                await record_stored_file(
                    s,
                    platform="telegram",
                    external_user_id="1",
                    file_id=f"f{n}",
                    kind="document",
                    mime_type="application/pdf",
                    size_bytes=10,
                    file_name=f"plan{n}.pdf",
                    path=f"/files/plan{n}.pdf",
                )
            ).id
            for n in range(3)
        ]
    async with db.sessions() as s:
        found = await find_stored_files(s, [ids[2], ids[0], ids[2] + 100])
        assert [f.file_name for f in found] == ["plan0.pdf", "plan2.pdf"]
        assert await find_stored_files(s, []) == []
