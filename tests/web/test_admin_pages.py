"""Settings and Admin over real HTTP: access, field errors, roles, reassigning, the audit log and CSV."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from domain.db import Database
from domain.models import ApiToken, AuditEvent, Client, Coach
from domain.services.coaches import set_coach_locale
from tests.support.web import add_client, add_coach, browser, served_workspace


async def _audit(db: Database, action: str) -> list[AuditEvent]:
    async with db.unit_of_work() as session:
        return list((await session.scalars(select(AuditEvent).where(AuditEvent.action == action))).all())


async def test_admin_pages_are_404_for_coaches_and_open_for_admins(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    admin_paths = ("/app/admin", "/app/admin/audit", "/app/admin/audit.csv")
    async with (
        served_workspace(db) as root,
        browser(root) as anonymous,
        browser(root) as coach,
        browser(root) as admin,
    ):
        for path in (*admin_paths, "/app/settings"):
            status, _, response = await anonymous.get(path)
            assert (status, response.headers["Location"]) == (303, "/app/signin")
        await coach.sign_in(db, ana.id)
        for path in admin_paths:
            status, _, _ = await coach.get(path)
            assert status == 404
        for path, form in (
            ("/app/admin/reassign", {"client": "1", "coach": "1"}),
            (f"/app/admin/coaches/{ana.id}/role", {"role": "admin"}),
            (f"/app/admin/coaches/{ana.id}/capacity", {"capacity": "99"}),
        ):
            status, _, _ = await coach.post(path, form)
            assert status == 404
        status, body, _ = await coach.get("/app/clients")
        assert 'href="/app/admin"' not in body and 'href="/app/programs"' in body

        await admin.sign_in(db, boss.id)
        for path in admin_paths:
            status, _, _ = await admin.get(path)
            assert status == 200
    assert len(await _audit(db, "web.admin_refused")) == 6
    async with db.unit_of_work() as session:
        assert (await session.get(Coach, ana.id)).role == "coach"  # type: ignore[union-attr]


async def test_a_spanish_admin_reads_why_a_change_was_refused_in_spanish(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    ben = await add_coach(db, "Ben", "ben@example.com")
    jefa = await add_coach(db, "Jefa", "jefa@example.com", role="admin")
    sam = await add_client(db, ben.id, "Sam")
    async with db.unit_of_work() as session:
        await set_coach_locale(session, jefa.id, "es")
    async with served_workspace(db) as root, browser(root) as admin:
        await admin.sign_in(db, jefa.id)
        status, body, _ = await admin.post(
            "/app/admin/reassign", {"client": str(sam.id), "coach": str(ben.id)}
        )
        assert status == 422 and f"el cliente {sam.id} ya está con Ben" in body and "already" not in body
        status, body, _ = await admin.post(f"/app/admin/coaches/{ana.id}/role", {"role": "owner"})
        assert status == 422 and "el rol debe ser admin o coach" in body
        taken = {"name": "Ana Dos", "email": "ana@example.com", "role": "coach"}
        status, body, _ = await admin.post("/app/admin/coaches", taken)
        assert status == 422 and "ya existe un coach con el correo ana@example.com" in body


async def test_an_admin_changes_a_role_reassigns_a_client_and_reads_it_in_the_audit_log(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    ben = await add_coach(db, "Ben", "ben@example.com")
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    sam = await add_client(db, ana.id, "Sam <b>")
    async with served_workspace(db) as root, browser(root) as admin:
        await admin.sign_in(db, boss.id)
        status, body, _ = await admin.get("/app/admin")
        assert status == 200 and "ben@example.com" in body
        status, _, response = await admin.post(
            "/app/admin/reassign", {"client": str(sam.id), "coach": str(ben.id)}
        )
        assert status == 303
        status, body, _ = await admin.get(response.headers["Location"])
        assert "Sam &lt;b&gt; now belongs to Ben." in body
        status, body, _ = await admin.post(
            "/app/admin/reassign", {"client": str(sam.id), "coach": str(ben.id)}
        )
        assert status == 422 and "already with Ben" in body
        status, body, _ = await admin.post("/app/admin/reassign", {"client": "nobody", "coach": str(ben.id)})
        assert status == 422 and "No client matches" in body

        status, _, _ = await admin.post(f"/app/admin/coaches/{ben.id}/role", {"role": "admin"})
        assert status == 303
        status, body, _ = await admin.post(f"/app/admin/coaches/{ben.id}/role", {"role": "owner"})
        assert status == 422 and "role must be admin or coach" in body

        status, body, _ = await admin.get("/app/admin/audit?action=client.reassigned")
        assert status == 200 and f"client:{sam.id}" in body and "coach.role" not in body
        status, body, _ = await admin.get(
            f"/app/admin/audit?actor=coach:{boss.id}&from=2000-01-01&to=2999-12-31"
        )
        assert status == 200 and "client.reassigned" in body
        status, body, _ = await admin.get("/app/admin/audit?from=yesterday")
        assert status == 422 and "From is not a date" in body

        async with admin.http.get(root + "/app/admin/audit.csv?action=client.*") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/csv")
            assert "attachment" in response.headers["Content-Disposition"]
            rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows[0] == ["at", "actor", "action", "subject", "count", "details"]
    assert [r[2] for r in rows[1:]] == ["client.reassigned"]
    assert rows[1][1] == f"coach:{boss.id}" and rows[1][3] == f"client:{sam.id}"
    async with db.unit_of_work() as session:
        assert (await session.get(Client, sam.id)).coach_id == ben.id  # type: ignore[union-attr]
        assert (await session.get(Coach, ben.id)).role == "admin"  # type: ignore[union-attr]


async def test_an_admin_sets_a_coachs_capacity_checked_and_audited(db: Database) -> None:
    ben = await add_coach(db, "Ben", "ben@example.com")
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    await add_client(db, ben.id, "Sam")

    async def capacity() -> int | None:
        async with db.unit_of_work() as session:
            return (await session.get(Coach, ben.id)).capacity  # type: ignore[union-attr]

    async with served_workspace(db) as root, browser(root) as admin:
        await admin.sign_in(db, boss.id)
        status, body, _ = await admin.get("/app/admin")
        assert status == 200 and f'id="capacity-{ben.id}"' in body and "Capacity of Ben" in body
        status, _, response = await admin.post(f"/app/admin/coaches/{ben.id}/capacity", {"capacity": "3"})
        assert status == 303
        status, body, _ = await admin.get(response.headers["Location"])
        assert "Capacity changed." in body and f'id="capacity-{ben.id}"' in body and 'value="3"' in body
        assert await capacity() == 3
        for bad in ("abc", "0", "-2", "2.5", "1000000", "１２"):
            status, body, _ = await admin.post(f"/app/admin/coaches/{ben.id}/capacity", {"capacity": bad})
            assert status == 422 and ("whole number" in body or "capacity is 1 to" in body.lower()), bad
        status, _, _ = await admin.post("/app/admin/coaches/999999/capacity", {"capacity": "3"})
        assert status == 422
        status, _, _ = await admin.post(
            f"/app/admin/coaches/{ben.id}/capacity", {"capacity": "8"}, csrf=False
        )
        assert status == 403
        assert await capacity() == 3  # nothing half-saved by the refused posts
        status, _, _ = await admin.post(f"/app/admin/coaches/{ben.id}/capacity", {"capacity": " "})
        assert status == 303 and await capacity() is None  # empty: no limit
    events = sorted(await _audit(db, "coach.capacity_set"), key=lambda e: e.id)
    assert [(e.actor, e.subject, e.details) for e in events] == [
        (f"coach:{boss.id}", f"coach:{ben.id}", {"capacity": 3}),
        (f"coach:{boss.id}", f"coach:{ben.id}", {"capacity": None}),
    ]


async def test_audit_pages_follow_older_links_to_the_end(db: Database) -> None:
    from domain.services.audit import record_audit_event

    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    async with db.unit_of_work() as session:
        for n in range(60):
            await record_audit_event(session, actor="cli", action="test.event", subject=f"n:{n}")
    async with served_workspace(db) as root, browser(root) as admin:
        await admin.sign_in(db, boss.id)
        seen = 0
        path: str | None = "/app/admin/audit?action=test.event"
        while path:
            status, body, _ = await admin.get(path)
            assert status == 200
            seen += body.count("test.event</td>")
            marker = 'href="'
            older = [
                part
                for part in body.split(marker)
                if part.startswith("/app/admin/audit?") and "after=" in part.split('"')[0]
            ]
            path = older[0].split('"')[0].replace("&amp;", "&") if older else None
        assert seen == 60


async def test_settings_show_every_field_error_and_save_nothing_until_all_are_right(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    async with served_workspace(db) as root, browser(root) as coach:
        await coach.sign_in(db, ana.id)
        status, body, _ = await coach.get("/app/settings")
        assert status == 200 and 'value="Ana"' in body
        bad = {
            "name": "",
            "digest_time": "whenever",
            "digest_cadence": "hourly",
            "timezone": "Atlantis",
            "capacity": "-3",
            "locale": "xx",
        }
        status, body, _ = await coach.post("/app/settings", bad)
        assert status == 422 and "Nothing was saved" in body
        for field in ("name", "digest_time", "timezone", "capacity", "locale"):
            assert f'id="{field}-error"' in body
        assert 'value="Atlantis"' in body  # what was typed stays in the form
        good = {
            "name": "Ana Lovelace",
            "digest_time": "7:30am",
            "digest_cadence": "weekly",
            "timezone": "Berlin",
            "capacity": "25",
            "locale": "de",
        }
        status, _, response = await coach.post("/app/settings", good)
        assert (status, response.headers["Location"]) == (303, "/app/settings?saved=1")
        status, _, _ = await coach.post("/app/settings", good, csrf=False)
        assert status == 403
    async with db.unit_of_work() as session:
        saved = await session.get(Coach, ana.id)
        assert saved is not None
        assert (saved.name, saved.digest_time, saved.digest_cadence, saved.timezone, saved.capacity) == (
            "Ana Lovelace",
            "07:30",
            "weekly",
            "Europe/Berlin",
            25,
        )
        assert saved.locale == "de"  # the language of the charts drawn for her


async def test_a_coach_creates_an_api_token_seen_once_and_revokes_only_their_own(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    ben = await add_coach(db, "Ben", "ben@example.com")
    async with served_workspace(db) as root, browser(root) as coach, browser(root) as other:
        await coach.sign_in(db, ana.id)
        status, body, _ = await coach.post("/app/settings/tokens", {"label": "spreadsheet"})
        assert status == 200 and 'id="new-token">sc_' in body
        secret = body.split('id="new-token">', 1)[1].split("<", 1)[0]
        status, body, _ = await coach.get("/app/settings")
        assert secret not in body and secret[:10] in body and "spreadsheet" in body
        async with coach.http.get(
            root + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
        ) as response:
            assert response.status == 200 and (await response.json())["id"] == ana.id

        async with db.unit_of_work() as session:
            token_id = await session.scalar(select(ApiToken.id))
        await other.sign_in(db, ben.id)
        status, _, _ = await other.post(f"/app/settings/tokens/{token_id}/revoke")
        assert status == 404
        status, _, _ = await coach.post(f"/app/settings/tokens/{token_id}/revoke")
        assert status == 303
        async with coach.http.get(
            root + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
        ) as response:
            assert response.status == 401


async def test_a_name_that_matches_several_clients_lists_them_and_moves_nobody(db: Database) -> None:
    ana = await add_coach(db, "Ana", "ana@example.com")
    ben = await add_coach(db, "Ben", "ben@example.com")
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    first = await add_client(db, ana.id, "Sam Stone")
    second = await add_client(db, ana.id, "Samira Said")
    async with served_workspace(db) as root, browser(root) as admin:
        await admin.sign_in(db, boss.id)
        await admin.get("/app/admin")
        status, body, _ = await admin.post("/app/admin/reassign", {"client": "sam", "coach": str(ben.id)})
        assert status == 422 and "Several clients match" in body
        assert f"#{first.id}" in body and f"#{second.id}" in body
        status, _, _ = await admin.post(
            "/app/admin/reassign", {"client": f"#{second.id}", "coach": str(ben.id)}
        )
        assert status == 303
    async with db.unit_of_work() as session:
        assert (await session.get(Client, first.id)).coach_id == ana.id  # type: ignore[union-attr]
        assert (await session.get(Client, second.id)).coach_id == ben.id  # type: ignore[union-attr]


async def test_an_admin_adds_a_coach_who_gets_a_sign_in_link_by_email(db: Database) -> None:
    from domain.models import OutboundMessage

    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    email_settings = {"COACH_SMTP_HOST": "127.0.0.1", "COACH_SMTP_FROM": "coach@example.com"}
    async with served_workspace(db, **email_settings) as root, browser(root) as admin:
        await admin.sign_in(db, boss.id)
        await admin.get("/app/admin")
        new = {"name": "Cleo Coach", "email": "Cleo@Example.com", "role": "coach"}
        status, _, response = await admin.post("/app/admin/coaches", new)
        assert status == 303
        status, body, _ = await admin.get(response.headers["Location"])
        assert "Cleo Coach is a coach here now" in body and "A sign-in link went to them by email." in body
        status, body, _ = await admin.post("/app/admin/coaches", new)
        assert status == 422 and "already exists" in body and 'value="Cleo Coach"' in body
        status, body, _ = await admin.post("/app/admin/coaches", {**new, "email": "x@y.z", "role": "owner"})
        assert status == 422 and "role must be admin or coach" in body
    async with db.unit_of_work() as session:
        cleo = await session.scalar(select(Coach).where(Coach.email == "cleo@example.com"))
        assert cleo is not None and cleo.role == "coach"
        sent = (await session.scalars(select(OutboundMessage))).all()
        assert [(m.platform, m.chat_id) for m in sent] == [("email", "cleo@example.com")]
        assert "/app/signin/" in sent[0].payload["text"]
    (created,) = [e for e in await _audit(db, "coach.created") if e.subject == f"coach:{cleo.id}"]
    assert created.actor == f"coach:{boss.id}"


async def test_a_coach_added_without_any_channel_is_told_how_to_get_a_link(db: Database) -> None:
    boss = await add_coach(db, "Boss", "boss@example.com", role="admin")
    async with served_workspace(db) as root, browser(root) as admin:
        await admin.sign_in(db, boss.id)
        await admin.get("/app/admin")
        status, _, response = await admin.post(
            "/app/admin/coaches", {"name": "Dev", "email": "dev@example.com", "role": "admin"}
        )
        assert status == 303
        status, body, _ = await admin.get(response.headers["Location"])
        assert status == 200 and "Nothing reaches them yet: coach login-link --coach" in body
