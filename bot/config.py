"""Settings from the environment and `.env`, validated once at start."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.zones import valid_zone

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
# Telegram takes 1-256 of these characters; fewer than 32 could be guessed by someone who
# keeps posting to the public webhook address.
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
# ASCII digits only: str.isdigit() also accepts "²" and other scripts' digits.
USER_ID_PATTERN = re.compile(r"[0-9]+")
# Values people paste from examples; starting with one would only fail later at Telegram.
PLACEHOLDERS = frozenset({"changeme", "change-me", "your-token", "your_token", "token", "xxx"})
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/mobility-coach.db"


class ConfigError(Exception):
    """A setting is invalid; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Everything the operator can configure; names are the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = DEFAULT_DATABASE_URL
    default_timezone: str = "UTC"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    concurrent_updates: int = Field(default=64, ge=1, le=1024)
    telegram_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    reminder_grace_minutes: int = Field(default=120, ge=0, le=24 * 60)
    # Telegram's overall ceiling for this bot (about 30 messages a second), shared by all
    # processes; raise it only for a Bot API server with other limits.
    telegram_max_rate: float = Field(default=30.0, gt=0, le=1000)
    reminder_rate: float = Field(default=20.0, gt=0, le=1000)
    # When many people chose the same minute, their reminders start this early at most, so
    # the backlog is centred on the minute (bot/domain/early_start.py); 0 turns it off.
    reminder_early_max_seconds: int = Field(default=180, ge=0, le=3600)
    # Large deployments: reminders above the free rate may go out as paid broadcasts (up to
    # Telegram's 1,000 a second, 0.1 Star each), at most this many Stars a UTC day; 0: never.
    paid_broadcast_stars_per_day: int = Field(default=0, ge=0, le=10_000_000)
    sweep_interval_seconds: float = Field(default=2.0, ge=0.2, le=60)
    log_format: Literal["text", "json"] = "text"
    # Telegram user ids (comma-separated) who get the operator's /stats.
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # Webhook mode (`mobility-coach run --webhook`).
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_secret_token: SecretStr | None = None
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For names the client.
    webhook_trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ("127.0.0.1", "::1")
    # Where the exercise animations are rendered to (once per content change, by content hash).
    media_dir: Path = Path("data/media")

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None  # no token: the offline chat
        if not isinstance(value, str):
            raise ValueError("must be a string")
        token = value.strip()
        if token.lower() in PLACEHOLDERS or not TOKEN_PATTERN.match(token):
            # Never echo the value: it may be a real token with a typo.
            raise ValueError("does not look like a token from BotFather (digits:letters)")
        return token

    @field_validator("telegram_base_url", "telegram_base_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        # The same rule as a person's own choice: a zone the tzdata wheel has, area/city or UTC.
        zone = valid_zone(value)
        if zone is None:
            raise ValueError("is not an IANA time zone such as Europe/Berlin (or UTC)")
        return zone

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(USER_ID_PATTERN.fullmatch(part) for part in parts):
                raise ValueError("must be Telegram user ids separated by commas")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be the public https:// address Telegram posts to")
        return value

    @field_validator("webhook_secret_token", mode="before")
    @classmethod
    def _secret(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value):
            return None
        if not isinstance(value, str) or not SECRET_PATTERN.match(value):
            # Never echo the value: it is a secret even when it is a bad one.
            raise ValueError("must be 32-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("webhook_trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple):
            return value
        try:
            # Addresses or networks only: a name or "*" would let anyone name any client.
            return tuple(
                str(
                    ipaddress.ip_network(part, strict=False)
                    if "/" in part
                    else ipaddress.ip_address(part)
                )
                for part in value
            )
        except (TypeError, ValueError):
            raise ValueError(
                "must be IP addresses or networks (such as 10.0.0.0/24) separated by commas"
            ) from None

    def webhook_problem(self) -> str | None:
        """Return what is missing for webhook mode, as one line, or None when it can run."""
        if self.telegram_bot_token is None:
            return "TELEGRAM_BOT_TOKEN: is required in webhook mode"
        if self.webhook_url is None:
            return "WEBHOOK_URL: is required in webhook mode (the public https:// address)"
        if self.webhook_secret_token is None:
            return "WEBHOOK_SECRET_TOKEN: is required in webhook mode"
        return None

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def sqlite_path(self) -> Path | None:
        """Return the SQLite file this configuration uses, or None for other databases."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url.removeprefix(prefix))
        return None


def normalise_database_url(value: str) -> str:
    """Accept the common spellings and return the async driver URL SQLAlchemy needs."""
    url = value.strip()
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            url = driver + url.removeprefix(plain)
    if not url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        raise ValueError("must be a sqlite:/// or postgresql:// URL")
    return url


def load_settings(**overrides: object) -> Settings:
    """Read settings; turn a validation failure into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
