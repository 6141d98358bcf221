"""Global commands, valid in any state, and what happens to a message outside any flow."""

from __future__ import annotations

from conversations.flow import END, REPEAT, SAVED_KEY, STAY, Next, StartFlow, Turn, buttons
from conversations.flows import language, onboarding, payment
from conversations.flows import program as program_steps
from conversations.i18n import localize
from conversations.parsing import normalize_command
from conversations.registry import Command, extra_commands
from conversations.texts import Commands as H
from conversations.texts import Common as T
from domain.services.clients import get_client
from domain.services.messages import record_client_message

# Answers that look like commands but belong to the current step (e.g. the check-in note).
STEP_ANSWERS = frozenset({"/skip"})


def parse_command(turn: Turn) -> tuple[str, str] | None:
    """``("/start", "INVITE")`` from "/start INVITE", "/START@CoachBot INVITE" or a button payload."""
    parsed = normalize_command(turn.text) if turn.text.startswith("/") else None
    if parsed is None or f"/{parsed[0]}" in STEP_ANSWERS:
        return None
    return f"/{parsed[0]}", parsed[1]


def known_commands() -> dict[str, Command]:
    """Every command this process understands: the built-in ones and those registered at start-up."""
    return {**BUILTIN_COMMANDS, **extra_commands()}


def _finish_onboarding_first(turn: Turn, command: str) -> Next:
    """A command typed mid-onboarding: onboarding keeps its invite, coach and answers, and goes on."""
    turn.say(T.FINISH_ONBOARDING_FIRST.format(steps=onboarding.steps_left_words(turn.data), command=command))
    return REPEAT


async def run(command: Command, turn: Turn, args: str) -> Next:
    if command.needs_client and turn.client_id is None:
        if turn.current_flow == onboarding.FLOW.name:
            return _finish_onboarding_first(turn, command.name)
        turn.say(T.NEEDS_ONBOARDING)
        return StartFlow("onboarding")
    if command.flow is not None:
        return StartFlow(command.flow, data={"args": args} if args else {})
    assert command.handler is not None
    return await command.handler(turn, args)


async def start(turn: Turn, args: str) -> Next:
    if turn.client_id is not None:
        client = await get_client(await turn.session(), turn.client_id)
        turn.say(T.ALREADY_REGISTERED.format(name=client.display_name))
        return END
    if turn.current_flow == onboarding.FLOW.name and not args:
        return _finish_onboarding_first(turn, "/start")  # a new invite code starts over with that coach
    return StartFlow("onboarding", data={"invite": args} if args else {})


async def help_(turn: Turn, _args: str) -> Next:
    lines = [T.HELP_INTRO]
    lines += [T.HELP_LINE.format(command=c.name, help=localize(c.help)) for c in known_commands().values()]
    lines.append(T.HELP_OUTRO)
    turn.say("\n".join(lines))
    return REPEAT


async def repeat(turn: Turn, _args: str) -> Next:
    """Ask the open question again (a console client coming back sees where they were)."""
    if turn.current_flow is not None:
        return REPEAT
    turn.say(T.NOTHING_OPEN_NEWCOMER if turn.client_id is None else T.NOTHING_OPEN)
    return STAY


async def menu(turn: Turn, _args: str) -> Next:
    turn.say(
        T.MENU,
        buttons(
            (T.MENU_CHECKIN, "/checkin"),
            (T.MENU_GOALS, "/goals"),
            (T.MENU_FEEDBACK, "/feedback"),
            (T.MENU_PAY, "/pay"),
            (T.MENU_HELP, "/help"),
            per_row=2,
        ),
    )
    return STAY


async def cancel(turn: Turn, _args: str) -> Next:
    if turn.current_flow is None:
        turn.say(T.NOTHING_TO_CANCEL)
        return STAY
    saved = turn.data.get(SAVED_KEY) or []
    turn.say(T.CANCELLED_KEPT.format(saved=", ".join(saved)) if saved else T.CANCELLED)
    return END


async def outside_flow(turn: Turn) -> Next:
    """No flow is running: newcomers are onboarded, anything typed goes to the coach."""
    if turn.client_id is None:
        return StartFlow("onboarding")
    if (ticked := await program_steps.typed_tick(turn)) is not None:
        return ticked  # "done 2": a task of today's program step
    if turn.message.button_payload is not None:
        turn.say(T.STALE_BUTTON)
        return STAY
    text = (turn.message.text or "").strip()
    if not text and not turn.message.attachments:
        turn.say(T.EMPTY_MESSAGE)
        return STAY
    await record_client_message(
        await turn.session(),
        client_id=turn.client_id,
        channel=turn.platform,
        text=text,
        attachments=[a.to_dict() for a in turn.message.attachments],
    )
    turn.say(T.RELAYED)
    return STAY


BUILTIN_COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("/checkin", H.CHECKIN, flow="checkin"),
        Command("/today", H.TODAY, handler=program_steps.today),
        Command("/program", H.PROGRAM, handler=program_steps.progress),
        Command("/goals", H.GOALS, flow="goals"),
        Command("/feedback", H.FEEDBACK, flow="feedback"),
        Command("/pay", H.PAY, handler=payment.pay),
        Command("/menu", H.MENU, handler=menu),
        Command("/start", H.START, handler=start, needs_client=False),
        Command("/help", H.HELP, handler=help_, needs_client=False),
        Command("/repeat", H.REPEAT, handler=repeat, needs_client=False),
        Command("/cancel", H.CANCEL, handler=cancel, needs_client=False),
        Command("/language", H.LANGUAGE, handler=language.language, needs_client=False),
    )
}
