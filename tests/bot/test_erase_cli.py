"""``coach erase``: what will go, a confirmation, then the client is gone (files too); exit codes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.services.billing import SubscriptionState, sync_subscription
from domain.services.checkins import record_check_in
from domain.services.clients import register_client
from domain.services.files import record_stored_file
from domain.services.payments import record_payment
from tests.bot.test_cli import cli_db, run  # noqa: F401 - the CLI's database fixture
from tests.support.databases import run_in_session


def add_client(database_url: str, photo: Path, *, renewing: bool = False) -> None:
    async def work(session: AsyncSession) -> None:
        client = await register_client(
            session,
            platform="telegram",
            external_user_id="777",
            chat_id="777",
            display_name="Ann Lee",
        )
        await record_check_in(
            session,
            client_id=client.id,
            mood=5,
            energy=6,
            sleep_hours=7,
            adherence="yes",
            source_channel="telegram",
        )
        await record_payment(
            session,
            client_id=client.id,
            amount_minor=4900,
            currency="usd",
            provider_payment_id="pi_1",
        )
        await sync_subscription(
            session,
            SubscriptionState("sub_1", "active" if renewing else "canceled", 4900, "usd", None, False),
            client_id=client.id,
            enrollment_id=None,
        )
        await record_stored_file(
            session,
            platform="telegram",
            external_user_id="777",
            file_id="f1",
            kind="photo",
            mime_type="image/jpeg",
            size_bytes=5,
            file_name="me.jpg",
            path=str(photo),
        )

    run_in_session(database_url, work)


@pytest.fixture
def photo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    storage = tmp_path / "files"
    monkeypatch.setenv("COACH_STORAGE_DIR", str(storage))
    path = storage / "telegram" / "me.jpg"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"photo")
    return path


def answer(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_erase_shows_counts_and_asks_first(
    cli_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    photo: Path,
) -> None:
    add_client(cli_db, photo)
    answer(monkeypatch, "n\n")
    code, out, err = run(capsys, "erase", "--identity", "telegram:777")
    assert code == 1 and "nothing was erased" in err
    lines = out.splitlines()
    assert lines[0] == "client 1 (Ann Lee): these rows will be deleted"
    assert ["check_ins", "1"] in [line.split() for line in lines]
    assert ["stored_files", "1"] in [line.split() for line in lines]
    assert ["payments", "1"] in [line.split() for line in lines]
    assert "Erase this client for good? [y/N]" in out
    assert "renew" not in out
    assert photo.exists()
    assert run(capsys, "export", "--identity", "telegram:777")[0] == 0

    answer(monkeypatch, "y\n")
    code, out, err = run(capsys, "erase", "--client", "1")
    assert code == 0, err
    # Check-in, file, consent, identity and the client row.
    assert out.rstrip().endswith(
        "client 1 erased: 5 rows deleted, 1 payment(s) and 1 subscription(s) kept without them, "
        "1 file(s) removed from disk"
    )
    assert not photo.exists()
    code, _, err = run(capsys, "export", "--identity", "telegram:777")
    assert code == 1 and err.strip() == "error: no client with identity telegram:777"


def test_yes_skips_the_question_and_warns_of_renewing_subscriptions(
    cli_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    photo: Path,
) -> None:
    add_client(cli_db, photo, renewing=True)
    answer(monkeypatch, "")  # nothing to read: a prompt would abort
    code, out, err = run(capsys, "erase", "--identity", "telegram:777", "--yes")
    assert code == 0, err
    assert "warning: 1 subscription(s) still renew at the payment provider" in out
    assert "[y/N]" not in out and "client 1 erased" in out
    code, _, err = run(capsys, "erase", "--identity", "telegram:777", "--yes")
    assert code == 1 and err.strip() == "error: no client with identity telegram:777"


def test_erase_exit_codes(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    code, _, err = run(capsys, "erase", "--client", "99", "--yes")
    assert code == 1 and err.strip() == "error: no client with id 99"
    for args in (
        [],
        ["--client", "1", "--identity", "telegram:1"],
        ["--identity", "telegram"],
        ["--client", "one"],
    ):
        code, _, err = run(capsys, "erase", *args)
        assert code == 2, args
