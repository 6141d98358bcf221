"""The coach's numbers worded in the reader's language (conversations.coach_stats): one source of the
metric names and definitions for Slack and the web, Babel's numbers, dates and money."""

from __future__ import annotations

from conversations.coach_stats import change, dashboard_alt_text, definition, label, metric_value, week_label
from conversations.i18n import use_locale
from conversations.texts import Metrics
from domain.analytics.metrics import METRICS, definitions
from domain.analytics.weekly import WeeklyNumbers, WeekPoint


def test_the_catalogue_says_what_the_domain_defines() -> None:
    """A changed definition in domain.analytics.metrics must be changed (and translated) here too."""
    assert definitions() == Metrics.DEFINITIONS
    assert set(Metrics.LABELS) == set(METRICS)


def test_values_and_changes_in_english_and_german() -> None:
    assert (metric_value("checkin_adherence", 33.3), change("checkin_adherence", 33.3, 28.6)) == (
        "33.3 %",
        "+4.7 pts",
    )
    assert change("response_time_median", 12, 20) == "-8 min" and change("active_clients", 3, 3) == "±0"
    assert metric_value("revenue_net", {"usd": 123456}) == "1,234.56 USD"
    assert change("revenue_net", {"usd": 2000}, {"usd": 1000}) == "+10.00 USD"
    assert metric_value("satisfaction_average", None) == "–"
    assert (label("churned_clients"), week_label("churned_clients")) == ("Churned clients", "Churned")
    with use_locale("de"):
        assert (metric_value("checkin_adherence", 33.3), change("checkin_adherence", 33.3, 28.6)) == (
            "33,3 %",
            "+4,7 Pkt.",
        )
        assert metric_value("revenue_net", {"usd": 123456}) == "1.234,56 USD"
        assert week_label("active_clients") == "Aktive Klienten"
        assert definition("new_clients") == "Klienten, die im Zeitraum beigetreten sind."


def test_the_weekly_chart_in_words() -> None:
    numbers = WeeklyNumbers(
        coach_id=1,
        coach="Ada",
        start="2026-11-16",
        end="2026-11-22",
        load="2/4",
        rows=(),
        attention=(),
        history=(WeekPoint("2026-11-09", None, 12.0, None), WeekPoint("2026-11-16", 33.3, 7.5, 4.5)),
    )
    assert dashboard_alt_text(numbers) == (
        "Ada, weeks from 9 Nov 2026. check-in adherence: –, 33.3 %; median response: 12 min, 7.5 min; "
        "satisfaction: –, 4.5."
    )
    with use_locale("es"):
        assert dashboard_alt_text(numbers).startswith("Ada, semanas desde el 9 nov 2026. constancia")
