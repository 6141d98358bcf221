"""Block Kit rendering: every Slack surface of the app is built here, from neutral data.

Limits from https://api.slack.com/reference/block-kit (checked 2026-11).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from babel import dates as babel_dates

from bot.slack.roster import NO_CHECK_IN as NO_CHECK_IN_MARK
from bot.slack.roster import ClientGlance, ClientProfile, days_ago
from conversations import coach_stats
from conversations.coach_notices import details as notice_details
from conversations.coach_notices import notice_text as render_notice_text
from conversations.coach_notices import platform_name
from conversations.i18n import current_locale, format_decimal
from conversations.messages import OutgoingMessage
from conversations.texts import ClientHome, CoachSummary
from conversations.texts import CoachCommands as Commands
from conversations.texts import CoachHome as Home
from conversations.texts import CoachNotices as Notices
from conversations.texts import CoachStats as Stats
from conversations.texts import CoachThreads as Threads
from domain.analytics.weekly import WeeklyNumbers
from domain.models import CheckIn, Client, Coach, Message
from domain.services.coach_feedback import REACTIONS

SECTION_TEXT_MAX = 3000  # section text: at most 3000 characters
HEADER_TEXT_MAX = 150  # header text: at most 150 characters
BUTTON_TEXT_MAX = 75  # button text: at most 75 characters
BUTTON_VALUE_MAX = 2000  # button value: at most 2000 characters
ACTIONS_ELEMENTS_MAX = 25  # an actions block holds at most 25 elements
MESSAGE_BLOCKS_MAX = 50  # a message holds at most 50 blocks (a Home view 100)
FALLBACK_TEXT_MAX = 4000  # chat.postMessage ``text`` is truncated after 40,000; keep notifications short

# action_ids: the listeners in actions.py match these.
ENGINE_BUTTON = "engine_button"
URL_BUTTON = "url_button"
PICK_CLIENT = "pick_client"
ALERT_MESSAGE_CLIENT = "alert_message_client"
ALERT_SNOOZE = "alert_snooze"
OPEN_CLIENT = "open_client"
MIGRATE_PROGRAM = "migrate_program"  # value "<program id>:<version number>"
GOAL_APPROVE = "goal_approve"
GOAL_EDIT = "goal_edit"
GOAL_DISMISS = "goal_dismiss"
CHECKIN_REACT = "checkin_react"  # value "<check-in id>:<reaction name>"
CHECKIN_COMMENT = "checkin_comment"  # value "<check-in id>"
# The reactions of a check-in notice: (name, emoji), as domain.services.coach_feedback.REACTIONS.
CHECKIN_REACTIONS = tuple(REACTIONS.items())

Block = dict[str, Any]


def escape(text: str) -> str:
    """The one escape for Slack: every client-controlled string bound for a ``text`` or mrkdwn field.

    Slack reads ``&``, ``<`` and ``>`` as control characters in both (``<!channel>``, ``<@U…>``,
    ``<#C…>``, ``<url|label>``); escaped, a client's name or note shows as written and mentions,
    broadcasts and disguised links never fire. ``plain_text`` objects need no escaping.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SECTION_TEXT_MAX)}}


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": _clip(text, HEADER_TEXT_MAX), "emoji": True},
    }


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, SECTION_TEXT_MAX)}]}


def button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip(label, BUTTON_TEXT_MAX), "emoji": True},
        "action_id": action_id,
        "value": value[:BUTTON_VALUE_MAX],
    }
    if style:
        element["style"] = style
    return element


def actions(elements: Sequence[dict[str, Any]], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:ACTIONS_ELEMENTS_MAX])}
    if block_id:
        block["block_id"] = block_id
    return block


def fallback(text: str) -> str:
    """A message's top-level ``text`` (notifications, screen readers) from raw text: escaped, clipped.

    Slack parses this field as mrkdwn too, so every ``text=`` the app sends goes through here.
    """
    return _clip(escape(text), FALLBACK_TEXT_MAX)


# --- the conversation engine's messages (clients on Slack) -------------------------------------


def outgoing_blocks(message: OutgoingMessage) -> list[Block]:
    """A neutral bot message: its text, then one actions block per button row, then URL buttons."""
    blocks: list[Block] = [section(escape(message.text))] if message.text else []
    for r, row in enumerate(message.buttons):
        elements = [button(b.label, f"{ENGINE_BUTTON}:{r}:{c}", b.payload) for c, b in enumerate(row)]
        blocks.append(actions(elements, block_id=f"engine_row_{r}"))
    if message.url_buttons:
        elements = []
        for i, url_button in enumerate(message.url_buttons):
            element = button(url_button.label, f"{URL_BUTTON}:{i}", "url")
            element["url"] = url_button.url
            elements.append(element)
        blocks.append(actions(elements, block_id="url_buttons"))
    return blocks[:MESSAGE_BLOCKS_MAX]


def answered_blocks(original: Sequence[Block], chosen_label: str) -> list[Block]:
    """The pressed message without its buttons, noting the answer (so it can't be pressed twice)."""
    kept = [b for b in original if b.get("type") != "actions" or b.get("block_id") == "url_buttons"]
    return [*kept, context(f"✅ {escape(chosen_label)}")]


# --- coach surfaces ----------------------------------------------------------------------------


def _status(names: dict[str, str], status: str) -> str:
    """A status value (``partially_refunded``) in words of the current locale."""
    return names.get(status) or status.replace("_", " ")


def local_date(at: datetime, english: str, skeleton: str, *, clock: bool = False) -> str:
    """A date as English has always shown it here (``english``, a strftime pattern), or Babel's
    ``skeleton`` (and, with ``clock``, the short time) for the coach's language."""
    language = current_locale()
    if language == "en":
        return at.strftime(english)
    day = str(babel_dates.format_skeleton(skeleton, at, locale=language))
    return f"{day} {babel_dates.format_time(at, format='short', locale=language)}" if clock else day


def _glance_line(glance: ClientGlance, now: datetime) -> str:
    when = days_ago(glance.last_check_in_at, now, glance.client.timezone)
    parts = [Home.LAST_CHECK_IN.format(when=when), Home.STREAK.format(streak=glance.streak)]
    if glance.last_mood is not None:
        parts.append(Home.MOOD.format(mood=glance.last_mood))
    if glance.payment_status:
        parts.append(Home.PAYMENT.format(status=_status(Home.PAYMENT_STATUSES, glance.payment_status)))
    flags = "  ".join(f"⚠️ {escape(flag)}" for flag in glance.flags)
    line = f"*{escape(glance.client.display_name)}* — " + " · ".join(parts)
    if glance.program:
        line += f"\n📘 {escape(glance.program)}"
    return f"{line}\n{flags}" if flags else line


def clients_blocks(roster: Sequence[ClientGlance], now: datetime) -> list[Block]:
    if not roster:
        return [header(Home.YOUR_CLIENTS), section(Home.NO_CLIENTS_INVITE)]
    blocks: list[Block] = [header(Home.YOUR_CLIENTS_COUNT.format(count=len(roster)))]
    for glance in roster[: MESSAGE_BLOCKS_MAX - 2]:
        block = section(_glance_line(glance, now))
        block["accessory"] = button(Home.OPEN, OPEN_CLIENT, str(glance.client.id))
        blocks.append(block)
    if len(roster) > MESSAGE_BLOCKS_MAX - 2:
        blocks.append(context(Home.AND_MORE.format(n=len(roster) - (MESSAGE_BLOCKS_MAX - 2))))
    return blocks


def _goal_mark(status: str) -> str:
    """How a client card marks goals that are not yet the client's own (domain GoalStatus values)."""
    mark = Home.GOAL_MARKS.get(status)
    return f" _({mark})_" if mark else ""


def profile_blocks(profile: ClientProfile, now: datetime) -> list[Block]:
    glance = profile.glance
    client = glance.client
    blocks: list[Block] = [header(client.display_name), section(_glance_line(glance, now))]
    facts = [
        Home.TIMEZONE.format(zone=escape(client.timezone)),
        Home.CHANNELS.format(
            channels=", ".join(platform_name(c) for c in profile.channels) or Home.NO_CHANNEL
        ),
    ]
    if profile.programs:
        named = ", ".join(
            f"{escape(n)} ({_status(Commands.ENROLLMENT_STATUSES, s)})" for n, s in profile.programs
        )
        facts.append(Home.PROGRAMS.format(programs=named))
    blocks.append(context("  ·  ".join(facts)))
    if profile.goals:
        goal_lines = [f"• {escape(g.text)} — {g.progress}%" + _goal_mark(g.status) for g in profile.goals]
        blocks.append(section(Home.GOALS + "\n" + "\n".join(goal_lines)))
    else:
        blocks.append(section(Home.GOALS + "\n" + Home.NO_GOALS))
    if profile.check_ins:
        lines = [
            "• "
            + Home.CHECK_IN_LINE.format(
                day=local_date(c.created_at, "%a %d %b", "MMMEd"),
                mood=c.mood,
                energy=c.energy,
                sleep=format_decimal(c.sleep_hours),
                plan=Home.ADHERENCE.get(c.adherence, c.adherence),
            )
            + (f" — _{escape(_clip(c.note, 120))}_" if c.note else "")
            for c in profile.check_ins
        ]
        blocks.append(section(Home.LAST_CHECK_INS.format(n=len(profile.check_ins)) + "\n" + "\n".join(lines)))
    if profile.charts:
        names = {metric: CoachSummary.METRICS.get(metric, metric) for metric, _, _ in profile.charts}
        width = max(len(name) for name in names.values())
        rows = [
            f"`{names[metric].ljust(width)} {bars}`  {escape(trend)}"
            for metric, bars, trend in profile.charts
        ]
        if profile.trend:
            rows.append(escape(profile.trend))
        title = Home.TREND_TITLE.format(days=len(profile.charts[0][1]), mark=NO_CHECK_IN_MARK)
        blocks.append(section(title + "\n" + "\n".join(rows)))
    else:
        blocks.append(section(Home.CHECK_INS + "\n" + Home.NO_CHECK_INS))
    if profile.summary:
        blocks.append(section(Home.LATEST_SUMMARY + "\n" + escape(profile.summary)))
    if profile.payments:
        lines = [
            f"• #{p_id} {escape(amount)} — {_status(Home.PAYMENT_STATUSES, status)}"
            for p_id, amount, status in profile.payments
        ]
        blocks.append(section(Home.PAYMENTS + "\n" + "\n".join(lines)))
    blocks.append(
        actions([button(Notices.MESSAGE_CLIENT, ALERT_MESSAGE_CLIENT, str(client.id), style="primary")])
    )
    return blocks


def choice_blocks(prompt: str, options: Iterable[tuple[str, dict[str, Any]]]) -> list[Block]:
    """Several clients match: one button per candidate, carrying the command to finish."""
    elements = [
        button(label, f"{PICK_CLIENT}:{i}", json.dumps(value, separators=(",", ":")))
        for i, (label, value) in enumerate(options)
    ]
    return [section(escape(prompt)), actions(elements, block_id="pick_client")]


# Each command's usage as typed (the interface: the same in every language), then what it does
# (CoachCommands.HELP, in the coach's language).
HELP_COMMANDS = (
    ("clients", "/coach clients"),
    ("client", "/coach client <name>"),
    ("goals", "/coach goals <client>"),
    ("digest", "/coach digest"),
    ("programs", "/coach programs"),
    ("stats", "/coach stats"),
    ("paylink", "/coach paylink <client> <program>"),
    ("remind", "/coach remind <client> <text>"),
    ("refund", "/coach refund <payment id> [amount]"),
    ("announce", "/coach announce [--program ID] [--segment flagged|missed|unpaid] [--at ISO] <text>"),
    ("settings", "/coach settings"),
    ("support", "/coach support <text>"),
    ("guides", "/coach guides"),
    ("availability", "/coach availability"),
    ("help", "/coach help"),
)


def help_blocks(note: str | None = None) -> list[Block]:
    said = Commands.HELP
    lines = [f"`{usage}` — {said[key]}" for key, usage in HELP_COMMANDS]
    lines.append(Commands.HELP_THREADS)
    blocks = [header(Commands.HELP_TITLE), section("\n".join(lines))]
    if note:
        blocks.insert(0, section(escape(note)))
    return blocks


def programs_blocks(lines: Sequence[tuple[str, str, str, tuple[str, str] | None]]) -> list[Block]:
    """``/coach programs``: (name, status, stats line, optional (label, value) of a migrate button)."""
    if not lines:
        return [header(Commands.YOUR_PROGRAMS_TITLE), section(Commands.NO_PROGRAMS)]
    blocks: list[Block] = [header(Commands.YOUR_PROGRAMS.format(count=len(lines)))]
    for name, status, stats, migrate in lines[: MESSAGE_BLOCKS_MAX - 1]:
        block = section(f"*{escape(name)}* — {escape(status)}\n{escape(stats)}")
        if migrate is not None:
            block["accessory"] = button(migrate[0], MIGRATE_PROGRAM, migrate[1])
        blocks.append(block)
    return blocks


def text_blocks(text: str) -> list[Block]:
    return [section(escape(text))]


# --- alerts and digests ------------------------------------------------------------------------

NOTICE_ICONS = {
    "low_mood": "🟠",
    "missed_checkins": "⏰",
    "payment_failed": "💳",
    "payment_received": "✅",
    "new_client": "👋",
    "goal_approval": "🎯",
    "program_completed": "🎓",
    "announcement_report": "📣",
}
# Notice kinds (raised by check-ins, reminders and Stripe webhooks) that get the alert buttons.
GOAL_APPROVAL_KIND = "goal_approval"  # domain.insights.approval.GOAL_APPROVAL
ALERT_KINDS = frozenset({"low_mood", "missed_checkins", "payment_failed", "paused_unpaid"})


def is_alert(kind: str) -> bool:
    return kind in ALERT_KINDS


def notice_text(payload: dict[str, Any]) -> str:
    """The notice's sentence in the current locale (the coach's, set by the caller), from its stored
    values; the text it was queued with otherwise."""
    values = payload.get("values")
    return render_notice_text(
        str(payload.get("kind", "")),
        values if isinstance(values, dict) else None,
        str(payload.get("text", "")),
    )


def notice_blocks(payload: dict[str, Any], client_name: str | None) -> list[Block]:
    """A coach notice from the outbox; alerts about a client get the three action buttons."""
    kind = str(payload.get("kind", "notice"))
    icon = NOTICE_ICONS.get(kind, "🔔")
    text = notice_text(payload)
    named = Notices.KINDS.get(kind) or kind.replace("_", " ").capitalize()
    title = f"{icon} {named}" + (f" — {client_name}" if client_name else "")
    blocks: list[Block] = [section(f"*{escape(title)}*\n{escape(text)}")]
    data = payload.get("data") or {}
    details = [f"{escape(label)}: {escape(value)}" for label, value in notice_details(data)]
    if details:
        blocks.append(context("  ·  ".join(details[:10])))
    client_id = payload.get("client_id")
    if client_id is not None and is_alert(kind):
        value = json.dumps({"client_id": client_id, "kind": kind}, separators=(",", ":"))
        blocks.append(
            actions(
                [
                    button(Notices.MESSAGE_CLIENT, ALERT_MESSAGE_CLIENT, str(client_id), style="primary"),
                    button(Notices.SNOOZE, ALERT_SNOOZE, value),
                    button(Notices.OPEN_CLIENT, OPEN_CLIENT, str(client_id)),
                ],
                block_id="alert_actions",
            )
        )
    check_in_id = data.get("check_in_id")
    if client_id is not None and isinstance(check_in_id, int) and not isinstance(check_in_id, bool):
        blocks.append(feedback_actions(check_in_id))
    goal_id = data.get("goal_id")
    if kind == GOAL_APPROVAL_KIND and isinstance(goal_id, int):
        blocks.append(
            actions(
                [
                    button(Notices.APPROVE, GOAL_APPROVE, str(goal_id), style="primary"),
                    button(Notices.EDIT, GOAL_EDIT, str(goal_id)),
                    button(Notices.DISMISS, GOAL_DISMISS, str(goal_id)),
                ],
                block_id="goal_approval_actions",
            )
        )
    return blocks


def feedback_actions(check_in_id: int) -> Block:
    """React (one button per reaction) or comment on one check-in; the client gets it quoting it."""
    elements = [button(emoji, CHECKIN_REACT, f"{check_in_id}:{name}") for name, emoji in CHECKIN_REACTIONS]
    elements.append(button(Notices.COMMENT, CHECKIN_COMMENT, str(check_in_id)))
    return actions(elements, block_id=f"checkin_feedback_{check_in_id}")


def check_in_values(check_in: CheckIn) -> str:
    """The check-in's numbers in the current locale (the coach's, set by the caller)."""
    adherence = Notices.ADHERENCE.get(check_in.adherence, check_in.adherence)
    parts = [
        Notices.MOOD.format(value=check_in.mood),
        Notices.ENERGY.format(value=check_in.energy),
        Notices.SLEEP.format(hours=format_decimal(check_in.sleep_hours)),
        Notices.PLAN.format(adherence=escape(adherence)),
    ]
    if check_in.goal_progress is not None:
        parts.append(f"{Notices.GOAL} {check_in.goal_progress} %")
    return " · ".join(parts)


def check_in_notice_blocks(check_in: CheckIn, client_name: str, day: str) -> list[Block]:
    """A client's check-in for their coach, with the reaction and comment buttons."""
    title = Notices.CHECK_IN.format(name=escape(client_name))
    blocks: list[Block] = [section(f"📝 *{title}* ({escape(day)})\n{check_in_values(check_in)}")]
    if check_in.note:
        blocks.append(section("\n".join(f"> {escape(line)}" for line in check_in.note.splitlines())))
    blocks.append(feedback_actions(check_in.id))
    return blocks


def check_in_notice_text(client_name: str, day: str) -> str:
    return Notices.CHECK_IN_FROM.format(name=client_name, day=day)


def digest_blocks(payload: dict[str, Any]) -> list[Block]:
    """A coach digest: title, overview, one line per client.

    Two producers: the insights digest (``overview`` and ``lines`` with ``status``/``needs_action``)
    and the scheduled digest of the reminders feature (plain ``text``: a title line, then lines).
    """
    lines: list[Any] = list(payload.get("lines") or [])
    text_lines = [ln for ln in str(payload.get("text") or "").splitlines()]
    title = str(
        payload.get("title") or (text_lines[0] if text_lines and not lines else Commands.DIGEST_TITLE)
    )
    blocks: list[Block] = [header(title)]
    overview = payload.get("overview")
    if isinstance(overview, str) and overview:
        blocks.append(section(escape(overview)))
    rendered: list[str] = []
    for item in lines:
        if isinstance(item, str):
            rendered.append(f"• {escape(item)}")
            continue
        status = str(item.get("status") or item.get("line") or item.get("text") or "")
        name = str(item.get("name") or "")
        mark = "‼️" if item.get("needs_action") else ("⚠️" if item.get("flags") else "•")
        flags = " ".join(f"⚠️ {escape(str(f))}" for f in item.get("flags") or [])
        body = (
            escape(status) if status.startswith(name) or not name else f"*{escape(name)}* — {escape(status)}"
        )
        rendered.append(f"{mark} {body}" + (f"  {flags}" if flags else ""))
    if not lines:
        rendered = [escape(ln) for ln in text_lines[1:] if ln.strip()]
    chunk: list[str] = []
    for line in rendered:
        # Several sections so no single one passes the 3000-character limit.
        if chunk and sum(len(x) + 1 for x in chunk) + len(line) > SECTION_TEXT_MAX - 10:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if len(blocks) == 1:
        blocks.append(section(Commands.NOTHING_TO_REPORT))
    if payload.get("source"):
        source = str(payload["source"])
        blocks.append(context(Commands.SOURCE.format(source=escape(Commands.SOURCES.get(source, source)))))
    return blocks[:MESSAGE_BLOCKS_MAX]


def digest_text(payload: dict[str, Any]) -> str:
    return str(
        payload.get("text") or payload.get("overview") or payload.get("title") or Commands.DIGEST_TITLE
    )


# --- client threads ----------------------------------------------------------------------------


def thread_root_text(client: Client) -> str:
    """The thread's first message as a notification reads it (raw: ``fallback`` escapes it)."""
    return Threads.THREAD.format(name=client.display_name)


def thread_root_blocks(client: Client, channels: Sequence[str]) -> list[Block]:
    """A client's thread opens with their name and the channels they write from, in the current
    locale (the coach's, set by the caller)."""
    name = escape(client.display_name)
    names = ", ".join(escape(platform_name(c)) for c in channels) or Threads.NO_CHANNEL
    return [section(f"🧵 *{name}*"), context(Threads.INTRO.format(name=name, channels=names))]


def transcripts(attachments: Sequence[Any]) -> list[str]:
    """What the message's voice notes said, as transcribed (the audio itself goes into the thread)."""
    return [
        str(item["transcript"])
        for item in attachments
        if isinstance(item, dict) and item.get("kind") == "voice" and item.get("transcript")
    ]


def relayed_blocks(message: Message, files: Sequence[str]) -> list[Block]:
    """A client's message in their thread, in the current locale (the coach's, set by the caller)."""
    blocks: list[Block] = []
    if message.text:
        blocks.append(section(escape(message.text)))
    for said in transcripts(message.attachments or []):
        blocks.append(section(f"🎤 _{Threads.VOICE_NOTE}_ {escape(said)}"))
    if files:
        blocks.append(context("📎 " + ", ".join(escape(f) for f in files)))
    blocks.append(context(escape(Threads.VIA.format(channel=platform_name(message.channel)))))
    return blocks


def relayed_text(message: Message) -> str:
    """A relayed message as a notification reads it: its words, a voice note's, or that it is a file."""
    return message.text or " ".join(transcripts(message.attachments or [])) or f"📎 {Threads.FILE}"


def attachment_names(attachments: Sequence[Any]) -> list[str]:
    names = []
    for item in attachments:
        if isinstance(item, dict):
            names.append(str(item.get("file_name") or item.get("kind") or "file"))
    return names


# --- App Home ----------------------------------------------------------------------------------

HOME_BLOCKS_MAX = 100  # a Home tab view holds at most 100 blocks


def home_view(coach: Coach, roster: Sequence[ClientGlance], now: datetime) -> dict[str, Any]:
    """A coach's App Home in the current locale (the coach's; set by the caller)."""
    blocks: list[Block] = [header(Home.HOME_TITLE.format(name=coach.name))]
    flagged = sum(1 for g in roster if g.flags)
    updated = local_date(now, "%d %b %H:%M", "MMMd", clock=True)
    counts = Home.HOME_COUNTS.format(
        clients=Home.CLIENTS.format(n=len(roster)), flagged=flagged, when=updated
    )
    blocks.append(context(escape(counts)))
    blocks.append({"type": "divider"})
    if not roster:
        blocks.append(section(Home.NO_CLIENTS))
    for glance in roster[: HOME_BLOCKS_MAX - 4]:
        block = section(_glance_line(glance, now))
        block["accessory"] = button(Home.OPEN, OPEN_CLIENT, str(glance.client.id))
        blocks.append(block)
    return {"type": "home", "blocks": blocks}


def client_home_view() -> dict[str, Any]:
    """Anyone else's App Home, in the current locale (the client's; set by the caller)."""
    return {
        "type": "home",
        "blocks": [header(ClientHome.TITLE), section(ClientHome.INTRO), context(ClientHome.TRY)],
    }


# --- analytics: a coach's week over week ----------------------------------------------------------

SECTION_FIELDS_MAX = 10  # a section holds at most 10 fields
FIELD_TEXT_MAX = 2000  # each field's text at most 2000 characters


def weekly_numbers_blocks(numbers: WeeklyNumbers) -> list[Block]:
    """``/coach stats`` and the Monday business summary in the current locale (the coach's): figures
    with the week before, the goals that need attention, and every figure's definition as a footnote.
    Client-written text is escaped."""
    fields = [
        {
            "type": "mrkdwn",
            "text": _clip(
                f"*{escape(coach_stats.week_label(r.metric))}* [{n}]\n"
                f"{escape(coach_stats.metric_value(r.metric, r.this_week))}  _({escape(coach_stats.compared(r))})_",
                FIELD_TEXT_MAX,
            ),
        }
        for n, r in enumerate(numbers.rows, 1)
    ]
    blocks: list[Block] = [header(coach_stats.title(numbers)), context(escape(coach_stats.context(numbers)))]
    for i in range(0, len(fields), SECTION_FIELDS_MAX):
        blocks.append({"type": "section", "fields": fields[i : i + SECTION_FIELDS_MAX]})
    if numbers.attention:
        lines = [
            "• " + coach_stats.goal_line(a, client=f"*{escape(a.client)}*", escape=escape)
            for a in numbers.attention
        ]
        blocks.append(section(f"*{escape(Stats.ATTENTION)}*\n" + "\n".join(lines)))
    notes = [
        f"[{n}] {escape(coach_stats.week_label(r.metric))}: {escape(coach_stats.definition(r.metric))}"
        for n, r in enumerate(numbers.rows, 1)
    ]
    blocks.append(context("\n".join(notes)))
    return blocks[:MESSAGE_BLOCKS_MAX]
