from __future__ import annotations

import pytest

from bot.config import (
    TELEGRAM_WEBHOOK_SECRET_PATTERN,
    ConfigError,
    LogFormat,
    TelegramDriver,
    derive_telegram_webhook_secret,
    load_settings,
)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "COACH_DATABASE_URL",
        "COACH_HTTP_HOST",
        "COACH_HTTP_PORT",
        "COACH_LOG_LEVEL",
        "COACH_LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    s = load_settings()
    assert s.database_url == "sqlite+aiosqlite:///./coach.db"
    assert (s.http_host, s.http_port, s.log_format) == ("127.0.0.1", 8080, LogFormat.TEXT)
    assert s.telegram_driver is TelegramDriver.AIOGRAM and s.telegram_api_url == "https://api.telegram.org"
    assert not s.telegram_enabled and not s.slack_enabled


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("COACH_HTTP_PORT", "9001")
    monkeypatch.setenv("COACH_LOG_LEVEL", "debug")
    with open(".env", "w") as f:
        f.write("TELEGRAM_BOT_TOKEN=123:abc\nCOACH_TELEGRAM_DRIVER=ptb\n")
    s = load_settings()
    assert s.http_port == 9001 and s.log_level == "DEBUG"
    assert s.telegram_enabled and s.telegram_driver is TelegramDriver.PTB


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COACH_HTTP_PORT", "eighty"),
        ("COACH_HTTP_PORT", "70000"),
        ("COACH_LOG_LEVEL", "LOUD"),
        ("COACH_LOG_FORMAT", "xml"),
        ("COACH_TELEGRAM_DRIVER", "telethon"),
        ("COACH_DATABASE_URL", "not a url"),
        ("COACH_STRIPE_SUCCESS_URL", "coach.example.com/paid"),
        ("COACH_STRIPE_CANCEL_URL", "ftp://coach.example.com/"),
        ("COACH_DUNNING_DAYS", "0,x"),
        ("COACH_DUNNING_DAYS", "-1,3"),
        ("COACH_DUNNING_DAYS", "7,3"),
        ("COACH_DUNNING_DAYS", "3,3"),
        ("COACH_RETENTION_FILES_DAYS", "-1"),
        ("COACH_RETENTION_FILES_DAYS", "1.5"),
        ("COACH_RETENTION_FILES_DAYS", "a year"),
        ("COACH_RETENTION_FILES_DAYS", ""),
        ("COACH_FILE_RETENTION_DAYS", "-1"),
        ("COACH_FILE_RETENTION_DAYS", "a year"),
        ("COACH_RETENTION_CHECKINS_DAYS", "-5"),
        ("COACH_RETENTION_CLOSED_CLIENTS_DAYS", "-1"),
        ("COACH_RETENTION_CLOSED_CLIENTS_DAYS", "soon"),
    ],
)
def test_malformed_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert name in str(err.value) and "\n" not in str(err.value)


def test_payment_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COACH_STRIPE_SUCCESS_URL", "COACH_STRIPE_CANCEL_URL", "COACH_DUNNING_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COACH_HTTP_HOST", "0.0.0.0")
    monkeypatch.setenv("COACH_HTTP_PORT", "8123")
    s = load_settings()
    # By default Checkout returns to this service's own pages (bot/stripe_webhooks.py PaymentPages).
    assert s.payment_success_url == "http://127.0.0.1:8123/payments/success"
    assert s.payment_cancel_url == "http://127.0.0.1:8123/payments/cancelled"
    assert s.dunning_days == (0, 3, 7)
    monkeypatch.setenv("COACH_STRIPE_SUCCESS_URL", "https://coach.example.com/paid")
    monkeypatch.setenv("COACH_STRIPE_CANCEL_URL", "https://coach.example.com/not-paid")
    monkeypatch.setenv("COACH_DUNNING_DAYS", "1, 2,10")
    s = load_settings()
    assert s.payment_success_url == "https://coach.example.com/paid"
    assert s.payment_cancel_url == "https://coach.example.com/not-paid"
    assert s.dunning_days == (1, 2, 10)


def test_retention_files_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_RETENTION_FILES_DAYS", raising=False)
    monkeypatch.delenv("COACH_FILE_RETENTION_DAYS", raising=False)
    assert load_settings().retention_files_days == 365
    assert load_settings().deprecated_names == []
    monkeypatch.setenv("COACH_RETENTION_FILES_DAYS", "0")  # keep forever
    assert load_settings().retention_files_days == 0
    monkeypatch.setenv("COACH_RETENTION_FILES_DAYS", " 30 ")
    assert load_settings().retention_files_days == 30


def test_closed_clients_are_kept_unless_a_retention_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_RETENTION_CLOSED_CLIENTS_DAYS", raising=False)
    assert load_settings().retention_closed_clients_days == 0
    monkeypatch.setenv("COACH_RETENTION_CLOSED_CLIENTS_DAYS", "1095")
    assert load_settings().retention_closed_clients_days == 1095


def test_the_old_file_retention_name_still_works_and_the_new_one_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COACH_RETENTION_FILES_DAYS", raising=False)
    monkeypatch.setenv("COACH_FILE_RETENTION_DAYS", "90")
    settings = load_settings()
    assert settings.retention_files_days == 90
    assert settings.deprecated_names == [
        "COACH_FILE_RETENTION_DAYS is deprecated: rename it COACH_RETENTION_FILES_DAYS"
    ]
    monkeypatch.setenv("COACH_FILE_RETENTION_DAYS", "0")  # 0 still means keep forever
    assert load_settings().retention_files_days == 0
    monkeypatch.setenv("COACH_RETENTION_FILES_DAYS", "30")
    settings = load_settings()
    assert settings.retention_files_days == 30
    assert settings.deprecated_names == [
        "COACH_FILE_RETENTION_DAYS is ignored: COACH_RETENTION_FILES_DAYS is set; remove it"
    ]


def test_telegram_webhook_secret_is_shared_by_replicas_without_being_set() -> None:
    first = load_settings(telegram_bot_token="123:abc").telegram_webhook_secret_token
    second = load_settings(telegram_bot_token="123:abc").telegram_webhook_secret_token  # another replica
    assert first == second == derive_telegram_webhook_secret("123:abc")
    assert first is not None and TELEGRAM_WEBHOOK_SECRET_PATTERN.fullmatch(first) and len(first) == 43
    assert "abc" not in first
    assert load_settings(telegram_bot_token="123:abd").telegram_webhook_secret_token != first
    assert load_settings().telegram_webhook_secret_token is None  # no bot, no webhook

    configured = load_settings(telegram_bot_token="123:abc", telegram_webhook_secret="our-Shared_secret1")
    assert configured.telegram_webhook_secret_token == "our-Shared_secret1"


@pytest.mark.parametrize("secret", ["with space", "semi;colon", "x" * 257])
def test_telegram_webhook_secret_must_use_telegrams_characters(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("COACH_TELEGRAM_WEBHOOK_SECRET", secret)
    with pytest.raises(ConfigError, match="COACH_TELEGRAM_WEBHOOK_SECRET"):
        load_settings()


def test_sms_needs_all_three_twilio_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not load_settings().sms_enabled
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    assert not load_settings().sms_enabled
    monkeypatch.setenv("COACH_TWILIO_FROM", " +15005550006 ")
    settings = load_settings()
    assert settings.sms_enabled and settings.twilio_from == "+15005550006"
    assert load_settings(twilio_from="MG" + "a" * 32).twilio_from == "MG" + "a" * 32
    assert load_settings(transcribe_model="whisper-1").transcribe_model == "whisper-1"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COACH_TWILIO_FROM", "015112345678"),
        ("COACH_TWILIO_FROM", "Coach"),
        ("COACH_TWILIO_API_URL", "ftp://x"),
    ],
)
def test_malformed_twilio_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()
