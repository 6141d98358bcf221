"""Settings from environment variables and an optional ``.env`` file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Served by the service itself (bot/stripe_webhooks.py) so Checkout returns to a page of ours.
PAYMENT_SUCCESS_PATH = "/payments/success"
PAYMENT_CANCEL_PATH = "/payments/cancelled"


# setWebhook secret_token: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed"
# (Bot API, setWebhook).
TELEGRAM_WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Derives the webhook secret from the bot token when none is set, so every replica registers and
# checks the same one; changing the label changes every derived secret.
TELEGRAM_WEBHOOK_SECRET_LABEL = b"stripe-coach telegram webhook secret v1"
FILE_RETENTION = "COACH_RETENTION_FILES_DAYS"
# The old name of FILE_RETENTION, read when that is not set (the COACH_RETENTION_* naming came later).
DEPRECATED_FILE_RETENTION = "COACH_FILE_RETENTION_DAYS"


def derive_telegram_webhook_secret(bot_token: str) -> str:
    """HMAC-SHA256 of a fixed label keyed by the bot token, URL-safe base64 without padding: 43
    characters Telegram accepts, the same on every replica, and no way back to the token."""
    digest = hmac.new(bot_token.encode(), TELEGRAM_WEBHOOK_SECRET_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class RateLimiterKind(StrEnum):
    """Where sending slots are kept: ``auto`` picks Redis when ``COACH_REDIS_URL`` is set, else this
    process's memory; ``postgres`` shares them through the database (several workers, no Redis)."""

    AUTO = "auto"
    MEMORY = "memory"
    REDIS = "redis"
    POSTGRES = "postgres"


class TelegramDriver(StrEnum):
    AIOGRAM = "aiogram"
    PTB = "ptb"


def _env(name: str, default: Any = None, **kwargs: Any) -> Any:
    return Field(default, validation_alias=name, **kwargs)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = _env("COACH_DATABASE_URL", "sqlite+aiosqlite:///./coach.db")
    http_host: str = _env("COACH_HTTP_HOST", "127.0.0.1")
    http_port: int = _env("COACH_HTTP_PORT", 8080, ge=0, le=65535)
    # Where people reach this service from outside (behind a proxy, with https): sign-in links use it.
    public_url: str | None = _env("COACH_PUBLIC_URL")
    log_level: str = _env("COACH_LOG_LEVEL", "INFO")
    log_format: LogFormat = _env("COACH_LOG_FORMAT", LogFormat.TEXT)
    conversation_timeout_hours: float = _env("COACH_CONVERSATION_TIMEOUT_HOURS", 24.0, gt=0)
    storage_dir: str = _env("COACH_STORAGE_DIR", "./data/files")
    # The hourly purge deletes clients' files, check-ins, client-coach messages and audit events older
    # than these (0 keeps them forever).
    retention_files_days: int = _env(FILE_RETENTION, 365)
    # The old name of COACH_RETENTION_FILES_DAYS, still read when the new one is not set; `coach run`
    # and `coach doctor` say so (see deprecated_names).
    deprecated_file_retention_days: int | None = _env(DEPRECATED_FILE_RETENTION, None)
    retention_checkins_days: int = _env("COACH_RETENTION_CHECKINS_DAYS", 730)
    retention_messages_days: int = _env("COACH_RETENTION_MESSAGES_DAYS", 365)
    retention_audit_days: int = _env("COACH_RETENTION_AUDIT_DAYS", 365)
    # Clients with no open enrollment or running subscription and nothing new for this many days are
    # erased (as `coach erase` would); 0, the default, keeps them until someone erases them.
    retention_closed_clients_days: int = _env("COACH_RETENTION_CLOSED_CLIENTS_DAYS", 0)
    # Fernet keys, newest first, comma-separated; what clients write is encrypted at rest with them.
    encryption_keys: Annotated[tuple[str, ...], NoDecode] = _env("COACH_ENCRYPTION_KEYS", ())
    redis_url: str | None = _env("COACH_REDIS_URL")
    # Prefix of every key this deployment keeps in Redis (several deployments may share one Redis).
    redis_namespace: str = _env("COACH_REDIS_NAMESPACE", "coach", min_length=1, max_length=100)
    rate_limiter: RateLimiterKind = _env("COACH_RATE_LIMITER", RateLimiterKind.AUTO)
    # How long a stopping worker (SIGTERM) may take to finish or hand back its work; Kubernetes'
    # terminationGracePeriodSeconds is set above it.
    stop_grace_seconds: float = _env("COACH_STOP_GRACE_SECONDS", 20.0, gt=0)
    # Trace mode of the event-loop lag monitor: the loop's stack is logged when it is this late.
    loop_lag_trace_ms: int | None = _env("COACH_LOOP_LAG_TRACE_MS", None, gt=0)

    telegram_bot_token: str | None = _env("TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = _env("COACH_TELEGRAM_API_URL", "https://api.telegram.org")
    telegram_driver: TelegramDriver = _env("COACH_TELEGRAM_DRIVER", TelegramDriver.AIOGRAM)
    telegram_webhook_url: str | None = _env("COACH_TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = _env("COACH_TELEGRAM_WEBHOOK_SECRET")

    slack_bot_token: str | None = _env("SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = _env("SLACK_SIGNING_SECRET")
    slack_app_token: str | None = _env("SLACK_APP_TOKEN")
    slack_api_url: str | None = _env("COACH_SLACK_API_URL")

    stripe_api_key: str | None = _env("STRIPE_API_KEY")
    stripe_webhook_secret: str | None = _env("STRIPE_WEBHOOK_SECRET")
    stripe_api_url: str | None = _env("COACH_STRIPE_API_URL")
    stripe_success_url: str | None = _env("COACH_STRIPE_SUCCESS_URL")
    stripe_cancel_url: str | None = _env("COACH_STRIPE_CANCEL_URL")
    # NoDecode: the variable is "0,3,7", not JSON.
    dunning_days: Annotated[tuple[int, ...], NoDecode] = _env("COACH_DUNNING_DAYS", (0, 3, 7))

    # SMS through Twilio's REST API (integrations/sms, bot/sms): all three to enable it.
    twilio_account_sid: str | None = _env("TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = _env("TWILIO_AUTH_TOKEN")
    twilio_from: str | None = _env("COACH_TWILIO_FROM")
    twilio_api_url: str | None = _env("COACH_TWILIO_API_URL")

    openai_api_key: str | None = _env("OPENAI_API_KEY")
    openai_base_url: str | None = _env("OPENAI_BASE_URL")
    llm_model: str | None = _env("COACH_LLM_MODEL")
    llm_send_pii: bool = _env("COACH_LLM_SEND_PII", False)
    # Speech-to-text model on the same server (POST /v1/audio/transcriptions): clients' voice notes are
    # transcribed when set, relayed as audio only when not.
    transcribe_model: str | None = _env("COACH_TRANSCRIBE_MODEL")

    smtp_host: str | None = _env("COACH_SMTP_HOST")
    smtp_port: int = _env("COACH_SMTP_PORT", 587, ge=1, le=65535)
    smtp_user: str | None = _env("COACH_SMTP_USER")
    smtp_password: str | None = _env("COACH_SMTP_PASSWORD")
    smtp_from: str | None = _env("COACH_SMTP_FROM")
    smtp_starttls: bool = _env("COACH_SMTP_STARTTLS", True)

    # Errors go to a Sentry-compatible server when set (bot/error_reporting.py), without personal data.
    sentry_dsn: str | None = _env("SENTRY_DSN")

    _deprecated: list[str] = PrivateAttr(default_factory=list)

    @field_validator("sentry_dsn")
    @classmethod
    def _sentry_dsn_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        project = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if parts.scheme not in ("http", "https") or not parts.username or not parts.hostname or not project:
            raise ValueError("must be a DSN like https://PUBLIC_KEY@HOST/PROJECT_ID")
        return value.strip()

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret_characters(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not TELEGRAM_WEBHOOK_SECRET_PATTERN.fullmatch(value.strip()):
            raise ValueError("must be 1-256 characters, only A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value.strip()

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        from domain.db import UnsupportedDatabase, normalise_database_url

        try:
            value = normalise_database_url(value)
            make_url(value)
        except UnsupportedDatabase as exc:
            raise ValueError(str(exc)) from None
        except ArgumentError:
            raise ValueError("is not a database URL such as sqlite+aiosqlite:///./coach.db") from None
        return value

    @field_validator("encryption_keys", mode="before")
    @classmethod
    def _fernet_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(key.strip() for key in value.split(",") if key.strip())
        if isinstance(value, list | tuple) and value:
            from domain.crypto import check_keys

            problem = check_keys([str(key) for key in value])
            if problem:
                raise ValueError(problem)
        return value

    @field_validator(
        "retention_files_days",
        "deprecated_file_retention_days",
        "retention_checkins_days",
        "retention_messages_days",
        "retention_audit_days",
        "retention_closed_clients_days",
        mode="before",
    )
    @classmethod
    def _whole_days(cls, value: Any) -> Any:
        if value is None:
            return None  # the deprecated name, unset
        days = value.strip() if isinstance(value, str) else value
        if isinstance(days, str) and days.isascii() and days.isdigit():
            days = int(days)
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError("must be a whole number of days, 0 or more (0 keeps them forever)")
        return days

    @model_validator(mode="after")
    def _old_file_retention_name(self) -> Settings:
        if self.deprecated_file_retention_days is None:
            return self
        if "retention_files_days" in self.model_fields_set:
            self._deprecated = [f"{DEPRECATED_FILE_RETENTION} is ignored: {FILE_RETENTION} is set; remove it"]
        else:
            self.retention_files_days = self.deprecated_file_retention_days
            self._deprecated = [f"{DEPRECATED_FILE_RETENTION} is deprecated: rename it {FILE_RETENTION}"]
        return self

    @property
    def deprecated_names(self) -> list[str]:
        """One line per deprecated variable that is set, saying what to use instead."""
        return list(self._deprecated)

    @field_validator("twilio_from")
    @classmethod
    def _sms_sender(cls, value: str | None) -> str | None:
        """A number in E.164 form, or a Messaging Service SID (MG + 32 hex digits)."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        if re.fullmatch(r"\+[1-9]\d{6,14}", value) or re.fullmatch(r"MG[0-9a-fA-F]{32}", value):
            return value
        raise ValueError(
            "must be a phone number in E.164 form (e.g. +15005550006) or a Messaging Service SID"
        )

    @field_validator("twilio_api_url")
    @classmethod
    def _api_root(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an http(s) URL such as https://api.twilio.com")
        return value.strip()

    @field_validator("public_url", "stripe_success_url", "stripe_cancel_url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an http(s) URL such as https://coach.example.com/paid")
        return value.strip()

    @field_validator("dunning_days", mode="before")
    @classmethod
    def _dunning_schedule(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            value = ",".join(str(day) for day in value)
        if not isinstance(value, str):
            return value
        from domain.errors import ValidationError as DomainValidationError
        from domain.services.billing import parse_dunning_days

        try:
            return parse_dunning_days(value)
        except DomainValidationError as exc:
            raise ValueError(str(exc)) from None

    @property
    def local_url(self) -> str:
        """This service's own HTTP address (a wildcard bind is reached through loopback)."""
        host = "127.0.0.1" if self.http_host in {"", "0.0.0.0", "::"} else self.http_host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.http_port}"

    @property
    def web_base_url(self) -> str:
        """The root of links to this service sent to people (sign-in links): the public URL, else local."""
        return (self.public_url or self.local_url).rstrip("/")

    @property
    def payment_success_url(self) -> str:
        """Where Stripe Checkout sends the browser after paying (default: our own thank-you page)."""
        return self.stripe_success_url or self.local_url + PAYMENT_SUCCESS_PATH

    @property
    def payment_cancel_url(self) -> str:
        return self.stripe_cancel_url or self.local_url + PAYMENT_CANCEL_PATH

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def telegram_webhook_secret_token(self) -> str | None:
        """The secret Telegram sends with each webhook call: the setting, or derived from the bot token
        so that every replica agrees without sharing one more secret."""
        if self.telegram_webhook_secret:
            return self.telegram_webhook_secret
        return derive_telegram_webhook_secret(self.telegram_bot_token) if self.telegram_bot_token else None

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def sms_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))


def setting_errors(exc: ValidationError) -> list[str]:
    """Pydantic's report as one line per bad variable, each naming it."""
    return [
        f"invalid setting {str(error['loc'][0]) if error['loc'] else 'settings'}: {error['msg']}"
        for error in exc.errors()
    ]


def load_settings(**overrides: Any) -> Settings:
    """Load settings, turning pydantic's report into one line that names the (first) bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(setting_errors(exc)[0]) from None
