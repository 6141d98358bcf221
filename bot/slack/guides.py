"""``/coach guides``: the guides the admins published, read in Slack.

``/coach guides`` lists them, 🆕 marking those new to this coach (never opened, or changed since);
``/coach guides <slug or number>`` shows one and marks it read. The Markdown is turned into Slack
mrkdwn line by line after escaping ``&``, ``<`` and ``>`` (so nothing in a guide can mention, broadcast
or disguise a link); only ``http(s)`` links become Slack links."""

from __future__ import annotations

import re

from bot.slack import blocks
from bot.slack.commands import CommandReply, reply
from conversations.texts import CoachTools as T
from domain.db import Database
from domain.errors import NotFound
from domain.models import Coach
from domain.services import guides

NEW_MARK = "🆕"
# Room for the header and the note about a cut: the rest of a message's blocks hold the text.
TEXT_BLOCKS_MAX = blocks.MESSAGE_BLOCKS_MAX - 3
CHUNK_CHARS = blocks.SECTION_TEXT_MAX - 100

_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)(\d+)[.)]\s+(.*)$")
_QUOTE = re.compile(r"^&gt;\s?(.*)$")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s()|]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")


def _inline(line: str) -> str:
    parts = re.split(r"(`[^`]*`)", line)  # inline code stays as written
    for i, part in enumerate(parts):
        if i % 2:
            continue
        part = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1).replace('|', '¦')}>", part)
        part = _ITALIC.sub(r"_\1_", part)
        part = _BOLD.sub(r"*\2*", part)
        parts[i] = _STRIKE.sub(r"~\1~", part)
    return "".join(parts)


def markdown_to_mrkdwn(text: str) -> str:
    """Slack mrkdwn for a guide's Markdown: headings bold, lists as bullets, quotes, code kept."""
    out: list[str] = []
    in_code = False
    for raw in text.splitlines():
        line = blocks.escape(raw.rstrip())
        if line.lstrip().startswith("```"):
            in_code = not in_code
            out.append("```")
            continue
        if in_code:
            out.append(line)
        elif m := _HEADING.match(line):
            # A heading is bold already: bold inside it would end it early.
            out.append(f"*{_inline(m.group(1).replace('**', '').replace('__', '')).strip('*')}*")
        elif m := _BULLET.match(line):
            out.append(f"{m.group(1)}• {_inline(m.group(2))}")
        elif m := _NUMBERED.match(line):
            out.append(f"{m.group(1)}{m.group(2)}. {_inline(m.group(3))}")
        elif m := _QUOTE.match(line):
            out.append(f">{_inline(m.group(1))}")
        else:
            out.append(_inline(line))
    if in_code:
        out.append("```")
    return "\n".join(out).strip()


def chunks(mrkdwn: str, size: int = CHUNK_CHARS) -> list[str]:
    """Pieces of at most ``size`` characters, cut between lines where possible (a section's limit)."""
    pieces: list[str] = []
    current = ""
    for line in mrkdwn.split("\n"):
        while len(line) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


async def guides_command(db: Database, coach: Coach, rest: str) -> CommandReply:
    if not rest.strip():
        return await _list(db, coach)
    try:
        async with db.unit_of_work() as session:
            guide = await guides.open_guide(session, coach.id, rest)
            title, body = guide.title, guide.body
    except NotFound:
        return reply(T.NO_GUIDE.format(name=rest.strip()[:60]))
    pieces = chunks(markdown_to_mrkdwn(body))
    shown = [blocks.header(title), *(blocks.section(p) for p in pieces[:TEXT_BLOCKS_MAX])]
    if len(pieces) > TEXT_BLOCKS_MAX:
        shown.append(blocks.context(T.GUIDE_TOO_LONG))
    return CommandReply(title, shown)


async def _list(db: Database, coach: Coach) -> CommandReply:
    async with db.sessions() as session:
        entries = await guides.guides_for_coach(session, coach.id)
    if not entries:
        return CommandReply(T.GUIDES, [blocks.header(T.GUIDES), blocks.section(T.NO_GUIDES)])
    new = sum(1 for e in entries if e.new)
    lines = [
        f"{NEW_MARK + ' ' if e.new else ''}*{blocks.escape(e.title)}* · `/coach guides {e.slug}`"
        + (" · " + T.REVISION.format(number=e.revision) if e.revision > 1 else "")
        for e in entries
    ]
    title = T.GUIDES_NEW.format(new=new) if new else T.GUIDES
    return CommandReply(
        title,
        [blocks.header(title), *(blocks.section(p) for p in chunks("\n".join(lines))[:TEXT_BLOCKS_MAX])],
    )
