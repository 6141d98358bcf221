"""``/coach_link CODE``: a coach links their Telegram account, so sign-in links can reach them there."""

from __future__ import annotations

from conversations.flow import END, Next, Turn
from conversations.registry import register_command
from conversations.texts import CoachLink as T
from conversations.texts import Commands as H
from domain.models.enums import Platform
from domain.services.web_auth import link_chat_account


async def coach_link(turn: Turn, args: str) -> Next:
    if turn.platform != Platform.TELEGRAM:
        turn.say(T.ONLY_TELEGRAM)
        return END
    if not args.strip():
        turn.say(T.ASK_CODE)
        return END
    check = await link_chat_account(
        await turn.session(),
        args,
        platform=turn.platform,
        external_user_id=turn.message.external_user_id,
        chat_id=turn.message.chat_id,
    )
    turn.say(T.LINKED.format(name=check.coach_name) if check.status == "valid" else T.REFUSED)
    return END


def register() -> None:
    register_command("/coach_link", handler=coach_link, help=H.COACH_LINK, needs_client=False)
