"""``coach run`` with Twilio configured: ``POST /sms/webhook`` into the inbox, and the SMS transport on
the shared sender (reminders, session reminders and announcements for clients whose channel is SMS)."""

from __future__ import annotations

from aiohttp import web

from bot.components import AppContext, Component, conversation_engine
from bot.inbox.component import shared_inbox
from bot.outbound.component import shared_sender
from bot.outbound.transport import RateLimits
from bot.sms.channel import SmsChannel
from integrations.sms.twilio_transport import SMS_LIMITS, TwilioSmsTransport


class SmsComponent(Component):
    name = "sms"

    def __init__(self, ctx: AppContext, *, limits: RateLimits = SMS_LIMITS) -> None:
        settings = ctx.settings
        assert settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from
        sender = shared_sender(ctx)  # run by the OutboundComponent that build_components adds
        self.transport = TwilioSmsTransport(
            ctx.db,
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            sender=settings.twilio_from,
            api_url=settings.twilio_api_url,
            limits=limits,
        )
        sender.register(self.transport)
        self.channel = SmsChannel(
            ctx.db,
            conversation_engine(ctx),  # started and stopped by the EngineComponent
            sender,
            shared_inbox(ctx),
            auth_token=settings.twilio_auth_token,
            public_url=settings.web_base_url,
        )

    def install_routes(self, app: web.Application) -> None:
        self.channel.install_routes(app)
