"""``coach report progress|financial``: the files are read back (pypdf, csv, openpyxl) and checked."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.models import PaymentRefund
from domain.services.checkins import record_check_in
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from domain.services.goals import set_goal
from domain.services.payments import record_payment, record_refund
from tests.bot.test_cli import cli_db, run  # noqa: F401 - the CLI's database fixture
from tests.support.databases import run_in_session


def seed_client(database_url: str, *, name: str = "Женя Lee", check_ins: int = 10) -> None:
    async def work(session: AsyncSession) -> None:
        coach = await create_coach(session, name="Ada Coach", email="ada@example.com")
        client = await register_client(
            session,
            platform="telegram",
            external_user_id="777",
            chat_id="777",
            display_name=name,
            coach_id=coach.id,
            timezone="Europe/Berlin",
        )
        goal = await set_goal(
            session,
            client_id=client.id,
            text="=HYPERLINK(run 5 km) <b>twice</b>",
            target=5,
            unit="km",
            due_date=date.today() + timedelta(days=60),
        )
        for n in reversed(range(check_ins)):  # oldest first: every other day, progress 5 points up each time
            await record_check_in(
                session,
                client_id=client.id,
                mood=4 + n % 5,
                energy=7,
                sleep_hours=7,
                adherence="partly",
                source_channel="telegram",
                goal_id=goal.id,
                goal_progress=60 - 5 * n,
                at=utcnow() - timedelta(days=2 * n + 1, minutes=1),
            )

    run_in_session(database_url, work)


def pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())  # table cells wrap: compare words, not lines


def usage_message(stderr: str) -> str:
    return " ".join(stderr.replace("│", " ").split())  # Typer boxes usage errors and wraps them


def test_progress_report_pdf(cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # noqa: F811
    seed_client(cli_db)
    out = tmp_path / "zhenya.pdf"
    code, stdout, stderr = run(capsys, "report", "progress", "--identity", "telegram:777", "--out", str(out))
    assert code == 0, stderr
    pages, text = pdf_text(out)
    assert stdout.startswith(f"wrote {out} ({pages} page")
    assert 1 <= pages <= 3
    for expected in (
        "Progress report",
        "Женя Lee",
        "Ada Coach",
        "Summary",
        "You checked in",
        "Your goals",
        "=HYPERLINK(run 5 km) <b>twice</b>",  # client text as written, never markup
        "5 km",
        "60%",  # progress now
        "On track: about 100% by the due date",  # the prediction: 2.5 points a day, 60 days to go
        "Mood",  # the chart's legend: the chart is in the PDF as vector text
    ):
        assert expected in text, expected
    assert not list(tmp_path.glob(".*.part"))  # the temporary file was moved into place


def test_progress_report_without_check_ins_says_so(
    cli_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    seed_client(cli_db, check_ins=0)
    out = tmp_path / "r.pdf"
    code, _, stderr = run(capsys, "report", "progress", "--identity", "telegram:777", "--out", str(out))
    assert code == 0, stderr
    pages, text = pdf_text(out)
    assert pages == 1
    assert "There were no check-ins in these 4 weeks." in text and "The chart appears once" in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--out", "{tmp}/r.png"], 2, "must end in .pdf"),
        (["--out", "{tmp}/missing/r.pdf"], 2, "does not exist"),
        (["--out", "{tmp}/r.pdf", "--weeks", "0"], 2, "--weeks"),
        (["--out", "{tmp}/r.pdf", "--identity", "telegram"], 2, "--identity"),
        (["--out", "{tmp}/r.pdf", "--identity", "telegram:404"], 1, "no client with identity telegram:404"),
    ],
)
def test_progress_report_input_is_checked(
    cli_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    code: int,
    message: str,
) -> None:
    seed_client(cli_db, check_ins=2)
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    identity = [] if "--identity" in filled else ["--identity", "telegram:777"]
    got, _, stderr = run(capsys, "report", "progress", *identity, *filled)
    assert got == code and message in usage_message(stderr)
    assert not list(tmp_path.iterdir())  # nothing written


def seed_payments(database_url: str) -> None:
    """January: 49.00 USD and 20.00 USD (5.00 refunded on 25 Jan), a failed 49.00 USD, 3000 JPY;
    February: no payment, but 30.00 USD given back for a December payment; March 1st: 10.00 USD, fully
    refunded on 2 April (after the period); April: 99.00 USD (outside the period)."""

    async def work(session: AsyncSession) -> None:
        coach = await create_coach(session, name="Ada Coach", email="ada@example.com")
        client = await register_client(
            session,
            platform="telegram",
            external_user_id="1",
            chat_id="1",
            display_name="-2+3 Ann",
            coach_id=coach.id,
        )
        rows = [
            (
                datetime(2025, 12, 10, tzinfo=UTC),
                3_000,
                "usd",
                "succeeded",
                3_000,
                datetime(2026, 2, 3, tzinfo=UTC),
            ),
            (datetime(2026, 1, 5, 10, tzinfo=UTC), 4_900, "usd", "succeeded", 0, None),
            (
                datetime(2026, 1, 20, tzinfo=UTC),
                2_000,
                "usd",
                "succeeded",
                500,
                datetime(2026, 1, 25, tzinfo=UTC),
            ),
            (datetime(2026, 1, 21, tzinfo=UTC), 4_900, "usd", "failed", 0, None),
            (datetime(2026, 1, 31, 23, 59, tzinfo=UTC), 3_000, "jpy", "succeeded", 0, None),
            (
                datetime(2026, 3, 1, tzinfo=UTC),
                1_000,
                "usd",
                "succeeded",
                1_000,
                datetime(2026, 4, 2, tzinfo=UTC),
            ),
            (datetime(2026, 4, 1, tzinfo=UTC), 9_900, "usd", "succeeded", 0, None),
        ]
        for n, (at, amount, currency, status, refunded, refunded_at) in enumerate(rows):
            payment = await record_payment(
                session,
                client_id=client.id,
                amount_minor=amount,
                currency=currency,
                status=status,
                provider_payment_id=f"pi_{n}",
            )
            payment.created_at = at
            if refunded:
                await record_refund(session, payment.id, refunded, actor="test")
                await session.flush()
                refund = await session.scalar(
                    select(PaymentRefund).where(PaymentRefund.payment_id == payment.id)
                )
                assert refund is not None
                refund.at = refunded_at

    run_in_session(database_url, work)


PERIOD = ["--since", "2026-01-01", "--until", "2026-03-31"]


def test_financial_report_csv(cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # noqa: F811
    seed_payments(cli_db)
    out = tmp_path / "money.csv"
    code, stdout, stderr = run(capsys, "report", "financial", *PERIOD, "--out", str(out))
    assert code == 0, stderr
    assert stdout.strip() == f"wrote {out} (5 payments, 2026-01-01 to 2026-03-31)"
    with out.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [r["provider_payment_id"] for r in rows] == ["pi_1", "pi_2", "pi_3", "pi_4", "pi_5"]
    assert rows[0]["client"] == "'-2+3 Ann"  # a spreadsheet would run it as a formula
    assert rows[0]["coach"] == "Ada Coach" and rows[0]["created_at_utc"] == "2026-01-05T10:00:00+00:00"
    assert [(r["currency"], r["amount"], r["refunded"], r["net"], r["status"]) for r in rows] == [
        ("USD", "49.00", "0.00", "49.00", "succeeded"),
        ("USD", "20.00", "5.00", "15.00", "partially_refunded"),
        ("USD", "49.00", "0.00", "0.00", "failed"),
        ("JPY", "3000", "0", "3000", "succeeded"),
        ("USD", "10.00", "10.00", "0.00", "refunded"),
    ]


def test_financial_report_xlsx(cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # noqa: F811
    seed_payments(cli_db)
    out = tmp_path / "money.xlsx"
    code, _, stderr = run(capsys, "report", "financial", *PERIOD, "--out", str(out))
    assert code == 0, stderr
    book = load_workbook(out)
    assert book.sheetnames == ["Payments", "Summary", "By month"]
    payments = list(book["Payments"].iter_rows(values_only=True))
    assert payments[0][:3] == ("created_at_utc", "payment_id", "client_id") and len(payments) == 6
    assert payments[1][0] == datetime(2026, 1, 5, 10) and payments[1][3] == "'-2+3 Ann"
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    # USD: collected 49 + 20 + 10 = 79; given back in the period 5 (25 Jan) + 30 (3 Feb, for a December
    # payment) = 35 — the 10 of 2 April is after it; net 44; 1 failed of 4 payments.
    assert summary["USD"] == (3, 1, 0.25, 79, 35, 44)
    assert summary["JPY"] == (1, 0, 0, 3000, 0, 3000)
    months = [row for row in book["By month"].iter_rows(min_row=2, values_only=True)]
    assert [(m[0], m[4], m[5], m[6]) for m in months if m[1] == "USD"] == [
        ("2026-01", 69, 5, 64),
        ("2026-02", 0, 30, -30),  # refunds larger than the month's revenue
        ("2026-03", 10, 0, 10),
    ]
    assert len(book["By month"]._images) == 1  # the revenue chart


def test_financial_report_of_an_empty_period(
    cli_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    seed_payments(cli_db)
    out = tmp_path / "none.xlsx"
    code, stdout, _ = run(
        capsys, "report", "financial", "--since", "2025-01-01", "--until", "2025-01-31", "--out", str(out)
    )
    assert code == 0 and "(0 payments," in stdout
    assert Decimal(0) == sum(
        Decimal(str(r[4] or 0)) for r in load_workbook(out)["Summary"].iter_rows(min_row=2, values_only=True)
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-02-30", "--until", "2026-03-01", "--out", "{tmp}/m.csv"], "is not a date"),
        (["--since", "2026-03-01", "--until", "2026-02-01", "--out", "{tmp}/m.csv"], "is before --since"),
        (["--since", "2026-01-01", "--until", "2206-01-01", "--out", "{tmp}/m.csv"], "longer than ten years"),
        (
            ["--since", "2026-01-01", "--until", "2026-02-01", "--out", "{tmp}/m.pdf"],
            "must end in .csv or .xlsx",
        ),
        (["--since", "2026-01-01", "--until", "2026-02-01", "--out", "{tmp}"], "is a folder"),
        (["--until", "2026-02-01", "--out", "{tmp}/m.csv"], "--since"),
    ],
)
def test_financial_report_input_is_checked(
    cli_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, _, stderr = run(capsys, "report", "financial", *filled)
    assert code == 2 and message in usage_message(stderr)
    assert not list(tmp_path.iterdir())
