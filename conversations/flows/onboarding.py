"""Onboarding: consent → name → timezone (and which one, for a city name found in several countries)
→ assessment → first goal (+ follow-ups) → cadence → time → program → summary.

Everything is collected in the conversation state and written in one transaction at the end (the
program step, or the time step when the coach has no published program), so /cancel or a timeout
leaves nothing half-saved. Only a refusal of consent is stored on its own, as the law requires.

AI goal ideas are offered at the goal step, unless one of the coach's programs wants the coach to
review AI goals first: then, if the client picks such a program, the ideas go to the coach once the
client is registered, and the client gets only those the coach approves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.flow import (
    END,
    EffectContext,
    Flow,
    InvalidAnswer,
    Next,
    Step,
    Turn,
    ask,
    buttons,
    scale_buttons,
)
from conversations.flows import policy
from conversations.flows.payment import offer_payment
from conversations.flows.place_choice import ask_which_place, needs_choice, place_chosen
from conversations.i18n import city_name, use_locale
from conversations.messages import OutgoingMessage
from conversations.parsing import (
    DateInThePast,
    ParseError,
    parse_date,
    parse_goal_details,
    parse_scale,
    parse_time_of_day,
    parse_timezone,
    parse_yes_no,
)
from conversations.ports import NewClientGoalSuggester
from conversations.store import merge_state_data
from conversations.texts import CoachNotices, Language
from conversations.texts import Onboarding as T
from conversations.texts import Policy as PolicyTexts
from domain import rules
from domain.clock import utcnow
from domain.insights import approval
from domain.models import Coach
from domain.models.enums import Cadence, EnrollmentStatus
from domain.services import capacity, clients, coaches, enrollments, goals, policies
from domain.services.notices import notify_coach

TEXT_ANSWER_MAX_CHARS = 500
# The button that goes on with the default coach after an invite code was refused.
DEFAULT_COACH_PAYLOAD = "default-coach"


async def begin(turn: Turn) -> Next:
    """Pick the coach (invite code, else the least-loaded coach with room) and remember their programs'
    questions.

    An invite code that matches no coach is refused: the client is asked for it again (or, when
    there is a default coach, may go on with them knowingly), never silently given another coach."""
    session = await turn.session()
    invite = turn.data.get("invite")
    coach = await coaches.find_coach_by_invite(session, invite) if invite else None
    if invite and coach is None:
        default = (await capacity.coach_for_new_client(session, now=turn.now)).coach
        turn.data.update(default_coach=[default.id, default.name] if default else None)
        turn.say(T.BAD_INVITE.format(code=invite))
        return "invite"
    if coach is None:
        # Without an invite code: the least-loaded coach with room, or nobody when all are full.
        assignment = await capacity.coach_for_new_client(session, now=turn.now)
        if assignment.everyone_full:
            await capacity.report_everyone_full(session, now=turn.now)
            turn.say(T.COACHES_FULL)
            return END
        coach = assignment.coach
    await _choose_coach(turn, coach)
    return "consent"


async def _choose_coach(turn: Turn, coach: Coach | None) -> None:
    session = await turn.session()
    programs = await coaches.list_programs(session, coach_id=coach.id, published_only=True) if coach else []
    turn.data.update(
        coach_id=coach.id if coach else None,
        coach_name=coach.name if coach else None,
        programs=[[p.id, p.name, p.price_minor, p.currency] for p in programs],
        # Then AI goal ideas wait for the program choice and go to the coach first (see finish).
        goals_need_coach=any(p.goals_need_approval for p in programs),
        questions=(programs[0].assessment_questions if programs else None) or coaches.DEFAULT_ASSESSMENT,
        answers={},
        q=0,
    )


async def ask_invite(turn: Turn) -> OutgoingMessage:
    default = turn.data.get("default_coach")
    if not default:
        return OutgoingMessage(T.ASK_INVITE)
    rows = buttons((T.CONTINUE_WITH.format(coach=default[1]), DEFAULT_COACH_PAYLOAD))
    return OutgoingMessage(T.ASK_INVITE_OR_DEFAULT.format(coach=default[1]), tuple(tuple(r) for r in rows))


async def answer_invite(turn: Turn) -> Next:
    session = await turn.session()
    default = turn.data.get("default_coach")
    coach: Coach | None
    if turn.text == DEFAULT_COACH_PAYLOAD and default:
        coach = await coaches.get_coach(session, int(default[0]))
    else:
        coach = await coaches.find_coach_by_invite(session, turn.text.strip()) if turn.text else None
    if coach is None:
        raise InvalidAnswer(T.BAD_INVITE.format(code=turn.text.strip()))
    turn.data["invite"] = coach.invite_code
    turn.data.pop("default_coach", None)
    await _choose_coach(turn, coach)
    return "consent"


def steps_left(data: dict[str, Any]) -> int:
    """How many questions onboarding still has to ask, from what it has collected so far."""
    left = 1 if "coach_id" not in data else 0  # the invite code
    left += 0 if data.get("consented") else 1
    left += sum(1 for key in ("name", "timezone") if key not in data)
    left += max(0, len(data.get("questions") or []) - int(data.get("q", 0)))
    goal = data.get("goal")
    left += 1 if goal is None else (goal.get("target") is None) + (goal.get("due") is None)
    left += sum(1 for key in ("cadence", "time") if key not in data)
    left += 1 if data.get("programs") else 0
    return left


def steps_left_words(data: dict[str, Any]) -> str:
    n = steps_left(data)
    return T.STEPS.format(n=n)


async def ask_consent(turn: Turn) -> OutgoingMessage:
    name = turn.data.get("coach_name")
    coach = T.WITH_COACH.format(name=name) if name else ""
    rows = [*buttons((T.ACCEPT, "accept"), (T.DECLINE, "decline")), *buttons((Language.BUTTON, "/language"))]
    text = T.WELCOME.format(coach=coach)
    latest = await policies.current_version(await turn.session())
    if latest is not None:  # what accepting means, to read before answering
        text += "\n" + PolicyTexts.READ.format(version=latest, link=policy.policy_link(latest))
    return OutgoingMessage(text, tuple(tuple(r) for r in rows))


def _cadence_names() -> dict[str, str]:
    return {"daily": T.CADENCE_DAILY, "weekdays": T.CADENCE_WEEKDAYS, "weekly": T.CADENCE_WEEKLY}


async def ask_timezone(turn: Turn) -> OutgoingMessage:
    # City names as the client's language writes them ("Лондон", "Nueva York"), from Babel's CLDR data.
    pairs = [(city_name(zone) if zone != "UTC" else label, zone) for label, zone in T.TIMEZONE_BUTTONS]
    return OutgoingMessage(T.ASK_TIMEZONE, tuple(tuple(r) for r in buttons(*pairs)))


async def answer_consent(turn: Turn) -> Next:
    try:
        accepted = parse_yes_no(turn.text)
    except ParseError:
        raise InvalidAnswer(T.CONSENT_HINT) from None
    if accepted:
        turn.data["consented"] = True
        return "name"
    await clients.record_consent(
        await turn.session(),
        platform=turn.platform,
        external_user_id=turn.message.external_user_id,
        accepted=False,
    )
    turn.say(T.DECLINED)
    return END


async def ask_name(turn: Turn) -> OutgoingMessage:
    # The platform's display name, when known, is one tap away.
    known = turn.message.display_name
    rows = buttons((known, known)) if known and len(known) <= rules.NAME_MAX_CHARS else []
    return OutgoingMessage(T.ASK_NAME, tuple(tuple(r) for r in rows))


async def answer_name(turn: Turn) -> Next:
    if not turn.text:
        raise InvalidAnswer(T.NAME_HINT)
    turn.data["name"] = rules.check_name(turn.text)
    return "timezone"


async def answer_timezone(turn: Turn) -> Next:
    try:
        zone = parse_timezone(turn.text)
    except ParseError:
        raise InvalidAnswer(T.TIMEZONE_HINT) from None
    # "Córdoba" is read as Argentina's (the largest); Spain's and Mexico's are one tap away.
    if needs_choice(turn, zone):
        return "timezone_which"
    return _timezone_chosen(turn, zone)


def _timezone_chosen(turn: Turn, zone: str) -> Next:
    turn.data["timezone"] = zone
    return "assessment" if turn.data["questions"] else to_goal(turn)


async def answer_timezone_which(turn: Turn) -> Next:
    """A tapped place, "yes" for the one taken, "no" to be asked again, or another place typed."""
    try:
        zone = place_chosen(turn)
    except ParseError:
        return await answer_timezone(turn)
    return "timezone" if zone is None else _timezone_chosen(turn, zone)


def _question(turn: Turn) -> dict[str, Any]:
    question: dict[str, Any] = turn.data["questions"][turn.data["q"]]
    return question


async def ask_question(turn: Turn) -> OutgoingMessage:
    q = _question(turn)
    if q.get("kind") == "scale":
        rows = scale_buttons(int(q.get("min", 1)), int(q.get("max", 5)))
    elif q.get("kind") == "choice":
        rows = buttons(*((c, c) for c in q.get("choices", [])))
    else:
        rows = []
    return OutgoingMessage(q["question"], tuple(tuple(r) for r in rows))


async def answer_question(turn: Turn) -> Next:
    q = _question(turn)
    kind = q.get("kind", "text")
    answer: Any
    if kind == "scale":
        answer = parse_scale(turn.text, int(q.get("min", 1)), int(q.get("max", 5)))
    elif kind == "choice":
        choices: list[str] = list(q.get("choices", []))
        by_name = {c.lower(): c for c in choices}
        text = turn.text.lower()
        if text in by_name:
            answer = by_name[text]
        elif text.isdigit() and 1 <= int(text) <= len(choices):
            answer = choices[int(text) - 1]
        else:
            raise InvalidAnswer(T.CHOICE_HINT)
    else:
        if not turn.text or len(turn.text) > TEXT_ANSWER_MAX_CHARS:
            raise InvalidAnswer(T.TEXT_HINT)
        answer = turn.text
    turn.data["answers"][q.get("key", f"q{turn.data['q']}")] = answer
    turn.data["q"] += 1
    return "assessment" if turn.data["q"] < len(turn.data["questions"]) else to_goal(turn)


def to_goal(turn: Turn) -> Next:
    """Ask for the first goal; a suggester that can advise newcomers adds ideas once this commits."""
    suggester = turn.goal_suggester
    if isinstance(suggester, NewClientGoalSuggester) and not turn.data.get("goals_need_coach"):
        answers = dict(turn.data["answers"])

        async def suggest(context: EffectContext) -> list[OutgoingMessage]:
            ideas = (await suggester.suggest_goals_for_answers(answers))[:3]
            stored = [
                {
                    "text": g.text,
                    "metric": g.metric,
                    "target": g.target,
                    "unit": g.unit,
                    "due": g.due_date.isoformat(),
                }
                for g in ideas
            ]
            if not ideas or context.user is None:
                return []
            patch = {"suggestions": stored}
            if not await merge_state_data(
                context.db, context.user, flow="onboarding", step="goal", patch=patch, now=utcnow()
            ):
                return []  # they answered already
            pairs = [(g.text[:60], f"suggestion:{n}") for n, g in enumerate(ideas)]
            intro = T.SUGGESTIONS_AI if any(g.ai for g in ideas) else T.SUGGESTIONS
            return [OutgoingMessage(intro, tuple(tuple(r) for r in buttons(*pairs, per_row=1)))]

        turn.after_commit(suggest)
    return "goal"


async def answer_goal(turn: Turn) -> Next:
    suggestions = turn.data.get("suggestions") or []
    if (
        turn.text.startswith("suggestion:")
        and turn.text[11:].isdigit()
        and int(turn.text[11:]) < len(suggestions)
    ):
        turn.data["goal"] = dict(suggestions[int(turn.text[11:])], suggested=True)
        return _goal_follow_up(turn)
    if not turn.text or turn.message.button_payload is not None:
        raise InvalidAnswer(T.GOAL_HINT)
    details = parse_goal_details(turn.text, turn.now.date())
    turn.data["goal"] = {
        "text": " ".join(turn.text.split()),
        "metric": details.metric,
        "target": details.target,
        "unit": details.unit,
        "due": details.due_date.isoformat() if details.due_date else None,
    }
    return _goal_follow_up(turn)


def _goal_follow_up(turn: Turn) -> Next:
    goal = turn.data["goal"]
    if goal["target"] is None:
        return "goal_target"
    if goal["due"] is None:
        return "goal_due"
    return "cadence"


async def answer_target(turn: Turn) -> Next:
    try:
        details = parse_goal_details(turn.text, turn.now.date())
    except ParseError:
        raise InvalidAnswer(T.TARGET_HINT) from None
    if details.target is None or details.target <= 0:
        raise InvalidAnswer(T.TARGET_HINT)
    goal = turn.data["goal"]
    goal.update(target=details.target, unit=details.unit, metric=details.metric or goal["metric"])
    if details.due_date and not goal["due"]:
        goal["due"] = details.due_date.isoformat()
    return _goal_follow_up(turn)


async def answer_due(turn: Turn) -> Next:
    today = turn.now.date()
    try:
        due = parse_date(turn.text, today)
    except DateInThePast:
        raise InvalidAnswer(T.DUE_IN_THE_PAST) from None
    except ParseError:
        raise InvalidAnswer(T.DUE_UNREADABLE) from None
    turn.data["goal"]["due"] = due.isoformat()
    return "cadence"


CADENCES = {
    "daily": Cadence.DAILY,
    "every day": Cadence.DAILY,
    "weekdays": Cadence.WEEKDAYS,
    "workdays": Cadence.WEEKDAYS,
    "weekly": Cadence.WEEKLY,
    "once a week": Cadence.WEEKLY,
}


async def answer_cadence(turn: Turn) -> Next:
    typed = turn.text.lower().strip(" .!")
    # The button labels in the client's language count as typed answers too ("täglich", "cada día").
    named = {label.lower(): Cadence(value) for value, label in _cadence_names().items()}
    cadence = CADENCES.get(typed) or named.get(typed)
    if cadence is None:
        raise InvalidAnswer(T.CADENCE_HINT)
    turn.data["cadence"] = cadence.value
    return "time"


async def answer_time(turn: Turn) -> Next:
    turn.data["time"] = parse_time_of_day(turn.text)
    if turn.data["programs"]:
        return "program"
    await finish(turn, program_id=None)
    return END


async def ask_program(turn: Turn) -> OutgoingMessage:
    pairs = []
    for program_id, name, price_minor, currency in turn.data["programs"]:
        label = (
            T.PROGRAM_LABEL_FREE.format(name=name)
            if price_minor == 0
            else T.PROGRAM_LABEL_PAID.format(name=name, price=f"{price_minor / 100:.2f} {currency.upper()}")
        )
        pairs.append((label, f"program:{program_id}"))
    return OutgoingMessage(T.ASK_PROGRAM, tuple(tuple(r) for r in buttons(*pairs, per_row=1)))


async def answer_program(turn: Turn) -> Next:
    by_id = {f"program:{p[0]}": p[0] for p in turn.data["programs"]}
    by_name = {str(p[1]).lower(): p[0] for p in turn.data["programs"]}
    program_id = by_id.get(turn.text) or by_name.get(turn.text.lower())
    if program_id is None and turn.text.isdigit() and 1 <= int(turn.text) <= len(turn.data["programs"]):
        program_id = turn.data["programs"][int(turn.text) - 1][0]
    if program_id is None:
        raise InvalidAnswer(T.PROGRAM_HINT)
    await finish(turn, program_id=program_id)
    return END


async def finish(turn: Turn, *, program_id: int | None) -> None:
    """Register the client with everything collected, in this step's single transaction."""
    session = await turn.session()
    d = turn.data
    client = await clients.register_client(
        session,
        platform=turn.platform,
        external_user_id=turn.message.external_user_id,
        chat_id=turn.message.chat_id,
        display_name=d["name"],
        timezone=d["timezone"],
        coach_id=d["coach_id"],
        locale=turn.locale,
        # The version in force now: a client who just accepted is not asked again at their next message.
        consent_policy_version=await policies.consent_version_for_new_clients(session),
    )
    client.assessment = dict(d["answers"])
    client.checkin_cadence = d["cadence"]
    client.checkin_time = rules.check_time_of_day(d["time"])
    client.preferred_channel = turn.platform
    goal = d["goal"]
    await goals.set_goal(
        session,
        client_id=client.id,
        text=goal["text"],
        metric=goal["metric"],
        target=goal["target"],
        unit=goal["unit"],
        due_date=date.fromisoformat(goal["due"]) if goal["due"] else None,
        today=turn.now.date(),
        source="suggested" if goal.get("suggested") else "client",
    )
    turn.client_id = client.id
    program_line = ""
    if program_id is not None:
        enrollment = await enrollments.enroll(session, client_id=client.id, program_id=program_id)
        program = await coaches.get_program(session, program_id)
        pending = enrollment.status == EnrollmentStatus.PENDING_PAYMENT
        line = T.SUMMARY_PROGRAM_PENDING if pending else T.SUMMARY_PROGRAM_ACTIVE
        program_line = line.format(name=program.name)
    if d["coach_id"] is not None:
        await notify_coach(
            session,
            coach_id=d["coach_id"],
            kind="new_client",
            text=await _new_client_notice(session, d["coach_id"], client.display_name),
            client_id=client.id,
        )
    turn.say(
        T.SUMMARY.format(
            name=client.display_name,
            timezone=client.timezone,
            goal=goal["text"],
            cadence=_cadence_names().get(client.checkin_cadence, client.checkin_cadence).lower(),
            time=client.checkin_time,
            program=program_line,
        )
    )
    if (
        program_id is not None
        and turn.goal_suggester is not None
        and await approval.program_needs_approval(session, program_id)
    ):
        turn.after_commit(_ideas_for_the_coach)
        turn.say(T.IDEAS_WITH_COACH)
    if program_id is not None and pending:
        await offer_payment(turn, enrollment_id=enrollment.id, program_name=program.name)


async def _ideas_for_the_coach(context: EffectContext) -> list[OutgoingMessage]:
    """AI goal ideas for a new client whose program wants the coach to review them first."""
    assert context.goal_suggester is not None and context.client_id is not None
    ideas = (await context.goal_suggester.suggest_goals(context.client_id))[:3]
    async with context.db.unit_of_work() as session:
        await approval.propose_goals(
            session,
            context.client_id,
            ideas,
            ai=any(i.ai for i in ideas),
        )
    return []


FLOW = Flow(
    name="onboarding",
    version=1,
    begin=begin,
    steps=[
        Step("invite", ask_invite, answer_invite),
        Step("consent", ask_consent, answer_consent),
        Step("name", ask_name, answer_name),
        Step("timezone", ask_timezone, answer_timezone),
        Step("timezone_which", ask_which_place, answer_timezone_which),
        Step("assessment", ask_question, answer_question),
        Step("goal", ask(T.ASK_GOAL), answer_goal),
        Step("goal_target", ask(T.ASK_TARGET), answer_target),
        Step("goal_due", ask(T.ASK_DUE), answer_due),
        Step(
            "cadence",
            ask(
                T.ASK_CADENCE,
                buttons(
                    (T.CADENCE_DAILY, "daily"), (T.CADENCE_WEEKDAYS, "weekdays"), (T.CADENCE_WEEKLY, "weekly")
                ),
            ),
            answer_cadence,
        ),
        Step("time", ask(T.ASK_TIME), answer_time),
        Step("program", ask_program, answer_program),
    ],
)


async def _new_client_notice(session: AsyncSession, coach_id: int, name: str) -> str:
    """The notice's text in the coach's language (the client's turn speaks the client's)."""
    coach = await session.get(Coach, coach_id)
    with use_locale(coach.locale if coach else None):
        return str(CoachNotices.NEW_CLIENT.format(name=name))
