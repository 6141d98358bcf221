"""``coach report coaches`` and ``coach report custom`` over the hand-built business of fixture.py."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from domain.analytics.metrics import METRICS, compute
from domain.analytics.scope import Period, Scope
from domain.db import Database
from domain.reports.custom import COACH_METRICS, resolve_metrics, weeks_of
from tests.analytics.fixture import PERIOD, Business
from tests.analytics.test_cli import business, run  # noqa: F401 - the fixture

SINCE_UNTIL = ["--since", "2026-03-02", "--until", "2026-03-15"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def computed(database_url: str, scope: Scope, period: Period, names: list[str]) -> dict[str, object]:
    async def work() -> dict[str, object]:
        db = Database(database_url)
        try:
            async with db.sessions() as session:
                return dict(await compute(session, scope, period, names))
        finally:
            await db.dispose()

    return asyncio.run(work())


def test_coaches_report_has_a_row_per_coach_with_their_own_figures(
    business: Business,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    database_url: str,
) -> None:
    out = tmp_path / "coaches.csv"
    code, stdout, stderr = run(capsys, "report", "coaches", *SINCE_UNTIL, "--out", str(out))
    assert code == 0, stderr
    assert stdout.strip() == f"wrote {out} (2 coaches, 2026-03-02 to 2026-03-15)"
    rows = read_csv(out)
    assert [(r["coach_id"], r["coach"]) for r in rows] == [
        (str(business.ada), "Ada"),
        (str(business.bea), "Bea"),
    ]
    ada, bea = rows
    # From the paper sums: Ada has ann and bob (capacity 3), Bea cy and dee (no limit).
    assert (ada["client_load"], ada["capacity_used"]) == ("2", "66.7")
    assert (bea["client_load"], bea["capacity_used"]) == ("2", "")
    # Money per currency in currency units; each coach's other figures as the registry computes them.
    assert bea["revenue_net.eur"] == "30.00"
    for row, coach_id in ((ada, business.ada), (bea, business.bea)):
        plain = [n for n in COACH_METRICS if n not in ("client_load", "capacity_used", "revenue_net")]
        values = computed(database_url, Scope(coach_id=coach_id), PERIOD, plain)
        for name in plain:
            assert row[name] == ("" if values[name] is None else str(values[name])), name


def test_custom_report_by_week_with_aliases(
    business: Business,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    database_url: str,
) -> None:
    out = tmp_path / "weeks.csv"
    code, stdout, stderr = run(
        capsys,
        "report",
        "custom",
        "--metrics",
        "adherence,satisfaction",
        "--by",
        "week",
        *SINCE_UNTIL,
        "--out",
        str(out),
    )
    assert code == 0, stderr
    assert stdout.strip() == f"wrote {out} (2 rows, 2026-03-02 to 2026-03-15)"
    rows = read_csv(out)
    assert list(rows[0]) == ["week_start", "checkin_adherence", "satisfaction_average"]
    assert [r["week_start"] for r in rows] == ["2026-03-02", "2026-03-09"]
    for row, week in zip(rows, weeks_of(PERIOD), strict=True):
        values = computed(database_url, Scope(), week, ["checkin_adherence", "satisfaction_average"])
        assert row["checkin_adherence"] == str(values["checkin_adherence"])
        assert row["satisfaction_average"] == (
            "" if values["satisfaction_average"] is None else str(values["satisfaction_average"])
        )


def test_custom_report_by_program_as_xlsx_with_definitions(
    business: Business,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    out = tmp_path / "programs.xlsx"
    code, _, stderr = run(
        capsys,
        "report",
        "custom",
        "--metrics",
        "revenue,completion",
        "--by",
        "program",
        *SINCE_UNTIL,
        "--out",
        str(out),
    )
    assert code == 0, stderr
    book = load_workbook(out)
    assert book.sheetnames == ["By program", "Definitions"]
    header, *rows = list(book["By program"].iter_rows(values_only=True))
    assert header[:3] == ("program_id", "program", "coach_id") and "program_completion_rate" in header
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in rows}
    assert set(by_name) == {"Run", "Calm"}
    assert by_name["Calm"]["revenue_net.eur"] == 30  # Decimal 30.00 reads back as a number
    definitions = {r[0]: r[1:] for r in book["Definitions"].iter_rows(min_row=2, values_only=True)}
    assert definitions["program_completion_rate"] == ("%", METRICS["program_completion_rate"].definition)
    assert definitions["revenue_net.eur"][0] == "currency units"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metrics", "adherence,happiness", "--by", "week"], "unknown metric happiness"),
        (["--metrics", "", "--by", "week"], "unknown metric (none given)"),
        (["--metrics", "adherence", "--by", "month"], "'month' is not one of coach, program, week"),
        (
            ["--metrics", "adherence", "--by", "week", "--since", "2026-03-09", "--until", "2026-03-01"],
            "is before",
        ),
        (["--metrics", "adherence", "--by", "week", "--since", "yesterday"], "is not a date"),
    ],
)
def test_custom_report_input_is_checked(
    business: Business,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    code, _, stderr = run(capsys, "report", "custom", *args, "--out", str(tmp_path / "r.csv"))
    assert code == 2 and message in " ".join(stderr.replace("│", " ").split())
    assert not list(tmp_path.iterdir())


def test_aliases_and_weeks() -> None:
    assert resolve_metrics("adherence, satisfaction,checkin_adherence") == [
        "checkin_adherence",
        "satisfaction_average",
    ]
    weeks = weeks_of(
        Period.between(date(2026, 3, 4), date(2026, 3, 10), now=datetime(2026, 4, 1, tzinfo=UTC))
    )
    assert [(w.start.date(), w.end.date()) for w in weeks] == [
        (date(2026, 3, 4), date(2026, 3, 9)),  # cut at the period's start (a Wednesday)
        (date(2026, 3, 9), date(2026, 3, 11)),
    ]


def test_a_metric_with_nothing_to_show_keeps_its_column(
    business: Business,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    out = tmp_path / "r.csv"
    # January 2026: the business had no payments yet, so no currency to make columns of.
    args = ["--metrics", "revenue", "--by", "coach", "--since", "2026-01-01", "--until", "2026-01-07"]
    code, _, stderr = run(capsys, "report", "custom", *args, "--out", str(out))
    assert code == 0, stderr
    rows = read_csv(out)
    assert list(rows[0]) == ["coach_id", "coach", "revenue_net"] and {r["revenue_net"] for r in rows} == {""}
