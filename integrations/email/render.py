"""Neutral messages as email: a subject, a plain-text part and an HTML part, from the templates here."""

from __future__ import annotations

import html
from email.message import EmailMessage
from functools import cache
from importlib import resources
from string import Template

from conversations.i18n import current_locale, use_locale
from conversations.messages import OutgoingMessage
from conversations.texts import Email as T

# Mail clients cut long subjects; a short first line reads better than an ellipsis mid-word.
SUBJECT_MAX_CHARS = 78


@cache
def _template(name: str) -> Template:
    return Template(resources.files("integrations.email").joinpath("templates", name).read_text("utf-8"))


def subject_for(message: OutgoingMessage, subject: str | None = None) -> str:
    if subject:
        return subject[:SUBJECT_MAX_CHARS]
    first = next((line.strip() for line in message.text.splitlines() if line.strip()), T.DEFAULT_SUBJECT)
    return first if len(first) <= SUBJECT_MAX_CHARS else first[: SUBJECT_MAX_CHARS - 1].rstrip() + "…"


def _actions(message: OutgoingMessage) -> tuple[str, str]:
    """Buttons cannot be pressed in email: they become the chat commands to send, and links stay links."""
    plain: list[str] = []
    rich: list[str] = []
    for button in message.all_buttons:
        plain.append("- " + T.SEND_IN_CHAT.format(label=button.label, command=button.payload))
        command = f"<code>{html.escape(button.payload)}</code>"
        rich.append(f"<li>{T.SEND_IN_CHAT.format(label=html.escape(button.label), command=command)}</li>")
    for link in message.url_buttons:
        plain.append(f"- {link.label}: {link.url}")
        rich.append(f'<li><a href="{html.escape(link.url, quote=True)}">{html.escape(link.label)}</a></li>')
    if not plain:
        return "", ""
    return "\n" + "\n".join(plain) + "\n", "<ul>" + "".join(rich) + "</ul>"


def render_email(
    message: OutgoingMessage,
    *,
    sender: str,
    recipient: str,
    subject: str | None = None,
    locale: str | None = None,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """The email for ``message``; its frame (footer, how to answer, the unsubscribe link) in
    ``locale`` (the client's)."""
    with use_locale(locale):
        return _render_email(
            message, sender=sender, recipient=recipient, subject=subject, unsubscribe_url=unsubscribe_url
        )


def _render_email(
    message: OutgoingMessage,
    *,
    sender: str,
    recipient: str,
    subject: str | None,
    unsubscribe_url: str | None,
) -> EmailMessage:
    plain_actions, html_actions = _actions(message)
    title = subject_for(message, subject)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient
    email["Subject"] = title
    footer = T.FOOTER
    html_footer = html.escape(T.FOOTER)
    if unsubscribe_url:
        footer += "\n" + T.UNSUBSCRIBE.format(link=unsubscribe_url)
        anchor = f'<a href="{html.escape(unsubscribe_url, quote=True)}">{html.escape(T.UNSUBSCRIBE_LINK)}</a>'
        html_footer += "<br>\n" + anchor
    email.set_content(
        _template("message.txt").substitute(text=message.text, actions=plain_actions, footer=footer)
    )
    html_text = "<br>\n".join(html.escape(line) for line in message.text.splitlines())
    email.add_alternative(
        _template("message.html").substitute(
            lang=current_locale(),  # screen readers and mail apps' translate offers read it
            subject=html.escape(title),
            html_text=html_text,
            html_actions=html_actions,
            footer=html_footer,
        ),
        subtype="html",
    )
    for file in message.files:
        maintype, _, subtype = file.mime_type.partition("/")
        email.add_attachment(
            file.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=file.file_name,
        )
    return email
