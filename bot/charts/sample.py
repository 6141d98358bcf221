"""The README's chart: ``python -m bot.charts.sample docs/chart-progress.png``.

Four weeks of a made-up client (no real person's data), drawn by the same code as every progress chart.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from bot.charts.progress_chart import render_progress_chart
from domain.insights.series import ClientSeries, DayValues

END = date(2026, 3, 29)
MISSED = {9, 10, 17}  # days without a check-in: gaps in the lines, crosses in the plan strip


def sample_series() -> ClientSeries:
    days = []
    for i in range(28):
        missed = i in MISSED
        days.append(
            DayValues(
                day=END - timedelta(days=27 - i),
                check_ins=0 if missed else 1,
                mood=None if missed else min(10.0, 4 + i * 0.15 + (i % 3) * 0.5),
                energy=None if missed else min(10.0, 5 + (i % 5) * 0.6),
                adherence=None if missed else (1.0 if i % 4 else 0.5),
                missed=missed,
            )
        )
    return ClientSeries(client_id=0, first_name="Ana", timezone="Europe/Lisbon", days=tuple(days))


def main(argv: list[str]) -> None:
    out = Path(argv[1] if len(argv) > 1 else "docs/chart-progress.png")
    out.write_bytes(render_progress_chart(sample_series()))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv)
