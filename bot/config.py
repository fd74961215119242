"""Settings from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.ids import parse_id
from bot.reminders import parse_offsets

PUBLIC_API_URL = "https://api.telegram.org"
_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr
    telegram_api_url: str = PUBLIC_API_URL
    database_path: Path = Path("data/pobratim.sqlite3")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Moscow"
    default_language: Literal["ru", "be"] = "ru"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    privacy_policy_url: str | None = None
    send_rate: float = Field(default=25.0, gt=0, le=1000)
    allow_paid_broadcast: bool = False
    broadcast_progress_seconds: float = Field(default=5.0, ge=0.1, le=60)
    flood_limit: int = Field(default=5, ge=1, le=100)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # Reminder offsets before the start, in seconds, longest first (typed as 7d,1d,2h).
    event_reminders: Annotated[tuple[int, ...], NoDecode] = (7 * 86400, 86400, 2 * 3600)
    trip_reminders: Annotated[tuple[int, ...], NoDecode] = (7 * 86400, 86400)
    telebridge_reminders: Annotated[tuple[int, ...], NoDecode] = (86400, 3600)
    # Registrations for trips that ended longer ago than this lose their personal data.
    data_retention_days: int = Field(default=365, ge=1, le=36500)
    # A daily copy of the database goes here (empty: no daily backups); the newest
    # BACKUP_KEEP copies are kept.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1, le=1000)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError(
                "не задан, укажите токен бота от @BotFather в .env: BOT_TOKEN=123456789:AA..."
            )
        if not _TOKEN.match(value.get_secret_value().strip()):
            raise ValueError(
                "токен должен выглядеть как 123456789:AA..., возьмите его у @BotFather"
            )
        return SecretStr(value.get_secret_value().strip())

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            ids = [parse_id(part) for part in parts]
            if None in ids:
                raise ValueError("нужны числовые id через запятую, например ADMIN_IDS=111,222")
            return frozenset(ids)
        return value

    @field_validator("event_reminders", "trip_reminders", "telebridge_reminders", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_offsets(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("неизвестный часовой пояс, например Europe/Moscow") from exc
        return value

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("telegram_api_url", "webhook_url", "privacy_policy_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("нужен адрес вида https://...")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url:
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if not _SECRET.match(secret):
                raise ValueError(
                    "WEBHOOK_SECRET: при заданном WEBHOOK_URL нужен секрет"
                    " из 1-256 символов A-Z a-z 0-9 _ -"
                )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_MISSING_HINTS = {
    "bot_token": "укажите токен бота от @BotFather в .env: BOT_TOKEN=123456789:AA...",
}


def describe_error(exc: ValidationError) -> str:
    """One line that says which setting is wrong and what to do."""
    error = exc.errors()[0]
    field = str(error["loc"][0]).upper() if error["loc"] else ""
    if error["type"] == "missing":
        hint = _MISSING_HINTS.get(str(error["loc"][0]), "задайте его в .env")
        return f"Ошибка настройки {field}: не задан, {hint}"
    if error["type"] == "literal_error":
        return f"Ошибка настройки {field}: допустимые значения {error['ctx']['expected']}"
    if error["type"].startswith(("int_", "greater_than", "less_than")):
        return f"Ошибка настройки {field}: нужно целое число в допустимых пределах"
    message = str(error["msg"]).removeprefix("Value error, ")
    if not field:
        return f"Ошибка настройки {message}"
    return f"Ошибка настройки {field}: {message}"


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_error(exc)) from exc
