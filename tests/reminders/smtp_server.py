"""A real SMTP server (aiosmtpd) on 127.0.0.1, a free port, optionally offering STARTTLS."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Inbox:
    """Every message the server accepted, parsed."""

    messages: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)
    tls_sessions: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope, parsed))
        if session.ssl is not None:
            self.tls_sessions += 1
        return "250 OK"


def self_signed_context(directory: Path) -> ssl.SSLContext:
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def start_smtp(
    inbox: Inbox, *, tls_context: ssl.SSLContext | None = None
) -> tuple[asyncio.Server, int]:
    loop = asyncio.get_running_loop()
    kwargs: dict[str, Any] = {"hostname": "127.0.0.1"}
    if tls_context is not None:
        kwargs.update(tls_context=tls_context, require_starttls=True)
    server = await loop.create_server(lambda: SMTP(inbox, **kwargs), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, port
