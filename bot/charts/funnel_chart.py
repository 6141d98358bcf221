"""A program's funnel: how many enrolled, reached each step, and completed, as horizontal bars.

Each bar says its count and its share of those who enrolled, so the drop-off between steps reads in
words as well as lengths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.charts import style
from domain.analytics.programs import ProgramStats

WIDTH = 1200
ROW_HEIGHT, CHROME_HEIGHT = 44, 170
MAX_STAGES = 24  # a long program shows its first steps and its end: the drop-off is early
LABEL_MAX = 48


@dataclass(frozen=True, slots=True)
class FunnelStage:
    label: str
    count: int


def program_funnel(stats: ProgramStats) -> list[FunnelStage]:
    """Enrolled, then every step of the published version by how many it reached, then completed."""
    steps = [FunnelStage(f"Day {s.day}: {s.title}", s.reached) for s in stats.steps]
    if len(steps) > MAX_STAGES - 2:
        steps = [*steps[: MAX_STAGES - 3], steps[-1]]
    return [FunnelStage("Enrolled", stats.enrolled), *steps, FunnelStage("Completed", stats.completed)]


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def render_program_funnel(
    program: str, stages: Sequence[FunnelStage], fmt: style.ChartFormat = "png"
) -> bytes:
    rows = max(1, len(stages))
    with style.drawing(WIDTH, CHROME_HEIGHT + ROW_HEIGHT * rows) as figure:
        height = figure.bbox.height
        figure.suptitle(
            f"{_cut(program) or 'Program'}: from enrolment to completion",
            x=0.03,
            ha="left",
            fontsize=style.TITLE_SIZE,
        )
        axes = figure.add_axes((0.33, 70 / height, 0.6, 1 - 150 / height))
        style.tidy(axes, grid_axis="x")
        top = stages[0].count if stages else 0
        ys = list(range(len(stages)))
        counts = [s.count for s in stages]
        axes.barh(ys, counts, height=0.65, color=style.colour(style.BLUE))
        axes.set_yticks(ys, [_cut(s.label) for s in stages])
        axes.tick_params(axis="y", labelcolor=style.colour(style.TEXT))
        axes.invert_yaxis()
        axes.set_xlim(0, max(1, max(counts, default=0)) * 1.18)
        axes.set_xlabel("Clients")
        for y, stage in zip(ys, stages, strict=True):
            share = f" ({round(100 * stage.count / top)}%)" if top else ""
            axes.annotate(
                f"{stage.count}{share}",
                (stage.count, y),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=style.TICK_SIZE,
            )
        if not top:
            style.no_data(axes, "Nobody has enrolled yet")
        return style.export(figure, fmt)
