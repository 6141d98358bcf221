"""Inbound SMS: ``POST /sms/webhook`` as Twilio calls it, through the same engine as every chat.

A request is checked at the door (size, ``X-Twilio-Signature`` over the URL and the form, keyed by the
auth token: a bad or missing one is 403 and nothing is stored), stored in the inbox under its
``MessageSid`` (a re-sent webhook is stored once), and only then answered 200 with an empty TwiML
response (503 when it cannot be stored, so Twilio tries again). The inbox processor hands it to
:meth:`SmsChannel.handle_stored`, one number's texts in order:

- STOP (and its synonyms) records an opt-out: no SMS goes to the number until START (or YES, which
  is otherwise an answer like any other); HELP gets the help text. Twilio's Advanced Opt-Out answers these keywords itself, so STOP and START get no answer
  from us (HELP does: ours says what this number is for).
- Anything else from a number a client gave in ``/settings`` goes to the conversation engine as that
  client; a number typed where the last SMS offered numbered choices presses that choice.
- Texts from numbers no client gave are stored and dropped (no onboarding by SMS, no paid replies to
  strangers).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.http import door
from bot.inbox.processor import InboxProcessor
from bot.outbound.sender import OutboundSender
from conversations.i18n import supported_locale, use_locale
from conversations.messages import Button, IncomingMessage, typed_button
from conversations.ports import ConversationHandler
from conversations.texts import Sms as T
from domain.clock import utcnow
from domain.db import Database
from domain.models.enums import Platform
from domain.services import sms
from domain.services.clients import find_client_by_identity
from domain.services.inbox import InboundUpdate, LeasedUpdate, store_updates

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/sms/webhook"
PLATFORM = Platform.SMS.value
# Twilio's message ids: "SM" (SMS) or "MM" (MMS) and 32 hex digits.
MESSAGE_SID_MAX = 64
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def update_key(message_sid: str) -> str:
    return f"{PLATFORM}:{message_sid}"


class SmsChannel:
    def __init__(
        self,
        db: Database,
        handler: ConversationHandler,
        sender: OutboundSender,
        inbox: InboxProcessor,
        *,
        auth_token: str,
        public_url: str,
    ) -> None:
        self.db = db
        self.handler = handler
        self.sender = sender
        self.inbox = inbox
        self.auth_token = auth_token
        # The URL Twilio is configured to call (COACH_PUBLIC_URL + WEBHOOK_PATH): what it signs.
        self.public_url = public_url.rstrip("/") + WEBHOOK_PATH
        inbox.register(PLATFORM, self.handle_stored)

    def install_routes(self, app: web.Application) -> None:
        app.router.add_post(WEBHOOK_PATH, self.webhook)

    # -- the door -----------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        try:
            body = await door.read_body(request, door.TWILIO_LIMITS)
            form = door.parse_form(door.decode(body), door.TWILIO_LIMITS)
            query = f"?{request.query_string}" if request.query_string else ""
            urls = [self.public_url + query, str(request.url)]
            door.check_twilio_signature(urls, form, request.headers, self.auth_token)
            update = stored_sms(form)
        except door.Refused as refused:
            return await door.refuse(self.db, "sms", refused)
        try:
            async with self.db.unit_of_work() as session:
                await store_updates(session, [update], utcnow())
        except Exception as exc:
            log.warning("an inbound SMS could not be stored: %s", type(exc).__name__)
            return web.Response(status=503, text="try again")
        self.inbox.wake()
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")

    # -- one stored SMS -----------------------------------------------------------------------

    async def handle_stored(self, update: LeasedUpdate) -> None:
        form: dict[str, Any] = update.payload
        phone = str(form.get("From", ""))
        text = str(form.get("Body", ""))
        word = sms.keyword(text)
        if word == "stop":
            async with self.db.unit_of_work() as session:
                if await sms.opt_out(session, phone, text.strip()):
                    log.info("an SMS number opted out")
            return
        if word in ("start", "yes"):
            async with self.db.unit_of_work() as session:
                resumed = await sms.opt_in(session, phone)
            if word == "start" or resumed:
                return
        async with self.db.sessions() as session:
            client = await find_client_by_identity(session, PLATFORM, phone)
            last = await sms.last_sms_payload(session, phone) if client is not None else None
        if word == "help":
            locale = supported_locale(client.locale) if client is not None else None
            with use_locale(locale or "en"):
                await self.sender.enqueue(
                    PLATFORM, phone, {**_plain(T.HELP)}, dedupe_key=f"{update.key}:help"
                )
            self.sender.wake()
            return
        if client is None:
            log.info("an SMS from a number no client gave; not handled")
            return
        message = IncomingMessage(
            platform=PLATFORM,
            external_user_id=phone,
            chat_id=phone,
            message_id=str(form.get("MessageSid", "")),
            text=text,
            idempotency_key=update.key,
            from_inbox=True,
        )
        offered = [Button(b["label"], b["payload"]) for row in (last or {}).get("buttons", []) for b in row]
        pressed = typed_button(text, offered) if offered and text.strip() else None
        if pressed is not None:
            message = IncomingMessage(
                platform=PLATFORM,
                external_user_id=phone,
                chat_id=phone,
                message_id=message.message_id,
                button_payload=pressed.payload,
                idempotency_key=update.key,
                from_inbox=True,
            )
        await self.handler.handle(message)  # replies are outbox rows written with the step
        self.sender.wake()


def _plain(text: str) -> dict[str, Any]:
    return {"text": text, "buttons": [], "url_buttons": [], "files": []}


def stored_sms(form: dict[str, str]) -> InboundUpdate:
    """A Twilio webhook form as an inbox row: keyed by its MessageSid, one lane per sending number."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    phone = form.get("From", "")
    if not sid or len(sid) > MESSAGE_SID_MAX or not phone:
        raise door.Refused(400, "not an inbound message")
    try:
        phone = sms.parse_phone_number(phone)
    except Exception:
        raise door.Refused(400, "not an inbound message") from None
    kept: dict[str, Any] = {
        k: form[k] for k in ("MessageSid", "AccountSid", "From", "To", "Body", "NumMedia") if k in form
    }
    kept["From"] = phone
    return InboundUpdate(
        key=update_key(sid), platform=PLATFORM, lane=phone, payload=kept, external_user_id=phone
    )
