from __future__ import annotations

import pytest

from bot.config import ConfigError, LogFormat, TelegramDriver, load_settings


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
    ],
)
def test_malformed_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert name in str(err.value) and "\n" not in str(err.value)
