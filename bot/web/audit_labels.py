"""Audit actions as an admin reads them on the audit page: a label in the reader's language for each
stored action code (``client.reassigned``). The codes themselves stay as stored (filters, the CSV
export and the API use them); a code not listed here is shown as it is."""

from __future__ import annotations

from bot.web.i18n import N_, gettext

ACTIONS = {
    "alert.snoozed": N_("alerts snoozed"),
    "announcement.scheduled": N_("announcement scheduled"),
    "api.access_refused": N_("API access refused"),
    "api_token.created": N_("API token created"),
    "api_token.revoked": N_("API token revoked"),
    "availability.set": N_("availability set"),
    "booking.cancelled": N_("session cancelled"),
    "booking.held": N_("session booked"),
    "booking.rescheduled": N_("session moved"),
    "calendar.caldav_removed": N_("CalDAV calendar removed"),
    "calendar.caldav_set": N_("CalDAV calendar set"),
    "calendar.feed_created": N_("calendar feed created"),
    "calendar.feed_revoked": N_("calendar feed revoked"),
    "client.email_code_refused": N_("email confirmation code refused"),
    "client.email_code_sent": N_("email confirmation code sent"),
    "client.email_unsubscribed": N_("client unsubscribed from email"),
    "client.email_verified": N_("client's email confirmed"),
    "client.erased": N_("client erased"),
    "client.files_erased": N_("client's files erased"),
    "client.reassigned": N_("client reassigned"),
    "client.registered": N_("client registered"),
    "client.renamed": N_("client renamed"),
    "coach.capacity_set": N_("coach's capacity set"),
    "coach.chat_linked": N_("coach's chat account linked"),
    "coach.created": N_("coach created"),
    "coach.locale_set": N_("coach's language set"),
    "coach.role_changed": N_("coach's role changed"),
    "coach.settings_changed": N_("coach's settings changed"),
    "coach_feedback.comment": N_("coach commented on a check-in"),
    "coach_feedback.reaction": N_("coach reacted to a check-in"),
    "cohort.leaderboard": N_("cohort leaderboard choice changed"),
    "cohort.linked": N_("cohort group linked"),
    "enrollment.created": N_("enrollment created"),
    "enrollment.status_changed": N_("enrollment status changed"),
    "files.purged": N_("old files deleted"),
    "goal.approved": N_("goal approved"),
    "goal.dismissed": N_("goal dismissed"),
    "guide.published": N_("guide published"),
    "keys.rotated": N_("encryption keys rotated"),
    "note.added": N_("coach note added"),
    "onboarding.coaches_full": N_("newcomer turned away: every coach full"),
    "payment.refunded": N_("payment refunded"),
    "policy.accepted": N_("policy accepted"),
    "policy.declined": N_("policy declined"),
    "policy.published": N_("policy published"),
    "program.imported": N_("program imported"),
    "program.migrated": N_("program's clients moved to another version"),
    "program.published": N_("program published"),
    "program.sessions_included": N_("program's included sessions set"),
    "reminders.preferences": N_("reminder preferences changed"),
    "request.rejected": N_("requests rejected"),
    "retention.purged": N_("old records deleted"),
    "slack.paylink_sent": N_("payment link sent from Slack"),
    "slack.refused": N_("Slack command refused"),
    "slack.reminder_sent": N_("reminder sent from Slack"),
    "sms.number_set": N_("SMS number set"),
    "subscription.cancel_at_period_end": N_("subscription set to end"),
    "subscription.resumed": N_("subscription resumed"),
    "support.answered": N_("support request answered"),
    "support.closed": N_("support request closed"),
    "support.opened": N_("support request opened"),
    "support.replied": N_("client replied to a support request"),
    "web.access_refused": N_("workspace page refused"),
    "web.admin_refused": N_("admin page refused"),
    "web.analytics_refused": N_("analytics refused"),
    "web.csrf_refused": N_("form refused (CSRF check)"),
    "web.session_refused": N_("session refused"),
    "web.sessions_revoked": N_("sessions signed out"),
    "web.sign_in_issued": N_("sign-in link issued"),
    "web.sign_in_link_refused": N_("sign-in link refused"),
    "web.sign_in_refused": N_("sign-in refused"),
    "web.signed_in": N_("signed in"),
    "web.signed_out": N_("signed out"),
    "web.signin_required": N_("sign-in required"),
    "web.telegram_link_issued": N_("Telegram link code issued"),
}
# Families whose code ends in a kind (``notice.payment_failed``): the label names the family.
FAMILIES = {"notice.": N_("notice to a coach: %(kind)s")}


def action_label(code: str) -> str:
    """What the action code means, in the reader's language; an unknown code as stored."""
    label = ACTIONS.get(code)
    if label is not None:
        return gettext(label)
    for prefix, family in FAMILIES.items():
        if code.startswith(prefix) and len(code) > len(prefix):
            return gettext(family, kind=code[len(prefix) :].replace("_", " "))
    return code
