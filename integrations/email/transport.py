"""Delivering queued messages by SMTP; the outbound sender schedules it like any other platform."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any
from urllib.parse import quote

import aiosmtplib

from bot.outbound.transport import DeliveryError, RateLimits, Transport
from conversations.messages import OutgoingMessage
from integrations.email.render import render_email

log = logging.getLogger(__name__)

# SMTP has no platform-wide limit; a small relay (or a provider's free tier) commonly allows a few
# messages per second, so stay well below that and never send two to one inbox within a second.
EMAIL_LIMITS = RateLimits(per_chat_interval_s=1.0, global_per_second=5.0)
SMTP_TIMEOUT_S = 30.0
# Where the HTTP server answers unsubscribe links: GET shows a confirm page, POST unsubscribes
# (RFC 8058 one-click: mail providers POST "List-Unsubscribe=One-Click" to the header's URL).
UNSUBSCRIBE_PATH = "/email/unsubscribe"
PAYLOAD_TOKEN = "unsubscribe_token"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    # The unsubscribe endpoint's full URL (``COACH_PUBLIC_URL`` + UNSUBSCRIBE_PATH); each client email
    # names its own token after it.
    unsubscribe_url: str | None = None


class EmailTransport(Transport):
    platform = "email"
    limits = EMAIL_LIMITS

    def __init__(self, config: SmtpConfig, *, validate_certs: bool = True) -> None:
        self.config = config
        self.validate_certs = validate_certs

    async def deliver_payload(self, chat_id: str, payload: dict[str, Any]) -> str | None:
        # Digests and notices may carry a subject; the neutral message has none.
        subject = payload.get("subject")
        # Client messages worded in another language than English say so ("locale"), for the frame.
        locale = payload.get("locale")
        token = payload.get(PAYLOAD_TOKEN)
        return await self._send(
            chat_id,
            OutgoingMessage.from_dict(payload),
            subject if isinstance(subject, str) else None,
            locale if isinstance(locale, str) else None,
            token if isinstance(token, str) else None,
        )

    async def deliver(self, chat_id: str, message: OutgoingMessage) -> str | None:
        return await self._send(chat_id, message, None, None, None)

    def unsubscribe_link(self, token: str | None) -> str | None:
        if not token or not self.config.unsubscribe_url:
            return None
        return f"{self.config.unsubscribe_url.rstrip('/')}/{quote(token, safe='')}"

    async def _send(
        self,
        recipient: str,
        message: OutgoingMessage,
        subject: str | None,
        locale: str | None,
        token: str | None,
    ) -> str:
        link = self.unsubscribe_link(token)
        email = render_email(
            message,
            sender=self.config.sender,
            recipient=recipient,
            subject=subject,
            locale=locale,
            unsubscribe_url=link,
        )
        if link is not None:
            # RFC 2369 names the way out; RFC 8058 lets the mail client do it in one click (a POST).
            email["List-Unsubscribe"] = f"<{link}>"
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message_id = make_msgid(domain=self.config.sender.rpartition("@")[2] or None)
        email["Message-ID"] = message_id
        try:
            await aiosmtplib.send(
                email,
                hostname=self.config.host,
                port=self.config.port,
                username=self.config.username,
                password=self.config.password,
                start_tls=self.config.starttls,
                validate_certs=self.validate_certs,
                timeout=SMTP_TIMEOUT_S,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError("recipient refused", unreachable=True) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise DeliveryError("smtp authentication failed", permanent=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # 4xx is a temporary refusal (greylisting, throttling); 5xx will not get better.
            raise DeliveryError(f"smtp {exc.code}", permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp unavailable: {type(exc).__name__}") from exc
        log.debug("email delivered")
        return message_id
