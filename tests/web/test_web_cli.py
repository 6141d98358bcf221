"""``coach login-link``, ``coach sessions revoke`` and coaches' roles from the command line."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.cli.main import main
from domain.db import Database
from domain.models import AuditEvent, Coach, WebSession
from domain.services.web_auth import check_login_code, hash_token, start_session
from tests.support.databases import wipe


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    async def _wipe() -> None:
        db = Database(database_url)
        await wipe(db)
        await db.dispose()

    asyncio.run(_wipe())
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    return database_url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def in_db(url: str, work: object) -> object:
    async def go() -> object:
        db = Database(url)
        try:
            async with db.unit_of_work() as session:
                return await work(session)  # type: ignore[operator]
        finally:
            await db.dispose()

    return asyncio.run(go())


def test_roles_login_links_and_revoking_sessions(
    cli_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(
        capsys, "coaches", "add", "--name", "Ada", "--email", "ada@example.com", "--role", "admin"
    )
    assert code == 0 and out.startswith("coach 1 created as admin; invite code ")
    code, out, _ = run(capsys, "coaches", "add", "--name", "Bo", "--email", "bo@example.com")
    assert code == 0 and out.startswith("coach 2 created; invite code ")
    code, _, err = run(
        capsys, "coaches", "add", "--name", "Cy", "--email", "cy@example.com", "--role", "boss"
    )
    assert code == 2 and "boss" in err
    code, out, _ = run(capsys, "coaches", "list")
    assert "admin" in out.splitlines()[1] and "coach" in out.splitlines()[2]

    code, out, _ = run(capsys, "coaches", "set-role", "--coach", "1", "--role", "coach")
    assert code == 1  # the only admin cannot step down before someone else is one
    code, out, _ = run(capsys, "coaches", "set-role", "--coach", "2", "--role", "admin")
    assert code == 0 and out.strip() == "coach 2 (Bo) is now admin"
    code, out, _ = run(capsys, "coaches", "set-role", "--coach", "1", "--role", "coach")
    assert code == 0
    roles = in_db(cli_db, lambda s: s.execute(select(Coach.id, Coach.role).order_by(Coach.id)))
    assert [tuple(r) for r in roles.all()] == [(1, "coach"), (2, "admin")]  # type: ignore[attr-defined]

    monkeypatch.setenv("COACH_PUBLIC_URL", "https://coach.example.com/")
    code, out, err = run(capsys, "login-link", "--coach", "2")
    assert code == 0 and "15 minutes" in err
    url = out.strip()
    assert url.startswith("https://coach.example.com/app/signin/")
    check = in_db(cli_db, lambda s: check_login_code(s, url.rsplit("/", 1)[1]))
    assert check.status == "valid" and check.coach_id == 2  # type: ignore[attr-defined]
    code, _, err = run(capsys, "login-link", "--coach", "99")
    assert code == 1 and "no coach with id 99" in err

    tokens = [in_db(cli_db, lambda s: start_session(s, 2)) for _ in range(2)]
    code, out, _ = run(capsys, "sessions", "revoke", "--coach", "2")
    assert code == 0 and out.strip() == "2 sessions of coach 2 revoked"
    rows = in_db(cli_db, lambda s: s.scalars(select(WebSession).where(WebSession.coach_id == 2)))
    revoked = {row.token_hash: row.revoked_at for row in rows.all()}  # type: ignore[attr-defined]
    assert all(revoked[hash_token(str(token))] is not None for token in tokens)
    actions = in_db(cli_db, lambda s: s.scalars(select(AuditEvent.action)))
    assert {"coach.role_changed", "web.sign_in_issued", "web.sessions_revoked"} <= set(actions.all())  # type: ignore[attr-defined]
