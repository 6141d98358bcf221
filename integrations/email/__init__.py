"""Email as a delivery channel: an SMTP :class:`~bot.outbound.transport.Transport` (aiosmtplib)."""

from integrations.email.render import render_email
from integrations.email.transport import EMAIL_LIMITS, UNSUBSCRIBE_PATH, EmailTransport, SmtpConfig

__all__ = ["EMAIL_LIMITS", "UNSUBSCRIBE_PATH", "EmailTransport", "SmtpConfig", "render_email"]
