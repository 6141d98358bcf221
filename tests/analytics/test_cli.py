"""``coach analytics`` and the capacity commands end to end through the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli.main import main
from domain.analytics.metrics import METRICS
from domain.db import Database
from tests.analytics.fixture import Business, build
from tests.support.databases import wipe


@pytest.fixture
def business(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Business:
    async def _build() -> Business:
        db = Database(database_url)
        try:
            await wipe(db)
            return await build(db)
        finally:
            await db.dispose()

    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    return asyncio.run(_build())


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_every_metric_with_its_definition(
    business: Business, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "analytics", "--since", "2026-03-02", "--until", "2026-03-15", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["scope"] == {
        "kind": "business",
        "coach_id": None,
        "program_id": None,
        "name": "Whole business",
    }
    assert data["period"] == {"start": "2026-03-02T00:00:00+00:00", "end": "2026-03-16T00:00:00+00:00"}
    assert list(data["metrics"]) == list(METRICS)
    assert data["metrics"]["checkin_adherence"] == {
        "value": 41.0,
        "unit": "%",
        "definition": METRICS["checkin_adherence"].definition,
    }
    assert data["metrics"]["revenue_net"]["value"] == {"eur": 3000, "usd": 100}
    assert data["llm_usage_by_day"][0] == {
        "coach_id": business.ada,
        "day": "2026-03-03",
        "calls": 2,
        "tokens": 450,
    }


def test_table_for_a_coach_with_footnoted_definitions(
    business: Business, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "analytics", "--coach", str(business.ada), "--since", "2026-03-02", "--until", "2026-03-15"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Ada · 2026-03-02 to 2026-03-15 (UTC days)"
    rows = {line.split()[0]: line for line in lines[2:] if line and not line.startswith("[")}
    assert "62.5 %" in rows["checkin_adherence"]
    assert "-9.00 USD" in rows["revenue_net"]
    assert "55 min" in rows["response_time_median"]
    assert "[5] checkin_adherence: Check-ins done as a share (%)" in out
    forecast = next(line for line in lines if line.startswith("bob "))
    assert "2026-03-14" in forecast and "off track" in forecast and "due on 2026-03-14 and at 0 %" in forecast


def test_usage_errors(business: Business, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "analytics", "--coach", "1", "--program", "1")[0] == 2
    assert run(capsys, "analytics", "--since", "March")[0] == 2
    assert run(capsys, "analytics", "--since", "2026-03-15", "--until", "2026-03-01")[0] == 2
    code, _, err = run(capsys, "analytics", "--coach", "999")
    assert code == 1 and "no coach with id 999" in err


def test_coaches_list_shows_load_and_set_capacity_changes_it(
    business: Business, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "coaches", "list")
    assert code == 0
    ada = next(line for line in out.splitlines() if "ada@example.com" in line)
    bea = next(line for line in out.splitlines() if "bea@example.com" in line)
    assert ada.endswith("2/3") and bea.endswith("2/∞")
    code, out, _ = run(capsys, "coaches", "set-capacity", str(business.bea), "5")
    assert (code, out.strip()) == (0, f"coach {business.bea} (Bea) takes 5 active clients")
    code, out, _ = run(capsys, "coaches", "set-capacity", str(business.ada), "none")
    assert code == 0 and "any number of" in out
    assert run(capsys, "coaches", "set-capacity", str(business.ada), "0")[0] == 1
    assert run(capsys, "coaches", "set-capacity", str(business.ada), "many")[0] == 2
    out = run(capsys, "coaches", "list")[1]
    assert any(line.endswith("2/5") for line in out.splitlines())


def test_analytics_on_demo_data_and_an_imported_history(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    async def _wipe() -> None:
        db = Database(database_url)
        try:
            await wipe(db)
        finally:
            await db.dispose()

    asyncio.run(_wipe())
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    assert run(capsys, "seed-demo")[0] == 0
    # Two clients' March, imported: Ana daily in Berlin, mood rising; Ben in Tokyo on three days.
    rows = ["identity,client name,timezone,timestamp,mood,energy,sleep hours,adherence,goal progress,note"]
    rows += [
        f"telegram:1,Ana,Europe/Berlin,2026-03-{d:02d}T08:00:00,{4 if d < 9 else 7},6,7,yes,,"
        for d in range(2, 16)
    ]
    rows += [f"telegram:2,Ben,Asia/Tokyo,2026-03-{d:02d}T08:00:00,6,6,7,no,," for d in (3, 10, 11)]
    history = tmp_path / "history.csv"
    history.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "checkins", str(history))
    assert code == 0, err
    code, out, err = run(capsys, "analytics", "--since", "2026-03-02", "--until", "2026-03-15", "--json")
    assert code == 0, err
    metrics = {name: m["value"] for name, m in json.loads(out)["metrics"].items()}
    assert metrics["active_clients"] == 2
    # Imported clients joined at their first check-in (their record is from today). Local days whose
    # midnight falls in the period: Berlin 3-16 March (2 March began at 23:00 UTC on the 1st), Tokyo
    # 3-16 March. Ana checked in on 13 of them (her 2 March is outside), Ben on 3 → 16 / 28.
    assert metrics["checkin_adherence"] == round(100 * 16 / 28, 1)
    # First week (2-8 March UTC) to last (9-15): Ana 4 → 7, Ben 6 → 6.
    assert metrics["mood_change"] == 1.5
    assert metrics["new_clients"] == 0  # imported today, not in March
