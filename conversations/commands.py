"""Global commands, valid in any state, and what happens to a message outside any flow."""

from __future__ import annotations

from conversations.flow import END, REPEAT, STAY, Next, StartFlow, Turn, buttons
from conversations.flows import payment
from conversations.flows import program as program_steps
from conversations.parsing import normalize_command
from conversations.registry import Command
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


async def run(command: Command, turn: Turn, args: str) -> Next:
    if command.needs_client and turn.client_id is None:
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
    return StartFlow("onboarding", data={"invite": args} if args else {})


async def help_(turn: Turn, _args: str) -> Next:
    turn.say(T.HELP)
    return REPEAT


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
    turn.say(T.CANCELLED)
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
        Command("/start", "Start or restart", handler=start, needs_client=False),
        Command("/help", "What I can do", handler=help_, needs_client=False),
        Command("/menu", "The main menu", handler=menu),
        Command("/cancel", "Stop the current conversation", handler=cancel, needs_client=False),
        Command("/checkin", "Log how you are doing", flow="checkin"),
        Command("/goals", "Your goals", flow="goals"),
        Command("/feedback", "Tell us how it's going", flow="feedback"),
        Command("/pay", "Pay for your program", handler=payment.pay),
        Command("/today", "Today's step of your program", handler=program_steps.today),
        Command("/program", "Your progress through your program", handler=program_steps.progress),
    )
}
