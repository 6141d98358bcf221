"""Markdown the admins publish (policy texts, coach guides) rendered for people to read.

HTML through markdown-it-py with raw HTML disabled: any tag in the source is shown as text, and links
with a script scheme (``javascript:``, ``data:``) are not made links by its default validator."""

from __future__ import annotations

from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_to_html(text: str) -> str:
    """Safe HTML for ``text`` (to be marked safe in a template: everything in it is escaped)."""
    return str(_renderer.render(text))
