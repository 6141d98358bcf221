"""``coach chart``: the client's progress chart written as a PNG file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts.progress_chart import HEIGHT, WIDTH
from domain.clock import utcnow
from domain.services.checkins import record_check_in
from domain.services.clients import register_client
from tests.bot.test_cli import cli_db, run  # noqa: F401 - the CLI's database fixture
from tests.support.databases import run_in_session


def add_client_with_check_ins(database_url: str, days_ago: list[int]) -> None:
    async def work(session: AsyncSession) -> None:
        client = await register_client(
            session,
            platform="telegram",
            external_user_id="777",
            chat_id="777",
            display_name="Ann Lee",
        )
        for n, days in enumerate(days_ago):
            await record_check_in(
                session,
                client_id=client.id,
                mood=4 + n,
                energy=7,
                sleep_hours=7,
                adherence="partly",
                source_channel="telegram",
                at=utcnow() - timedelta(days=days, minutes=1),
            )

    run_in_session(database_url, work)


def test_chart_writes_a_png(cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # noqa: F811
    add_client_with_check_ins(cli_db, [30, 12, 3, 1])
    out = tmp_path / "ann.png"
    code, stdout, stderr = run(
        capsys, "chart", "--identity", "telegram:777", "--weeks", "2", "--out", str(out)
    )
    assert code == 0, stderr
    assert stdout.startswith(f"wrote {out} (3 check-ins on 3 of 14 days, ")
    with Image.open(out) as image:
        assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))


def test_chart_needs_two_check_ins(cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # noqa: F811
    add_client_with_check_ins(cli_db, [30, 2])
    out = tmp_path / "ann.png"
    code, _, stderr = run(capsys, "chart", "--identity", "telegram:777", "--out", str(out))
    assert code == 1 and "not enough check-ins for a chart yet: 1 in the last 4 weeks" in stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--out", "{tmp}/ann.jpg"], 2, "must end in .png"),
        (["--out", "{tmp}/missing/ann.png"], 2, "does not exist"),
        (["--out", "{tmp}/ann.png", "--weeks", "13"], 2, "or equal to 12"),
        (["--out", "{tmp}/ann.png", "--identity", "telegram:404"], 1, "no client with identity telegram:404"),
    ],
)
def test_chart_input_is_checked(
    cli_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    code: int,
    message: str,
) -> None:
    add_client_with_check_ins(cli_db, [2, 1])
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    identity = [] if "--identity" in filled else ["--identity", "telegram:777"]
    got, _, stderr = run(capsys, "chart", *identity, *filled)
    # Typer draws usage errors in a box that wraps long lines.
    assert got == code and message in " ".join(stderr.replace("│", " ").split())
    assert not list(tmp_path.iterdir())  # nothing written
