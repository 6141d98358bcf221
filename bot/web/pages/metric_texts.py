"""What the Analytics page calls each metric and how it defines it, in the reader's language.

The English is the domain's (``domain.analytics.report.METRIC_LABELS`` and each metric's docstring,
also the README's table); ``tests/web/test_web_catalogue.py`` keeps these copies equal to it, so a
changed definition is translated again. A literal percent sign is ``%%`` (gettext formatting).
"""

from __future__ import annotations

from bot.web.i18n import N_

LABELS = {
    "active_clients": N_("Active clients"),
    "new_clients": N_("New clients"),
    "churned_clients": N_("Churned clients"),
    "reactivated_clients": N_("Reactivated clients"),
    "checkin_adherence": N_("Check-in adherence"),
    "response_time_median": N_("Response time, median"),
    "response_time_p90": N_("Response time, 90th percentile"),
    "coach_feedback_rate": N_("Check-ins with coach feedback"),
    "satisfaction_average": N_("Satisfaction, average"),
    "satisfaction_count": N_("Feedback scores"),
    "satisfaction_distribution": N_("Scores given"),
    "satisfaction_top_share": N_("Share of 5/5 scores"),
    "goal_completion_rate": N_("Goal completion"),
    "program_completion_rate": N_("Program completion"),
    "mood_change": N_("Mood change, first to last week"),
    "energy_change": N_("Energy change, first to last week"),
    "revenue_gross": N_("Gross revenue"),
    "revenue_refunds": N_("Refunds"),
    "revenue_net": N_("Net revenue"),
    "mrr": N_("Monthly recurring revenue"),
    "arpu": N_("Net revenue per active client"),
    "failed_payment_rate": N_("Failed payments"),
    "client_load": N_("Active clients per coach"),
    "capacity_used": N_("Capacity used"),
    "llm_calls": N_("Language model calls"),
    "llm_tokens": N_("Language model tokens"),
}

DEFINITIONS = {
    "active_clients": N_(
        "Clients who checked in at least once in the 14 days up to the end of the period (or up to now)."
    ),
    "new_clients": N_("Clients who joined during the period."),
    "churned_clients": N_(
        "Clients who churned during the period: a program enrollment cancelled (not an extra session bought), or more than 14 days passed without a check-in (after one, or after joining)."
    ),
    "reactivated_clients": N_(
        "Clients who checked in during the period more than 14 days after their previous check-in (or after joining)."
    ),
    "checkin_adherence": N_(
        "Check-ins done as a share (%%) of those expected by each active client's cadence (daily, weekdays, weekly) on their local days in the period since they joined, at most one per expected."
    ),
    "response_time_median": N_(
        "Median minutes, within the coach's business hours (Mon-Fri 09:00-18:00 in their timezone), from a client's first unanswered message to the coach's reply, over replies sent in the period."
    ),
    "response_time_p90": N_(
        "90th-percentile (nearest rank) minutes, within the coach's business hours, from a client's first unanswered message to the coach's reply, over replies sent in the period."
    ),
    "coach_feedback_rate": N_(
        "Check-ins in the period that got a coach's reaction or comment (at any time since) as a share (%%) of all check-ins in the period; null without check-ins."
    ),
    "satisfaction_average": N_("Mean feedback score (1-5) clients gave during the period."),
    "satisfaction_count": N_("Feedback scores clients gave during the period."),
    "satisfaction_distribution": N_(
        "Feedback scores given during the period, counted per score (keys 1 to 5)."
    ),
    "satisfaction_top_share": N_("Share (%%) of the period's feedback scores that are 5 out of 5."),
    "goal_completion_rate": N_(
        "Of the clients' goals (active or done) due within the period, the share (%%) that are done."
    ),
    "program_completion_rate": N_(
        "Of the program enrollments that ended during the period (completed or cancelled), the share (%%) completed; extra sessions bought are not programs."
    ),
    "mood_change": N_(
        "Mean over clients with check-ins in both the period's first and last 7 days (periods of 14+ days) of last-week minus first-week average mood."
    ),
    "energy_change": N_(
        "Mean over clients with check-ins in both the period's first and last 7 days (periods of 14+ days) of last-week minus first-week average energy."
    ),
    "revenue_gross": N_(
        "Per currency, minor units paid in payments made during the period (before refunds)."
    ),
    "revenue_refunds": N_(
        "Per currency, minor units refunded during the period, whenever the payment was made."
    ),
    "revenue_net": N_(
        "Per currency, gross minus refunds of the period (negative when refunds exceed what came in)."
    ),
    "mrr": N_(
        "Per currency, the monthly amounts of subscriptions running now (active, trialing or past due) that started before the period's end."
    ),
    "arpu": N_(
        "Per currency, the period's net revenue divided by its active clients (minor units; null without active clients)."
    ),
    "failed_payment_rate": N_(
        "Payments made during the period that failed, as a share (%%) of those that succeeded or failed (checkouts left unpaid not counted)."
    ),
    "client_load": N_("Per coach (key coach:ID), the clients with status active assigned to them now."),
    "capacity_used": N_(
        "Per coach (key coach:ID), active clients now as a share (%%) of the coach's capacity; null when the coach has no limit."
    ),
    "llm_calls": N_("Calls to the language model during the period (a program counts its coach's)."),
    "llm_tokens": N_(
        "Prompt plus completion tokens used by the language model during the period (a program counts its coach's)."
    ),
}
