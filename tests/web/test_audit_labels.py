"""The audit page names each action in the admin's language, beside the stored code; the CSV export
keeps the codes."""

from __future__ import annotations

import csv
import io

from bot.web.audit_labels import action_label
from conversations.i18n import use_locale
from domain.db import Database
from domain.services.audit import record_audit_event
from domain.services.coaches import set_coach_locale
from tests.support.web import add_coach, browser, served_workspace


def test_known_codes_families_and_unknown_codes() -> None:
    assert action_label("client.reassigned") == "client reassigned"
    assert action_label("notice.payment_failed") == "notice to a coach: payment failed"
    assert action_label("test.event") == "test.event"
    with use_locale("de"):
        assert action_label("client.reassigned") == "Klient neu zugewiesen"
        assert action_label("notice.low_mood") == "Hinweis an einen Coach: low mood"
        assert action_label("test.event") == "test.event"


async def test_a_russian_admin_reads_audit_actions_in_russian_and_the_csv_keeps_codes(db: Database) -> None:
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    english = await add_coach(db, "Eve", "eve@example.com", role="admin")
    async with db.unit_of_work() as session:
        await set_coach_locale(session, boss.id, "ru")
        await record_audit_event(session, actor="cli", action="client.erased", subject="client:7")
    async with served_workspace(db) as root, browser(root) as admin, browser(root) as other:
        await admin.sign_in(db, boss.id)
        status, body, _ = await admin.get("/app/admin/audit?action=client.erased")
        assert status == 200
        assert "клиент удалён" in body and "client.erased" in body
        async with admin.http.get(root + "/app/admin/audit.csv?action=client.erased") as response:
            rows = list(csv.reader(io.StringIO(await response.text())))
        assert [r[2] for r in rows[1:]] == ["client.erased"]
        await other.sign_in(db, english.id)
        status, body, _ = await other.get("/app/admin/audit?action=client.erased")
        assert status == 200 and "client erased" in body and "клиент удалён" not in body
