"""Goals: list → action (update progress, mark done, add, archive, suggest) → which goal → value.

Suggestions come from the injected goal suggester after the commit (it may call a model); they
are stored as ``suggested`` goals and offered as buttons that start this flow with
``/goals accept:<id>``. When the client's program wants the coach to review AI goals first, they are
stored as ``proposed`` and go to the coach; the approved ones reach the client with the same button.
"""

from __future__ import annotations

from typing import Any

from conversations.flow import END, EffectContext, Flow, InvalidAnswer, Next, Step, Turn, ask, buttons
from conversations.i18n import use_locale
from conversations.messages import Button, OutgoingMessage
from conversations.parsing import ParseError, parse_goal_details, parse_percent
from conversations.texts import Goals as T
from domain.errors import NotFound
from domain.insights import approval
from domain.models.enums import GoalStatus
from domain.services import goals

OPEN = (GoalStatus.ACTIVE,)


def render_offer(offer: approval.GoalOffer) -> dict[str, Any]:
    """The outbox payload offering a client the goal their coach approved, in the client's language
    (the goal's words as written); its button starts this flow with ``/goals accept:<id>``."""
    with use_locale(offer.locale):
        row = (Button(T.TAKE_IT, offer.accept_command),)
        return OutgoingMessage(T.OFFER.format(goal=offer.goal), (row,)).to_dict()


async def begin(turn: Turn) -> Next:
    assert turn.client_id is not None
    session = await turn.session()
    args = str(turn.data.get("args", ""))
    if args.startswith("accept:") and args[7:].isdigit():
        return await _accept_suggestion(turn, int(args[7:]))
    rows = await goals.list_goals(session, turn.client_id, statuses=OPEN)
    turn.data["goals"] = [[g.id, g.text] for g in rows]
    if not rows:
        turn.say(T.NONE)
    else:
        lines = [
            T.LINE.format(
                n=n, text=g.text, progress=g.progress, due=T.DUE.format(date=g.due_date) if g.due_date else ""
            )
            for n, g in enumerate(rows, 1)
        ]
        turn.say("\n".join([T.LIST_HEADER, *lines]))
    return "action"


async def _accept_suggestion(turn: Turn, goal_id: int) -> Next:
    session = await turn.session()
    try:
        goal = await goals.get_goal(session, goal_id, client_id=turn.client_id)
    except NotFound:
        goal = None
    if goal is None or goal.status != GoalStatus.SUGGESTED:
        turn.say(T.SUGGESTION_GONE)
        return END
    assert turn.client_id is not None
    await goals.accept_goal(session, goal_id, client_id=turn.client_id)
    turn.say(T.SUGGESTION_ACCEPTED.format(goal=goal.text))
    return END


async def ask_action(turn: Turn) -> OutgoingMessage:
    pairs = []
    if turn.data["goals"]:
        pairs += [(T.ACTION_PROGRESS, "progress"), (T.ACTION_DONE, "done"), (T.ACTION_ARCHIVE, "archive")]
    pairs.append((T.ACTION_ADD, "add"))
    if turn.goal_suggester is not None:
        pairs.append((T.ACTION_SUGGEST, "suggest"))
    return OutgoingMessage(T.ASK_ACTION, tuple(tuple(r) for r in buttons(*pairs, per_row=2)))


ACTION_WORDS = {
    "progress": "progress",
    "update progress": "progress",
    "update": "progress",
    "done": "done",
    "mark done": "done",
    "archive": "archive",
    "add": "add",
    "add goal": "add",
    "new": "add",
    "suggest": "suggest",
    "suggest goals": "suggest",
}


async def answer_action(turn: Turn) -> Next:
    action = ACTION_WORDS.get(turn.text.lower().strip())
    needs_goal = action in ("progress", "done", "archive")
    if action is None or (needs_goal and not turn.data["goals"]):
        raise InvalidAnswer(T.ACTION_HINT)
    if action == "suggest" and turn.goal_suggester is None:
        raise InvalidAnswer(T.ACTION_HINT)
    turn.data["action"] = action
    if action == "add":
        return "new"
    if action == "suggest":
        turn.after_commit(_suggest)
        return END
    if len(turn.data["goals"]) == 1:
        turn.data["goal_id"] = turn.data["goals"][0][0]
        return await _act_on_goal(turn)
    return "which"


async def ask_which(turn: Turn) -> OutgoingMessage:
    pairs = [
        (f"{n}. {text[:40]}", f"goal:{goal_id}") for n, (goal_id, text) in enumerate(turn.data["goals"], 1)
    ]
    return OutgoingMessage(T.ASK_WHICH, tuple(tuple(r) for r in buttons(*pairs, per_row=1)))


async def answer_which(turn: Turn) -> Next:
    ids = [g[0] for g in turn.data["goals"]]
    text = turn.text
    if text.startswith("goal:") and text[5:].isdigit() and int(text[5:]) in ids:
        turn.data["goal_id"] = int(text[5:])
    elif text.rstrip(".").isdigit() and 1 <= int(text.rstrip(".")) <= len(ids):
        turn.data["goal_id"] = ids[int(text.rstrip(".")) - 1]
    else:
        raise InvalidAnswer(T.WHICH_HINT)
    return await _act_on_goal(turn)


def _goal_text(turn: Turn) -> str:
    return next(str(t) for i, t in turn.data["goals"] if i == turn.data["goal_id"])


async def _act_on_goal(turn: Turn) -> Next:
    action = turn.data["action"]
    if action == "progress":
        return "progress"
    session = await turn.session()
    if action == "done":
        await goals.mark_goal_done(session, turn.data["goal_id"], client_id=turn.client_id)
        turn.say(T.DONE_SAVED.format(goal=_goal_text(turn)))
    else:
        await goals.archive_goal(session, turn.data["goal_id"], client_id=turn.client_id)
        turn.say(T.ARCHIVED.format(goal=_goal_text(turn)))
    return END


async def ask_progress(turn: Turn) -> OutgoingMessage:
    return OutgoingMessage(T.ASK_PROGRESS.format(goal=_goal_text(turn)))


async def answer_progress(turn: Turn) -> Next:
    progress = parse_percent(turn.text)
    session = await turn.session()
    goal = await goals.update_goal_progress(session, turn.data["goal_id"], progress, client_id=turn.client_id)
    if goal.status == GoalStatus.DONE:
        turn.say(T.DONE_SAVED.format(goal=goal.text))
    else:
        turn.say(T.PROGRESS_SAVED.format(goal=goal.text, progress=progress))
    return END


async def answer_new(turn: Turn) -> Next:
    if not turn.text or turn.message.button_payload is not None:
        raise InvalidAnswer(T.NEW_HINT)
    try:
        details = parse_goal_details(turn.text, turn.now.date())
    except ParseError:
        raise InvalidAnswer(T.NEW_HINT) from None
    assert turn.client_id is not None
    goal = await goals.set_goal(
        await turn.session(),
        client_id=turn.client_id,
        text=turn.text,
        metric=details.metric,
        target=details.target,
        unit=details.unit,
        due_date=details.due_date,
        today=turn.now.date(),
    )
    turn.say(T.ADDED.format(goal=goal.text))
    return END


async def _suggest(context: EffectContext) -> list[OutgoingMessage]:
    """Ask the suggester (network) and store its ideas, after the step committed.

    They are offered to the client as buttons, or, when the client's program wants its coach to
    review AI goals first, sent to the coach instead (the client gets only those the coach approves).
    """
    assert context.goal_suggester is not None and context.client_id is not None
    client_id = context.client_id
    async with context.db.unit_of_work() as session:
        coach_first = await approval.client_needs_approval(session, client_id)
        if coach_first and await approval.has_proposals_waiting(session, client_id):
            return [OutgoingMessage(T.SUGGESTIONS_ALREADY_WITH_COACH)]
    suggestions = (await context.goal_suggester.suggest_goals(client_id))[:3]
    if not suggestions:
        return [OutgoingMessage(T.NO_SUGGESTIONS)]
    async with context.db.unit_of_work() as session:
        if coach_first:
            proposed = await approval.propose_goals(
                session, client_id, suggestions, ai=any(s.ai for s in suggestions)
            )
            return [OutgoingMessage(T.SUGGESTIONS_WITH_COACH if proposed else T.NO_SUGGESTIONS)]
        offered = await goals.add_goal_ideas(session, client_id, suggestions, status=GoalStatus.SUGGESTED)
    pairs = [(g.text[:60], f"/goals accept:{g.id}") for g in offered]
    intro = T.SUGGESTIONS_AI if any(s.ai for s in suggestions) else T.SUGGESTIONS
    return [OutgoingMessage(intro, tuple(tuple(r) for r in buttons(*pairs, per_row=1)))]


FLOW = Flow(
    name="goals",
    version=1,
    begin=begin,
    steps=[
        Step("action", ask_action, answer_action),
        Step("which", ask_which, answer_which),
        Step("progress", ask_progress, answer_progress),
        Step("new", ask(T.ASK_NEW), answer_new),
    ],
)
