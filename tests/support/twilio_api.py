"""A local server shaped like Twilio's Messages API, and a phone that texts our webhook signed like
Twilio does.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form ``To``, ``From``, ``Body``; HTTP Basic
auth with the account SID and auth token) answers 201 with a message resource and records it; a
scripted :class:`Fault` answers with Twilio's error shape instead. :meth:`FakeTwilio.text` posts an
inbound SMS to a webhook with ``X-Twilio-Signature`` computed by
``twilio.request_validator.RequestValidator`` (base64 HMAC-SHA1 of the URL plus the sorted form fields,
keyed by the auth token), as Twilio signs its webhook calls.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import secrets
from collections import deque
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "twilio-test-auth-token-0123456789"
FROM_NUMBER = "+15005550006"


@dataclass
class Fault:
    status: int
    code: int
    message: str = "error"


@dataclass
class Sent:
    to: str
    sender: str
    body: str
    sid: str


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    messages: list[Sent] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    refused_auth: int = 0
    account_status: str = "active"
    root: str = ""
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> FakeTwilio:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        app.router.add_get("/2010-04-01/Accounts/{sid}.json", self._account)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.root = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def to(self, number: str) -> list[str]:
        return [m.body for m in self.messages if m.to == number]

    async def wait_for(self, number: str, count: int, within: float = 10.0) -> list[str]:
        async with asyncio.timeout(within):
            while len(self.to(number)) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.to(number)

    def _authorised(self, request: web.Request, sid: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return sid == self.account_sid and request.headers.get("Authorization") == f"Basic {expected}"

    async def _account(self, request: web.Request) -> web.Response:
        sid = request.match_info["sid"]
        if not self._authorised(request, sid):
            self.refused_auth += 1
            return _error(401, 20003, "Authenticate")
        return web.json_response(
            {"sid": sid, "status": self.account_status, "friendly_name": "Coach", "type": "Full"}
        )

    async def _create(self, request: web.Request) -> web.Response:
        sid = request.match_info["sid"]
        if not self._authorised(request, sid):
            self.refused_auth += 1
            return _error(401, 20003, "Authenticate")
        form = await request.post()
        if self.faults:
            fault = self.faults.popleft()
            return _error(fault.status, fault.code, fault.message)
        to, sender, body = str(form.get("To", "")), str(form.get("From", "")), str(form.get("Body", ""))
        if not to or not (sender or form.get("MessagingServiceSid")) or not body:
            return _error(400, 21602, "Message body is required.")
        message_sid = f"SM{next(self._ids):032x}"
        self.messages.append(Sent(to, sender, body, message_sid))
        self._arrived.set()
        return web.json_response(
            {
                "sid": message_sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": sender,
                "body": body,
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}.json",
            },
            status=201,
        )

    def signed(self, url: str, form: dict[str, str], *, token: str | None = None) -> dict[str, str]:
        signature = RequestValidator(token or self.auth_token).compute_signature(url, form)
        return {"X-Twilio-Signature": signature}

    async def text(
        self,
        webhook_url: str,
        sender: str,
        body: str,
        *,
        message_sid: str | None = None,
        token: str | None = None,
        signature: str | None = None,
    ) -> tuple[int, str]:
        """An inbound SMS from ``sender`` posted to our webhook as Twilio would: (status, response body)."""
        sid = message_sid or fresh_sid()
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "From": sender,
            "To": FROM_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }
        headers = self.signed(webhook_url, form, token=token)
        if signature is not None:
            headers = {"X-Twilio-Signature": signature} if signature else {}
        async with (
            aiohttp.ClientSession() as http,
            http.post(webhook_url, data=form, headers=headers) as response,
        ):
            return response.status, await response.text()


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


def fresh_sid() -> str:
    return f"SM{secrets.token_hex(16)}"
