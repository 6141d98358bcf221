"""``/coach`` subcommands: clients, client, goals, digest, programs, stats, paylink, remind, refund, settings,
announce, availability, help.

Every subcommand checks the caller is a linked coach and only touches that coach's clients. A name
that matches several clients comes back as a choice of buttons (finished in actions.py).
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack import blocks, coach_settings
from bot.slack.announcements import SlackAnnouncements
from bot.slack.auth import (
    linked_coach,
    owned_client,
    record_refusal,
)
from bot.slack.roster import (
    ClientGlance,
    CoachInsights,
    client_profile,
    coach_roster,
    days_ago,
    days_since,
    money,
)
from conversations import coach_stats
from conversations.coach_digest import digest_payload
from conversations.flows.program import render_update
from conversations.i18n import format_amount, format_decimal, use_locale
from conversations.messages import OutgoingMessage, UrlButton
from conversations.ports import GoalSuggester, PaymentPort, PaymentsUnavailable
from conversations.reasons import explain
from conversations.texts import CoachCommands as T
from conversations.texts import CoachTools, FromCoach
from domain.analytics.programs import program_stats
from domain.analytics.weekly import weekly_numbers
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.errors import DomainError
from domain.insights import approval
from domain.insights.digest import Digest
from domain.models import Client, Coach, Payment, Program
from domain.models.enums import EnrollmentStatus
from domain.money import MoneyError, parse_money
from domain.services.audit import record_audit_event
from domain.services.clients import coach_clients, find_clients_by_name
from domain.services.coaches import list_programs
from domain.services.enrollments import enroll
from domain.services.outbox import enqueue_for_client, reachable_identities
from domain.services.program_versions import (
    enrolled_counts,
    latest_version,
    migrate_enrollments,
    published_version,
)

log = logging.getLogger(__name__)

COMMAND = "/coach"
REMINDER_MAX_CHARS = 1000
CHOICE_MAX = 10  # buttons offered when a name is ambiguous


class DigestSource(Protocol):
    """The insights feature (``InsightsService``): a coach's digest, as a dict or with ``to_dict()``."""

    async def coach_digest(self, coach_id: int) -> Any: ...


class ChartPoster(Protocol):
    """``bot.slack.charts.ProgressCharts``: posts a client's chart; returns a line for their card."""

    async def post(self, *, coach_user_id: str, client_id: int) -> str: ...


class Refunds(Protocol):
    """Implemented by ``integrations.stripe.StripePayments``: refund a payment, tell the client."""

    async def refund(
        self, payment_id: int, *, amount_minor: int | None = None, reason: str | None = None, actor: str
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class CommandReply:
    text: str
    blocks: list[blocks.Block]


def reply(text: str) -> CommandReply:
    return CommandReply(text, blocks.text_blocks(text))


def roster_digest(roster: Sequence[ClientGlance], coach: Coach, now: Any) -> dict[str, Any]:
    """The digest computed from the roster alone, used while no insights source is configured (in
    the current locale)."""
    flagged = [g for g in roster if g.flags]
    checked_today = sum(1 for g in roster if days_since(g.last_check_in_at, now, g.client.timezone) == 0)
    return {
        "type": "coach_digest",
        "coach_id": coach.id,
        "title": T.DIGEST_TITLE,
        "overview": T.DIGEST_OVERVIEW.format(
            clients=T.CLIENTS.format(n=len(roster)), checked_today=checked_today, flagged=len(flagged)
        ),
        "lines": [
            {
                "name": g.client.display_name,
                "line": T.DIGEST_LINE.format(
                    when=days_ago(g.last_check_in_at, now, g.client.timezone), streak=g.streak
                ),
                "flags": list(g.flags),
            }
            for g in roster
        ],
        "source": "computed",
    }


class CoachCommands:
    def __init__(
        self,
        db: Database,
        *,
        payments: PaymentPort | None = None,
        digests: DigestSource | None = None,
        insights: CoachInsights,
        clock: Clock = utcnow,
        charts: ChartPoster | None = None,
        goal_ideas: GoalSuggester | None = None,
    ) -> None:
        self.db = db
        self.goal_ideas = goal_ideas
        self.charts = charts
        self.insights = insights
        self.payments = payments
        self.digests = digests
        self.clock = clock
        self.settings = coach_settings.CoachSettings(db, clock)
        self.announcements = SlackAnnouncements(db, clock)

    async def run(self, *, user_id: str, text: str, request_ref: str) -> CommandReply:
        """Run ``/coach <text>`` for Slack user ``user_id``; ``request_ref`` makes a retry send nothing twice."""
        sub, _, rest = text.strip().partition(" ")
        sub, rest = sub.lower(), rest.strip()
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            if coach is None:
                return reply(
                    await record_refusal(session, slack_user_id=user_id, attempted=f"{COMMAND} {sub}")
                )
        with use_locale(coach.locale):  # every answer in the coach's language
            return await self._run(coach, sub, rest, request_ref)

    async def _run(self, coach: Coach, sub: str, rest: str, request_ref: str) -> CommandReply:
        if sub in ("", "help"):
            return CommandReply(T.HELP_TITLE, blocks.help_blocks())
        if sub == "clients":
            return await self.clients(coach)
        if sub == "client":
            if not rest:
                return reply(T.WHICH_CLIENT)
            return await self._with_client(coach, "client", rest, "", request_ref)
        if sub == "goals":
            if not rest:
                return reply(T.WHOSE_GOALS)
            return await self._with_client(coach, "goals", rest, "", request_ref)
        if sub == "digest":
            return await self.digest(coach)
        if sub == "programs":
            return await self.programs(coach)
        if sub == "stats":
            return await self.stats(coach)
        if sub == "paylink":
            return await self._paylink(coach, rest, request_ref)
        if sub == "remind":
            return await self._remind(coach, rest, request_ref)
        if sub == "refund":
            return await self.refund(coach, rest)
        if sub == "settings":
            return await self.digest_settings(coach, rest)
        if sub == "support":
            from bot.slack.support import support_command

            return await support_command(self.db, coach, rest, request_ref)
        if sub == "guides":
            from bot.slack.guides import guides_command

            return await guides_command(self.db, coach, rest)
        if sub == "announce":
            return await self.announcements.command(coach, rest)
        if sub == "availability":
            from bot.slack.availability import availability_command

            return await availability_command(self.db, coach, rest)
        return CommandReply(T.UNKNOWN_TITLE, blocks.help_blocks(T.UNKNOWN.format(command=sub)))

    # --- subcommands -----------------------------------------------------------------------

    async def clients(self, coach: Coach) -> CommandReply:
        now = self.clock()
        flags = await self.insights.flags_for_coach(coach.id, locale=coach.locale)
        async with self.db.sessions() as session:
            roster = await coach_roster(session, coach.id, now=now, flags=flags)
        return CommandReply(T.YOUR_CLIENTS.format(count=len(roster)), blocks.clients_blocks(roster, now))

    async def client(self, coach: Coach, client_id: int) -> CommandReply:
        """One client's card (also the "Open" buttons of App Home and alerts), in the coach's language."""
        with use_locale(coach.locale):
            return await self._client(coach, client_id)

    async def _client(self, coach: Coach, client_id: int) -> CommandReply:
        now = self.clock()
        async with self.db.sessions() as session:
            client = await owned_client(session, coach, client_id)
            if client is None:
                return reply(T.NOT_YOUR_CLIENT)
        summary = await self.insights.latest_summary(client.id)
        async with self.db.sessions() as session:
            client = await session.get(Client, client_id)
            assert client is not None
            profile = await client_profile(session, client, now=now, summary=summary)
        card = blocks.profile_blocks(profile, now)
        if self.charts is not None and coach.slack_user_id:
            note = await self.charts.post(coach_user_id=coach.slack_user_id, client_id=client_id)
            card.insert(-1, blocks.context(note))  # above the card's buttons
        return CommandReply(client.display_name, card)

    async def programs(self, coach: Coach) -> CommandReply:
        """The coach's programs, each with its version and enrollment, completion and revenue figures."""
        now = self.clock()
        lines = []
        async with self.db.sessions() as session:
            for program in await list_programs(session, coach_id=coach.id):
                stats = await program_stats(session, program.id, now=now)
                version = await latest_version(session, program.id)
                status = T.PUBLISHED if program.published else T.NOT_PUBLISHED
                if version is not None:
                    status = T.VERSION.format(
                        status=status,
                        number=version.number,
                        version_status=T.VERSION_STATUSES.get(version.status, version.status),
                    )
                figures = [
                    T.ENROLLED.format(n=stats.enrolled),
                    T.ACTIVE.format(n=stats.active),
                    T.COMPLETED.format(n=stats.completed),
                ]
                if stats.completion_rate_pct is not None:
                    figures.append(T.COMPLETION.format(value=format_decimal(stats.completion_rate_pct)))
                if stats.checkin_adherence_pct is not None:
                    figures.append(T.ADHERENCE.format(value=format_decimal(stats.checkin_adherence_pct)))
                figures += [money(amount, currency) for currency, amount in stats.revenue.items()]
                lines.append(
                    (program.name, status, " · ".join(figures), await _migrate_button(session, program.id))
                )
        return CommandReply(T.YOUR_PROGRAMS.format(count=len(lines)), blocks.programs_blocks(lines))

    async def stats(self, coach: Coach) -> CommandReply:
        """The coach's last seven days against the seven before, every figure with its definition."""
        async with self.db.sessions() as session:
            numbers = await weekly_numbers(session, coach.id, now=self.clock())
        return CommandReply(coach_stats.title(numbers), blocks.weekly_numbers_blocks(numbers))

    async def migrate_program(self, coach: Coach, program_id: int, number: int) -> CommandReply:
        """Move the program's enrolled clients to published version ``number`` (the Slack button of
        ``coach programs migrate``); only the coach's own programs."""
        with use_locale(coach.locale):
            return await self._migrate_program(coach, program_id, number)

    async def _migrate_program(self, coach: Coach, program_id: int, number: int) -> CommandReply:
        async with self.db.unit_of_work() as session:
            program = await session.get(Program, program_id)
            if program is None or program.coach_id != coach.id:
                refusal = await record_refusal(
                    session,
                    slack_user_id=coach.slack_user_id or "",
                    attempted=f"migrate program {program_id}",
                )
                return reply(refusal)
            try:
                result = await migrate_enrollments(
                    session,
                    program_id,
                    to_version=number,
                    actor=f"coach:{coach.id}",
                    render_update=render_update,  # each client told in their language
                )
            except DomainError as exc:
                return reply(T.NOTHING_MOVED.format(reason=explain(exc)))
        return reply(
            T.MIGRATED.format(
                clients=T.MIGRATED_CLIENTS.format(n=result.moved),
                program=program.name,
                version=result.version_number,
                notified=result.notified,
            )
        )

    async def goals(self, coach: Coach, client_id: int) -> CommandReply:
        """Goal ideas for a client, for the coach to review first: each arrives as its own notice with
        Approve / Edit / Dismiss, and only approved ones are offered to the client."""
        if self.goal_ideas is None:
            return reply(T.GOALS_UNAVAILABLE)
        async with self.db.sessions() as session:
            client = await owned_client(session, coach, client_id)
            if client is None:
                return reply(T.NOT_YOUR_CLIENT)
            name = client.display_name
            if await approval.has_proposals_waiting(session, client_id):
                return reply(T.GOALS_WAITING.format(name=name))
        ideas = (await self.goal_ideas.suggest_goals(client_id))[:3]
        async with self.db.unit_of_work() as session:
            proposed = await approval.propose_goals(session, client_id, ideas, ai=any(i.ai for i in ideas))
        if not proposed:
            return reply(T.NO_GOAL_IDEAS.format(name=name))
        return reply(T.GOAL_IDEAS_SENT.format(ideas=T.GOAL_IDEAS.format(n=len(proposed)), name=name))

    async def digest(self, coach: Coach) -> CommandReply:
        payload: dict[str, Any] | None = None
        if self.digests is not None:
            try:
                digest = await self.digests.coach_digest(coach.id)
                if isinstance(digest, Digest):
                    payload = digest_payload(digest, coach.timezone, coach.locale)
                else:
                    payload = digest if isinstance(digest, dict) else digest.to_dict()
                if "title" not in payload and "as_of" in payload:
                    payload = {**payload, "title": T.DIGEST_FOR.format(day=payload["as_of"])}
            except Exception:
                log.exception("the insights digest failed; using the computed one")
        if payload is None:
            now = self.clock()
            flags = await self.insights.flags_for_coach(coach.id, locale=coach.locale)
            async with self.db.sessions() as session:
                roster = await coach_roster(session, coach.id, now=now, flags=flags)
            payload = roster_digest(roster, coach, now)
        return CommandReply(blocks.digest_text(payload), blocks.digest_blocks(payload))

    async def paylink(self, coach: Coach, client_id: int, program_id: int, request_ref: str) -> CommandReply:
        if self.payments is None:
            return reply(T.NO_PAYMENTS_FOR_LINK)
        async with self.db.unit_of_work() as session:
            client = await owned_client(session, coach, client_id)
            program = await session.get(Program, program_id)
            if client is None or program is None or program.coach_id != coach.id:
                return reply(T.NOT_YOUR_CLIENT)
            if program.is_free:
                return reply(T.FREE_PROGRAM.format(program=program.name))
            try:
                enrollment = await enroll(session, client_id=client.id, program_id=program.id)
            except DomainError as exc:
                return reply(T.CANT_SEND_LINK.format(reason=explain(exc)))
            if enrollment.status != EnrollmentStatus.PENDING_PAYMENT:
                status = T.ENROLLMENT_STATUSES.get(enrollment.status) or enrollment.status.replace("_", " ")
                return reply(
                    T.ALREADY_ENROLLED.format(name=client.display_name, program=program.name, status=status)
                )
            names, client_locale = (client.display_name, program.name), client.locale
        try:
            # Network I/O happens after the enrollment is committed, never inside the transaction.
            offer = await self.payments.checkout_for_enrollment(enrollment.id)
        except PaymentsUnavailable as exc:
            return reply(T.LINK_UNAVAILABLE.format(reason=exc))
        with use_locale(client_locale):  # for the client: in their language, not the coach's
            amount = format_amount(offer.amount_minor, offer.currency)
            message = OutgoingMessage(
                text=FromCoach.PAYMENT_LINK.format(program=names[1], amount=amount),
                url_buttons=(UrlButton(offer.label or FromCoach.PAY_NOW, offer.url),),
            )
        async with self.db.unit_of_work() as session:
            # None from the enqueue means "already queued" (a repeat); unreachable is checked first.
            reachable = bool(await reachable_identities(session, client_id))
            if reachable:
                await enqueue_for_client(
                    session, client_id, message.to_dict(), dedupe_key=f"slack-paylink:{request_ref}"
                )
                await record_audit_event(
                    session,
                    actor=f"coach:{coach.id}",
                    action="slack.paylink_sent",
                    subject=f"client:{client_id}",
                    details={"program_id": program_id, "enrollment_id": enrollment.id},
                )
        if not reachable:
            return reply(T.LINK_UNREACHABLE.format(name=names[0], url=offer.url))
        return reply(
            T.LINK_SENT.format(
                program=names[1], name=names[0], amount=money(offer.amount_minor, offer.currency)
            )
        )

    async def remind(self, coach: Coach, client_id: int, text: str, request_ref: str) -> CommandReply:
        text = " ".join(text.split())
        if not text:
            return reply(T.REMINDER_EMPTY)
        if len(text) > REMINDER_MAX_CHARS:
            return reply(T.REMINDER_TOO_LONG.format(limit=REMINDER_MAX_CHARS))
        async with self.db.unit_of_work() as session:
            client = await owned_client(session, coach, client_id)
            if client is None:
                return reply(T.NOT_YOUR_CLIENT)
            with use_locale(client.locale):  # for the client: in their language, not the coach's
                message = OutgoingMessage(text=FromCoach.REMINDER.format(coach=coach.name, text=text))
            reachable = bool(await reachable_identities(session, client.id))
            if reachable:
                await enqueue_for_client(
                    session, client.id, message.to_dict(), dedupe_key=f"slack-remind:{request_ref}"
                )
                await record_audit_event(
                    session,
                    actor=f"coach:{coach.id}",
                    action="slack.reminder_sent",
                    subject=f"client:{client.id}",
                )
            name = client.display_name
        if not reachable:
            return reply(T.REMINDER_UNREACHABLE.format(name=name))
        return reply(T.REMINDER_SENT.format(name=name))

    async def digest_settings(self, coach: Coach, rest: str) -> CommandReply:
        """No arguments: the current digest settings with an Edit button; else ``digest <time> <cadence> <zone>``."""
        if not rest:
            settings = coach_settings.current(coach)
            return CommandReply(
                coach_settings.settings_text(settings), coach_settings.settings_blocks(settings)
            )
        choice = coach_settings.read_text(rest)
        if isinstance(choice, str):
            return reply(choice)
        saved = await self.settings.save(coach.id, choice)
        if isinstance(saved, DomainError):
            return reply(T.NOT_SAVED.format(reason=explain(saved), usage=CoachTools.SETTINGS_USAGE))
        text = T.SAVED.format(settings=coach_settings.settings_text(saved))
        return CommandReply(text, coach_settings.settings_blocks(saved, text))

    async def refund(self, coach: Coach, rest: str) -> CommandReply:
        """``refund <payment id> [amount]``: all that is left, or an amount in major units (10.50)."""
        usage = T.REFUND_USAGE
        words = rest.split()
        if not words or not words[0].lstrip("#").isdigit() or len(words) > 2:
            return reply(T.WHICH_PAYMENT.format(usage=usage))
        payment_id = int(words[0].lstrip("#"))
        refunds = self.payments if hasattr(self.payments, "refund") else None
        if refunds is None:
            return reply(T.NO_PAYMENTS_FOR_REFUND)
        async with self.db.unit_of_work() as session:
            payment = await session.get(Payment, payment_id)
            client = await owned_client(session, coach, payment.client_id) if payment else None
            if payment is None or client is None:
                await record_refusal(
                    session, slack_user_id=coach.slack_user_id or "", attempted=f"refund {payment_id}"
                )
                return reply(T.NOT_YOUR_PAYMENT.format(payment=payment_id))
            currency, name = payment.currency, client.display_name
        amount_minor = None
        if len(words) == 2:
            amount_minor = parse_amount(words[1], currency)
            if amount_minor is None:
                return reply(T.NOT_AN_AMOUNT.format(text=words[1], usage=usage))
        try:
            result = await cast(Refunds, refunds).refund(
                payment_id, amount_minor=amount_minor, reason="refund from Slack", actor=f"coach:{coach.id}"
            )
        except DomainError as exc:
            return reply(T.NO_REFUND.format(reason=explain(exc)))
        except PaymentsUnavailable as exc:  # already in the current language
            return reply(T.NO_REFUND.format(reason=exc))
        return reply(
            T.REFUNDED.format(
                amount=money(result.refunded_now_minor, result.currency),
                name=name,
                total=money(result.refunded_total_minor, result.currency),
            )
        )

    # --- name resolution -------------------------------------------------------------------

    async def finish(self, *, user_id: str, choice: dict[str, Any], request_ref: str) -> CommandReply:
        """A choice button was pressed: run the command for the chosen client."""
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            if coach is None:
                return reply(await record_refusal(session, slack_user_id=user_id, attempted="pick client"))
        with use_locale(coach.locale):
            return await self._dispatch(
                coach,
                str(choice.get("cmd")),
                int(choice["client_id"]),
                str(choice.get("arg", "")),
                request_ref,
            )

    async def _dispatch(
        self, coach: Coach, cmd: str, client_id: int, arg: str, request_ref: str
    ) -> CommandReply:
        if cmd == "client":
            return await self.client(coach, client_id)
        if cmd == "goals":
            return await self.goals(coach, client_id)
        if cmd == "paylink":
            return await self.paylink(coach, client_id, int(arg), request_ref)
        if cmd == "remind":
            return await self.remind(coach, client_id, arg, request_ref)
        return CommandReply(T.UNKNOWN_TITLE, blocks.help_blocks())

    async def _with_client(
        self, coach: Coach, cmd: str, name: str, arg: str, request_ref: str
    ) -> CommandReply:
        async with self.db.sessions() as session:
            matches = list(await find_clients_by_name(session, coach.id, name))
        if not matches:
            return reply(T.NO_SUCH_CLIENT.format(name=name))
        if len(matches) == 1:
            return await self._dispatch(coach, cmd, matches[0].id, arg, request_ref)
        options = [
            (c.display_name, {"cmd": cmd, "client_id": c.id, "arg": arg})
            for c in sorted(matches, key=lambda c: c.display_name)[:CHOICE_MAX]
        ]
        return CommandReply(
            T.SEVERAL_MATCH.format(name=name),
            blocks.choice_blocks(T.SEVERAL_MATCH_WHICH.format(name=name), options),
        )

    async def _paylink(self, coach: Coach, rest: str, request_ref: str) -> CommandReply:
        usage = T.PAYLINK_USAGE
        words = _words(rest)
        if len(words) < 2:
            return reply(T.WHICH_CLIENT_AND_PROGRAM.format(usage=usage))
        async with self.db.sessions() as session:
            programs = await list_programs(session, coach_id=coach.id)
        split = split_client_program(words, programs)
        if split is None:
            names = ", ".join(f"“{p.name}”" for p in programs) or T.NONE_YET
            return reply(T.NO_SUCH_PROGRAM.format(names=names, usage=usage))
        name, program = split
        return await self._with_client(coach, "paylink", name, str(program.id), request_ref)

    async def _remind(self, coach: Coach, rest: str, request_ref: str) -> CommandReply:
        words = _words(rest)
        if len(words) < 2:
            return reply(T.WHOM_TO_REMIND)
        async with self.db.sessions() as session:
            clients = await coach_clients(session, coach.id)
        full_names = {c.display_name.lower() for c in clients}
        # The longest leading words that are a client's full name; else the first word as a name.
        for i in range(len(words) - 1, 0, -1):
            if " ".join(words[:i]).lower() in full_names:
                return await self._with_client(
                    coach, "remind", " ".join(words[:i]), " ".join(words[i:]), request_ref
                )
        return await self._with_client(coach, "remind", words[0], " ".join(words[1:]), request_ref)


async def _migrate_button(session: AsyncSession, program_id: int) -> tuple[str, str] | None:
    """A button moving clients on older versions to the newest published one, when there are any."""
    newest = await published_version(session, program_id)
    if newest is None:
        return None
    behind = sum(
        n for version_id, n in (await enrolled_counts(session, program_id)).items() if version_id != newest.id
    )
    if not behind:
        return None
    return T.MIGRATE_BUTTON.format(behind=behind, version=newest.number), f"{program_id}:{newest.number}"


def parse_amount(text: str, currency: str) -> int | None:
    """``10``, ``10.5`` or ``10.50`` in major units → minor units; None when it isn't a positive amount."""
    try:
        return parse_money(text, currency, allow_zero=False)
    except MoneyError:
        return None


def _words(text: str) -> list[str]:
    """Words, keeping "quoted names" together (unbalanced quotes are taken literally)."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def split_client_program(words: list[str], programs: Sequence[Program]) -> tuple[str, Program] | None:
    """Split ``<client words> <program words>``: the longest trailing words naming a program win."""
    by_name = {p.name.lower(): p for p in programs}
    for i in range(1, len(words)):
        program = by_name.get(" ".join(words[i:]).lower())
        if program is not None:
            return " ".join(words[:i]), program
    last = words[-1].lower()
    partial = [p for p in programs if last in p.name.lower()]
    if len(partial) == 1:
        return " ".join(words[:-1]), partial[0]
    return None
