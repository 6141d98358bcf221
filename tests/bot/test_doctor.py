"""``coach doctor`` end to end against the local fixtures: the Bot API, Slack Web API, localstripe (a
child process), an OpenAI-compatible server, aiosmtpd and Redis at 127.0.0.1:6379."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from alembic import command
from sqlalchemy import text
from telegram import WebhookInfo

from bot.cli.main import main
from bot.doctor.report import Status
from bot.doctor.telegram import webhook_verdict
from domain.db import Database
from domain.migrate import alembic_config
from tests.reminders.smtp_server import Inbox, start_smtp
from tests.slack.stripe_process import LocalStripeProcess, run_localstripe_process
from tests.support.databases import discard_database_url, new_database_url
from tests.support.localstripe_server import API_KEY as STRIPE_KEY
from tests.support.openai_api import FakeOpenAI
from tests.support.slack_api import BOT_USER_ID, TEAM_ID, SlackApiServer
from tests.support.telegram_api import FakeTelegram
from tests.support.twilio_api import FROM_NUMBER, FakeTwilio

T = TypeVar("T")

TELEGRAM_TOKEN = "123456:TEST-TOKEN-doctor-abcdefghijkl"
SLACK_TOKEN = "xoxb-doctor-0123456789-slack-bot"
SIGNING_SECRET = "doctor-signing-secret-0123456789"
WEBHOOK_SECRET = "whsec_doctor_0123456789abcdef"
SMTP_PASSWORD = "smtp-password-0123456789"
PUBLIC_WEBHOOK = "https://coach.example.com/telegram/webhook"
REDIS_URL = "redis://127.0.0.1:6379/0"
CHECKS = [
    "settings",
    "database",
    "outbox",
    "inbox",
    "telegram",
    "telegram webhook",
    "slack",
    "slack signing secret",
    "stripe",
    "stripe webhook secret",
    "llm",
    "smtp",
    "sms",
    "redis",
    "encryption at rest",
    "telegram webhook secret",
]


class Background:
    """Servers on an event loop of their own: the CLI runs its own loop with ``asyncio.run``."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def background() -> Iterator[Background]:
    loop = Background()
    yield loop
    loop.close()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The migrated test database; nothing else configured."""
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    for name in ("COACH_SMTP_FROM", "COACH_SMTP_USER", "COACH_SMTP_PASSWORD", "COACH_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def telegram(background: Background, env: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    async def start() -> FakeTelegram:
        fake = FakeTelegram(TELEGRAM_TOKEN)
        await fake.start()
        return fake

    fake = background.run(start())
    env.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    env.setenv("COACH_TELEGRAM_API_URL", fake.root)
    yield fake
    background.run(fake.stop())


@pytest.fixture
def slack(background: Background, env: pytest.MonkeyPatch) -> Iterator[SlackApiServer]:
    server = SlackApiServer()
    background.run(server.start())
    env.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    env.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    env.setenv("COACH_SLACK_API_URL", server.base_url)
    yield server
    background.run(server.stop())


@pytest.fixture
def twilio(background: Background, env: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    fake = background.run(FakeTwilio().start())
    env.setenv("TWILIO_ACCOUNT_SID", fake.account_sid)
    env.setenv("TWILIO_AUTH_TOKEN", fake.auth_token)
    env.setenv("COACH_TWILIO_FROM", FROM_NUMBER)
    env.setenv("COACH_TWILIO_API_URL", fake.root)
    yield fake
    background.run(fake.stop())


@pytest.fixture
def model_server(background: Background, env: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    server = background.run(FakeOpenAI(models=("coach-model", "other-model")).start())
    env.setenv("OPENAI_BASE_URL", server.base_url)
    env.setenv("COACH_LLM_MODEL", "coach-model")
    yield server
    background.run(server.stop())


@pytest.fixture(scope="module")
def _localstripe() -> Iterator[LocalStripeProcess]:
    """A child process: localstripe serves once per process, and the payments tests hold this one's."""
    yield from run_localstripe_process()


@pytest.fixture
def stripe_api(_localstripe: LocalStripeProcess, env: pytest.MonkeyPatch) -> LocalStripeProcess:
    env.setenv("STRIPE_API_KEY", STRIPE_KEY)
    env.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    env.setenv("COACH_STRIPE_API_URL", _localstripe.url)
    return _localstripe


@pytest.fixture
def smtp_plain(background: Background, env: pytest.MonkeyPatch) -> Iterator[int]:
    """An SMTP server without STARTTLS; the service is told not to ask for it."""

    async def start() -> tuple[asyncio.Server, int]:
        return await start_smtp(Inbox())

    server, port = background.run(start())
    env.setenv("COACH_SMTP_HOST", "127.0.0.1")
    env.setenv("COACH_SMTP_PORT", str(port))
    env.setenv("COACH_SMTP_FROM", "coach@example.com")
    env.setenv("COACH_SMTP_STARTTLS", "false")
    yield port
    server.close()


@pytest.fixture
def redis_env(env: pytest.MonkeyPatch) -> None:
    env.setenv("COACH_REDIS_URL", REDIS_URL)


def free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Exit code, {check: (status, detail)} from ``--json``, and the raw output."""
    code = main(["doctor", "--json", *args])
    out, _ = capsys.readouterr()
    rows = json.loads(out)
    assert all(set(row) == {"check", "status", "detail"} for row in rows)
    return code, {row["check"]: (row["status"], row["detail"]) for row in rows}, out


def test_everything_configured_and_reachable(
    telegram: FakeTelegram,
    slack: SlackApiServer,
    model_server: FakeOpenAI,
    stripe_api: LocalStripeProcess,
    smtp_plain: int,
    twilio: FakeTwilio,
    redis_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, checks, out = doctor(capsys)
    assert code == 0, out
    assert list(checks) == CHECKS
    assert {name: status for name, (status, _) in checks.items()} == {
        **{name: "ok" for name in CHECKS},
        "telegram webhook": "skipped",
        "telegram webhook secret": "skipped",
    }
    assert "@coach_test_bot" in checks["telegram"][1]
    assert checks["telegram webhook"][1].startswith("long polling")
    assert TEAM_ID in checks["slack"][1] and BOT_USER_ID in checks["slack"][1]
    assert "test key" in checks["stripe"][1]
    assert checks["llm"][1].startswith("model coach-model listed")
    assert checks["smtp"][1] == f"127.0.0.1:{smtp_plain}: EHLO ok"
    assert checks["sms"][1].startswith("account set (") and FROM_NUMBER in checks["sms"][1]
    assert checks["redis"][1] == "PING answered by redis://127.0.0.1:6379/0"
    assert [c.method for c in telegram.calls] == ["getMe"]
    assert [c.method for c in slack.calls] == ["auth.test"]

    code = main(["doctor"])
    text_out, _ = capsys.readouterr()
    assert code == 0
    lines = text_out.splitlines()
    assert lines[0].startswith("✓ settings") and lines[5].startswith("– telegram webhook")
    assert lines[-1] == "16 checks: 14 ok, 0 failed, 2 skipped"
    for secret in (
        TELEGRAM_TOKEN,
        SLACK_TOKEN,
        SIGNING_SECRET,
        WEBHOOK_SECRET,
        STRIPE_KEY,
        twilio.auth_token,
    ):
        assert secret not in out and secret not in text_out
        assert secret[:-4] not in text_out  # at most the last 4 characters


def test_nothing_but_the_database_configured(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, checks, _ = doctor(capsys)
    assert code == 0
    assert checks["database"][0] == "ok" and "schema up to date" in checks["database"][1]
    assert checks["llm"] == ("skipped", "insights computed in code (no model configured)")
    assert all(
        status == "skipped"
        for name, (status, _) in checks.items()
        if name not in {"settings", "database", "outbox", "inbox", "encryption at rest"}
    )
    assert checks["outbox"] == ("ok", "every queued message can be decrypted")
    assert checks["inbox"] == ("ok", "every stored inbound update can be decrypted")
    assert checks["encryption at rest"] == ("ok", "client writing encrypted (Fernet), 1 current key")


def test_each_malformed_setting_is_its_own_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("COACH_HTTP_PORT", "eighty")
    env.setenv("COACH_LOG_LEVEL", "LOUD")
    code = main(["doctor", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 1
    failures = [row["detail"] for row in rows if row["status"] == "failed"]
    assert len(failures) == 2 and all(row["check"] == "settings" for row in rows[:2])
    assert failures[0].startswith("invalid setting COACH_HTTP_PORT") and "COACH_LOG_LEVEL" in failures[1]
    assert all(row["status"] == "skipped" for row in rows[2:]) and len(rows) == 17


def test_bad_usage_exits_2(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--timeout", "soon"]) == 2
    assert main(["doctor", "--timeout", "0"]) == 2
    assert main(["doctor", "--verbose"]) == 2


def test_wrong_telegram_token(telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    telegram.token = "123456:SOMEONE-ELSES-TOKEN"
    code, checks, out = doctor(capsys)
    assert code == 1
    status, detail = checks["telegram"]
    assert status == "failed" and "401" in detail and "TELEGRAM_BOT_TOKEN" in detail
    assert TELEGRAM_TOKEN not in out


def test_webhook_registered_at_the_configured_url(
    telegram: FakeTelegram, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("COACH_TELEGRAM_WEBHOOK_URL", PUBLIC_WEBHOOK)
    env.setenv("COACH_TELEGRAM_WEBHOOK_SECRET", "a-webhook-secret-of-24ch")
    code, checks, _ = doctor(capsys)
    assert checks["telegram webhook"] == ("failed", checks["telegram webhook"][1])
    assert "no webhook registered" in checks["telegram webhook"][1] and code == 1

    telegram.webhook_url = PUBLIC_WEBHOOK
    code, checks, _ = doctor(capsys)
    assert code == 0
    assert checks["telegram webhook"] == ("ok", f"{PUBLIC_WEBHOOK} registered, 0 pending updates")
    assert "getWebhookInfo" in [c.method for c in telegram.calls]


def test_webhook_registered_elsewhere(
    telegram: FakeTelegram, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("COACH_TELEGRAM_WEBHOOK_URL", PUBLIC_WEBHOOK)
    telegram.webhook_url = "https://staging.example.com/telegram/webhook?key=abc"
    code, checks, _ = doctor(capsys)
    assert code == 1
    status, detail = checks["telegram webhook"]
    assert status == "failed"
    assert "https://staging.example.com/telegram/webhook," in detail and PUBLIC_WEBHOOK in detail
    assert "key=abc" not in detail


def test_webhook_delivery_errors() -> None:
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    info = WebhookInfo(
        PUBLIC_WEBHOOK,
        False,
        7,
        last_error_date=now - timedelta(minutes=5),
        last_error_message="Connection refused",
    )
    verdict = webhook_verdict(info, PUBLIC_WEBHOOK, now=now)
    assert verdict.status is Status.FAILED
    assert "7 pending updates; last error 5 min ago: Connection refused" in verdict.detail
    recovered = WebhookInfo(
        PUBLIC_WEBHOOK, False, 0, last_error_date=now - timedelta(days=3), last_error_message="Timeout"
    )
    verdict = webhook_verdict(recovered, PUBLIC_WEBHOOK, now=now)
    assert verdict.status is Status.OK and "last error 3 days ago: Timeout" in verdict.detail


def test_unreachable_services(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    env.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    env.setenv("COACH_TELEGRAM_API_URL", f"http://127.0.0.1:{port}")
    env.setenv("COACH_TELEGRAM_WEBHOOK_URL", PUBLIC_WEBHOOK)
    env.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    env.setenv("SLACK_APP_TOKEN", "xapp-1-doctor-0123456789")
    env.setenv("COACH_SLACK_API_URL", f"http://127.0.0.1:{port}/api/")
    env.setenv("STRIPE_API_KEY", STRIPE_KEY)
    env.setenv("COACH_STRIPE_API_URL", f"http://127.0.0.1:{port}")
    env.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    env.setenv("COACH_LLM_MODEL", "coach-model")
    env.setenv("COACH_SMTP_HOST", "127.0.0.1")
    env.setenv("COACH_SMTP_PORT", str(port))
    env.setenv("COACH_SMTP_FROM", "coach@example.com")
    env.setenv("COACH_REDIS_URL", f"redis://:redis-password-0123@127.0.0.1:{port}/0")
    code, checks, out = doctor(capsys)
    assert code == 1
    where = f"127.0.0.1:{port}"
    for name in ("telegram", "slack", "stripe", "llm", "redis"):
        status, detail = checks[name]
        assert status == "failed" and detail.startswith("cannot reach") and where in detail, (name, detail)
    assert checks["smtp"][0] == "failed" and checks["smtp"][1].startswith(f"cannot connect to {where}")
    assert checks["telegram webhook"] == ("failed", "not checked: getMe failed")
    assert checks["slack signing secret"][0] == "ok" and "Socket Mode" in checks["slack signing secret"][1]
    assert (
        checks["stripe webhook secret"][0] == "failed"
        and "STRIPE_WEBHOOK_SECRET" in checks["stripe webhook secret"][1]
    )
    assert "redis-password-0123" not in out


def test_silent_server_times_out(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A server that accepts and never greets: the check gives up after --timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        env.setenv("COACH_SMTP_HOST", "127.0.0.1")
        env.setenv("COACH_SMTP_PORT", str(port))
        env.setenv("COACH_SMTP_FROM", "coach@example.com")
        code, checks, _ = doctor(capsys, "--timeout", "0.5")
    assert code == 1
    assert checks["smtp"] == (
        "failed",
        f"no answer from 127.0.0.1:{port} within 0.5 s: is the address right?",
    )


def _database_at(url: str, revision: str | None) -> None:
    """Connect to a fresh database (SQLite creates its file) and migrate it up to ``revision``."""

    def _upgrade(sync_conn: object) -> None:
        if revision is not None:
            config = alembic_config(url)
            config.attributes["connection"] = sync_conn
            command.upgrade(config, revision)

    async def work() -> None:
        db = Database(url)
        try:
            async with db.engine.begin() as conn:
                await conn.run_sync(_upgrade)
        finally:
            await db.dispose()

    asyncio.run(work())


def test_database_schema_states(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.db"
    env.setenv("COACH_DATABASE_URL", f"sqlite+aiosqlite:///{missing}")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["database"][1].endswith("no such file; run `coach db upgrade` to create it")
    assert not missing.exists()  # the check never creates a database

    url = new_database_url(tmp_path)
    try:
        env.setenv("COACH_DATABASE_URL", url)
        _database_at(url, None)
        code, checks, _ = doctor(capsys)
        assert code == 1 and checks["database"][1].endswith("no schema yet; run `coach db upgrade`")

        _database_at(url, "0001")
        code, checks, _ = doctor(capsys)
        status, detail = checks["database"]
        assert code == 1 and status == "failed"
        assert "schema at 0001, this release needs" in detail and detail.endswith("run `coach db upgrade`")

        assert main(["db", "upgrade"]) == 0
        capsys.readouterr()
        code, checks, _ = doctor(capsys)
        assert code == 0 and "schema up to date" in checks["database"][1]

        async def newer() -> None:
            db = Database(url)
            async with db.engine.begin() as conn:
                await conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999')"))
            await db.dispose()

        asyncio.run(newer())
        code, checks, _ = doctor(capsys)
        assert code == 1 and "9999, newer than this release" in checks["database"][1]
    finally:
        discard_database_url(url)


def test_unreachable_database_hides_its_password(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("COACH_DATABASE_URL", f"postgresql+asyncpg://coach:pg-secret-pw@127.0.0.1:{free_port()}/coach")
    code, checks, out = doctor(capsys)
    assert code == 1 and checks["database"][0] == "failed" and "cannot connect" in checks["database"][1]
    assert "pg-secret-pw" not in out


def test_stripe_wrong_key_and_webhook_secret(
    stripe_api: LocalStripeProcess, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("STRIPE_API_KEY", "pk_test_publishable_0123456789")  # the classic mix-up
    env.setenv("STRIPE_WEBHOOK_SECRET", "doctor-not-a-signing-secret")
    code, checks, out = doctor(capsys)
    assert code == 1
    assert checks["stripe"][0] == "failed" and "401" in checks["stripe"][1]
    assert checks["stripe webhook secret"][0] == "failed" and "whsec_" in checks["stripe webhook secret"][1]
    assert "pk_test_publishable_0123456789" not in out

    env.setenv("STRIPE_API_KEY", STRIPE_KEY)
    env.delenv("STRIPE_WEBHOOK_SECRET")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["stripe"][0] == "ok"
    assert checks["stripe webhook secret"][1].startswith("not set: payments are never confirmed")


def test_twilio_credentials_and_account(
    twilio: FakeTwilio, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, checks, _ = doctor(capsys)
    assert checks["sms"][0] == "ok" and "/sms/webhook" in checks["sms"][1]
    env.setenv("TWILIO_AUTH_TOKEN", "not-the-twilio-auth-token")
    code, checks, out = doctor(capsys)
    assert code == 1 and checks["sms"][0] == "failed" and "401" in checks["sms"][1]
    assert "not-the-twilio-auth-token" not in out
    env.setenv("TWILIO_AUTH_TOKEN", twilio.auth_token)
    twilio.account_status = "suspended"
    code, checks, _ = doctor(capsys)
    assert code == 1 and "suspended" in checks["sms"][1]


def test_slack_credentials(
    slack: SlackApiServer, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("SLACK_SIGNING_SECRET")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["slack"][0] == "ok"
    assert (
        checks["slack signing secret"][0] == "failed"
        and "SLACK_SIGNING_SECRET" in checks["slack signing secret"][1]
    )

    env.setenv("SLACK_APP_TOKEN", "xapp-1-doctor-0123456789")
    code, checks, _ = doctor(capsys)
    assert code == 0 and checks["slack signing secret"] == (
        "ok",
        "not needed: Socket Mode, SLACK_APP_TOKEN set (…6789)",
    )

    env.setenv("SLACK_BOT_TOKEN", "xoxp-a-user-token-0123456789")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["slack"] == (
        "failed",
        "SLACK_BOT_TOKEN must be the Bot User OAuth Token (xoxb-…)",
    )
    assert [c.method for c in slack.calls] == ["auth.test", "auth.test"]


def test_model_not_offered(
    model_server: FakeOpenAI, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("COACH_LLM_MODEL", "gpt-from-elsewhere")
    code, checks, _ = doctor(capsys)
    assert code == 1
    assert checks["llm"][0] == "failed" and checks["llm"][1].endswith(
        "does not offer COACH_LLM_MODEL gpt-from-elsewhere; it lists coach-model, other-model"
    )
    env.delenv("COACH_LLM_MODEL")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["llm"][1].startswith(
        "COACH_LLM_MODEL is not set, so insights are computed in code"
    )


def _trusted_certificate(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A self-signed certificate for 127.0.0.1 (with the IP in subjectAltName, as clients require)."""
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert


def _accept_coach(
    server: SMTP, session: object, envelope: object, mechanism: str, data: object
) -> AuthResult:
    good = (
        isinstance(data, LoginPassword) and data.login == b"coach" and data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=good, handled=False)


def test_smtp_starttls_and_login(
    background: Background, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context, cert = _trusted_certificate(tmp_path)

    async def start() -> asyncio.Server:
        loop = asyncio.get_running_loop()
        return await loop.create_server(
            lambda: SMTP(
                Inbox(),
                hostname="127.0.0.1",
                tls_context=context,
                require_starttls=True,
                authenticator=_accept_coach,
                auth_require_tls=True,
            ),
            "127.0.0.1",
            0,
        )

    server = background.run(start())
    port = server.sockets[0].getsockname()[1]
    try:
        env.setenv("SSL_CERT_FILE", str(cert))  # the client trusts our certificate, as it would a CA's
        env.setenv("COACH_SMTP_HOST", "127.0.0.1")
        env.setenv("COACH_SMTP_PORT", str(port))
        env.setenv("COACH_SMTP_FROM", "coach@example.com")
        env.setenv("COACH_SMTP_USER", "coach")
        env.setenv("COACH_SMTP_PASSWORD", SMTP_PASSWORD)
        code, checks, out = doctor(capsys)
        assert code == 0 and checks["smtp"] == ("ok", f"127.0.0.1:{port}: EHLO + STARTTLS + login ok")

        env.setenv("COACH_SMTP_PASSWORD", "wrong-password-0123")
        code, checks, out = doctor(capsys)
        assert code == 1
        assert checks["smtp"] == (
            "failed",
            f"127.0.0.1:{port} refused COACH_SMTP_USER/COACH_SMTP_PASSWORD (535)",
        )
        assert "wrong-password-0123" not in out

        env.delenv("SSL_CERT_FILE")  # an untrusted certificate
        code, checks, _ = doctor(capsys)
        assert code == 1 and checks["smtp"][1].startswith(f"STARTTLS with 127.0.0.1:{port} failed")
        assert "CERTIFICATE_VERIFY_FAILED" in checks["smtp"][1]
    finally:
        server.close()


def test_smtp_without_starttls_offered(
    smtp_plain: int, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("COACH_SMTP_STARTTLS", "true")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["smtp"][1].startswith(f"127.0.0.1:{smtp_plain} offers no STARTTLS")
    env.setenv("COACH_SMTP_STARTTLS", "false")
    env.delenv("COACH_SMTP_FROM")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["smtp"][1].endswith("COACH_SMTP_FROM is not set: email stays off")


def test_a_missing_encryption_key_and_an_unset_webhook_secret_are_flagged(
    telegram: FakeTelegram, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("COACH_ENCRYPTION_KEYS")
    env.setenv("COACH_TELEGRAM_WEBHOOK_URL", PUBLIC_WEBHOOK)
    telegram.webhook_url = PUBLIC_WEBHOOK
    code, checks, _ = doctor(capsys)
    assert code == 1
    assert (
        checks["encryption at rest"][0] == "failed"
        and "COACH_ENCRYPTION_KEYS" in checks["encryption at rest"][1]
    )
    status, detail = checks["telegram webhook secret"]
    assert status == "failed" and "COACH_TELEGRAM_WEBHOOK_SECRET" in detail

    env.setenv("COACH_ENCRYPTION_KEYS", "not-a-key")
    code, checks, _ = doctor(capsys)
    assert checks["settings"][0] == "failed" and "COACH_ENCRYPTION_KEYS" in checks["settings"][1]


def test_the_deprecated_file_retention_name_is_noted(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("COACH_FILE_RETENTION_DAYS", "90")
    code, checks, _ = doctor(capsys)
    assert code == 0
    status, detail = checks["settings"]
    assert status == "ok"
    assert detail.endswith("; COACH_FILE_RETENTION_DAYS is deprecated: rename it COACH_RETENTION_FILES_DAYS")
