"""Markdown the admins publish (policy texts, coach guides) rendered for people to read.

HTML through markdown-it-py with raw HTML disabled: any tag in the source is shown as text, and links
with a script scheme (``javascript:``, ``data:``) are not made links by its default validator."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
# Only markdown-it writes tags here (raw HTML arrives escaped), so its heading tags can be renamed.
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def markdown_to_html(text: str, *, demote_headings: bool = False) -> str:
    """Safe HTML for ``text`` (to be marked safe in a template: everything in it is escaped).
    ``demote_headings``: ``#`` becomes ``<h2>`` and so on, under a page's own ``<h1>``."""
    html = str(_renderer.render(text))
    if demote_headings:
        html = _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}>", html)
    return html
