"""Revenue by month: gross as bars, refunds below the line, net as a line; one panel per currency.

Currencies are never added together: each gets its own panel, in its own units.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.charts import style
from domain.money import minor_unit_factor
from domain.services.financial import MonthRevenue

WIDTH = 1200
PANEL_HEIGHT, CHROME_HEIGHT = 380, 160
MAX_CURRENCIES = 4  # more panels than this would not fit a page; the busiest currencies are shown
PX = 72 / style.DPI


def render_revenue_by_month(months: Sequence[MonthRevenue], fmt: style.ChartFormat = "png") -> bytes:
    """``months`` as from ``monthly_revenue`` (every month of the period, per currency)."""
    by_currency: dict[str, list[MonthRevenue]] = {}
    for month in months:
        by_currency.setdefault(month.currency, []).append(month)
    busiest = sorted(by_currency, key=lambda c: -sum(m.gross_minor for m in by_currency[c]))
    currencies = sorted(busiest[:MAX_CURRENCIES])
    panels = max(1, len(currencies))
    with style.drawing(WIDTH, CHROME_HEIGHT + PANEL_HEIGHT * panels) as figure:
        figure.suptitle("Revenue by month", x=0.06, ha="left", fontsize=style.TITLE_SIZE)
        axes_list = figure.subplots(panels, 1, squeeze=False)[:, 0]
        figure.subplots_adjust(
            left=0.09,
            right=0.97,
            top=1 - 110 / figure.bbox.height,
            bottom=50 / figure.bbox.height,
            hspace=0.5,
        )
        if not currencies:
            style.tidy(axes_list[0])
            axes_list[0].set_xticks([])
            style.no_data(axes_list[0], "No payments in this period")
        for axes, currency in zip(axes_list, currencies, strict=False):
            rows = sorted(by_currency[currency], key=lambda m: m.month)
            factor = minor_unit_factor(currency)
            xs = list(range(len(rows)))
            gross = [m.gross_minor / factor for m in rows]
            refunds = [-m.refunds_minor / factor for m in rows]
            net = [(m.gross_minor - m.refunds_minor) / factor for m in rows]
            style.tidy(axes)
            axes.bar(xs, gross, width=0.6, color=style.colour(style.BLUE), label="Gross")
            axes.bar(xs, refunds, width=0.6, color=style.colour(style.RED), label="Refunds")
            axes.plot(
                xs,
                net,
                color=style.colour(style.TEXT),
                linewidth=2 * PX,
                marker="o",
                markersize=7 * PX,
                label="Net",
            )
            axes.axhline(0, color=style.colour(style.MUTED), linewidth=PX)
            axes.set_xticks(xs, [style.month_label(m.month) for m in rows])
            axes.set_ylabel(currency.upper())
            axes.set_ylim(top=max(1.0, *gross) * 1.3)  # room for the legend above the tallest bar
            axes.set_title(
                f"{currency.upper()}: net {sum(net):,.2f} over {len(rows)} months",
                fontsize=style.LABEL_SIZE + 2,
            )
            axes.legend(loc="upper left", ncols=3)
        return style.export(figure, fmt)
