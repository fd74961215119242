"""Settings from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from bot.core.durations import parse_offsets
from bot.core.ids import parse_id

PUBLIC_API_URL = "https://api.telegram.org"
# The public Bot API sends webhooks only over https and only to these ports; a self-hosted
# Bot API server (TELEGRAM_API_URL) also takes http and any port.
PUBLIC_WEBHOOK_PORTS = (443, 80, 88, 8443)
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
    # sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/db; when it is not
    # set, the SQLite file DATABASE_PATH.
    database_url: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Moscow"
    default_language: Literal["ru", "be"] = "ru"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    privacy_policy_url: str | None = None
    send_rate: float = Field(default=25.0, gt=0, le=1000)
    allow_paid_broadcast: bool = False
    broadcast_progress_seconds: float = Field(default=5.0, ge=0.1, le=60)
    # An import file is read by a child process stopped after this many seconds and
    # refused more than this many megabytes of memory (docs/import-format.md).
    import_time_limit: float = Field(default=60.0, gt=0, le=600)
    import_memory_limit: int = Field(default=512, ge=128, le=65536)
    flood_limit: int = Field(default=5, ge=1, le=100)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # Webhook mode: the closing answer to a button press goes back in the webhook's HTTP
    # response instead of a request of its own (Telegram then reports no error of it).
    webhook_answer_in_response: bool = False
    # Webhook worker processes on WEBHOOK_PORT (several need PostgreSQL and Redis).
    workers: int = Field(default=1, ge=1, le=64)
    # redis://host:6379/0: forms and each person's lock shared by the workers.
    redis_url: str | None = None
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
    # The nightly jobs (backup, retention, database upkeep) run at this hour in TIMEZONE.
    maintenance_hour: int = Field(default=3, ge=0, le=23)
    # /healthz, /readyz and /metrics (Prometheus) on this address; METRICS_PORT=0: off.
    # Several workers: worker k listens on METRICS_PORT + k - 1.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=0, le=65535)
    # Logs as text lines or as one JSON object per line.
    log_format: Literal["text", "json"] = "text"
    # The key of the pseudonyms that stand for Telegram ids in the logs (HMAC-SHA256);
    # empty: derived from BOT_TOKEN.
    log_id_secret: SecretStr | None = None
    # Error reports to Sentry (pip install '.[sentry]'); empty: off.
    sentry_dsn: SecretStr | None = None
    # A self-hosted Bot API server (TELEGRAM_API_URL) started with --local: bigger files,
    # and files are read from its folder instead of downloaded.
    telegram_api_local: bool = False

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

    @field_validator("database_url")
    @classmethod
    def _store_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
            return value
        if re.match(r"^postgres(ql)?://[^\s/]+/[^\s/?]+", value):
            return value
        raise ValueError(
            "нужен адрес sqlite:///путь/к/файлу.sqlite3 или"
            " postgresql://пользователь@сервер:5432/база"
        )

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.match(r"^(rediss?|unix)://\S+", value):
            raise ValueError("нужен адрес redis://сервер:6379/0")
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
            if self.public_api:
                _public_webhook(self.webhook_url)
        metrics_ports = range(self.metrics_port, self.metrics_port + self.workers)
        if self.webhook_url and self.metrics_port and self.webhook_port in metrics_ports:
            raise ValueError(
                "METRICS_PORT: проверки и метрики не открываются на порту вебхука"
                f" {self.webhook_port} (он смотрит в интернет); выберите другой порт"
            )
        why = workers_refusal(self, self.workers)
        if why:
            raise ValueError(why)
        return self

    @model_validator(mode="after")
    def _local_mode_needs_own_server(self) -> Settings:
        if self.telegram_api_local and self.public_api:
            raise ValueError(
                "TELEGRAM_API_LOCAL: режим --local бывает только у своего сервера Bot API;"
                " укажите его адрес в TELEGRAM_API_URL или уберите TELEGRAM_API_LOCAL=true"
            )
        return self

    @property
    def public_api(self) -> bool:
        """The bot talks to Telegram's own Bot API server, not a self-hosted one."""
        return urlsplit(self.telegram_api_url).hostname == urlsplit(PUBLIC_API_URL).hostname

    @property
    def store_url(self) -> str:
        """Where the data lives: DATABASE_URL, or the SQLite file DATABASE_PATH."""
        return self.database_url or f"sqlite:///{self.database_path}"

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite file, or None when the data lives on a PostgreSQL server."""
        url = self.store_url
        return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def workers_refusal(settings: Settings, workers: int) -> str | None:
    """Why the bot cannot run `workers` processes with these settings (None: it can)."""
    if workers <= 1:
        return None
    if not settings.webhook_url:
        return (
            f"WORKERS={workers}: несколько процессов работают только в режиме вебхука"
            " (WEBHOOK_URL); long polling — всегда один процесс, так требует Telegram"
        )
    if settings.sqlite_file is not None:
        return (
            f"WORKERS={workers}: с SQLite бот работает одним процессом; для нескольких"
            " нужен PostgreSQL (DATABASE_URL=postgresql://...) и Redis (REDIS_URL)"
        )
    if not settings.redis_url:
        return (
            f"WORKERS={workers}: несколько процессов делят формы и очередь каждого человека"
            " через Redis; укажите REDIS_URL=redis://сервер:6379/0"
        )
    return None


def _public_webhook(url: str) -> None:
    """What the public Bot API accepts as a webhook address (setWebhook refuses the rest,
    and the bot would die at start-up)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValueError(
            "WEBHOOK_URL: Telegram отправляет вебхуки только на адреса https://"
            " (http:// принимает лишь свой сервер Bot API, заданный в TELEGRAM_API_URL)"
        )
    try:
        port = parts.port or 443
    except ValueError:
        port = 0
    if port not in PUBLIC_WEBHOOK_PORTS:
        raise ValueError(
            "WEBHOOK_URL: Telegram отправляет вебхуки только на порты 443, 80, 88 и 8443"
            " (порт сервера бота за прокси задаёт WEBHOOK_PORT)"
        )


_MISSING_HINTS = {
    "bot_token": "укажите токен бота от @BotFather в .env: BOT_TOKEN=123456789:AA...",
}


def _bounds(name: str) -> str:
    """The limits of a numeric setting in words: ` от 1 до 100`."""
    field = Settings.model_fields.get(name)
    limits: dict[str, object] = {}
    for rule in field.metadata if field else ():
        # Field(ge=..., le=...) keeps its limits as annotated-types objects (Ge, Le, ...).
        for key in ("ge", "gt", "le", "lt"):
            if getattr(rule, key, None) is not None:
                limits[key] = getattr(rule, key)
    low = f" от {limits['ge']}" if "ge" in limits else ""
    low = f" больше {limits['gt']}" if "gt" in limits else low
    if "le" in limits:
        high = f" и не больше {limits['le']}" if "gt" in limits else f" до {limits['le']}"
    else:
        high = f" меньше {limits['lt']}" if "lt" in limits else ""
    return low + high


def _choices(name: str) -> str:
    values = [str(value) for value in get_args(Settings.model_fields[name].annotation)]
    if len(values) < 2:
        return ", ".join(values)
    return ", ".join(values[:-1]) + " или " + values[-1]


def _problem(name: str, error: Any) -> str:
    """What is wrong with one setting, in Russian: pydantic's own messages are English,
    so only the error's type is used, never its text (except our validators' ValueErrors,
    which are written in Russian)."""
    kind = str(error["type"])
    if kind == "missing":
        return "не задан, " + _MISSING_HINTS.get(name, "задайте его в .env")
    if kind == "literal_error" and name in Settings.model_fields:
        return "допустимые значения: " + _choices(name)
    if kind.startswith("int_"):
        return "нужно целое число" + _bounds(name)
    if kind.startswith(("float_", "greater_than", "less_than")):
        annotation = Settings.model_fields[name].annotation if name else None
        number = "целое число" if annotation is int else "число"
        return f"нужно {number}{_bounds(name)}"
    if kind.startswith("bool_"):
        return "нужно true или false"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return "недопустимое значение, сверьтесь с .env.example"


def describe_error(exc: ValidationError) -> str:
    """One line that says which setting is wrong and what to do."""
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    problem = _problem(name, error)
    if not name:  # a check of several settings: the message names them
        return f"Ошибка настройки {problem}"
    return f"Ошибка настройки {name.upper()}: {problem}"


def load_settings(**overrides: object) -> Settings:
    try:
        # Overrides are field values by name; pydantic validates them, mypy cannot.
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_error(exc)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "Файл .env не в кодировке UTF-8: сохраните его как UTF-8 (в Блокноте: «Сохранить"
            " как», кодировка UTF-8)"
        ) from exc
    except SettingsError as exc:
        # Only a value pydantic-settings could not even read gets here (its text is English).
        raise ConfigError(
            "Ошибка настройки: одно из значений в .env или окружении не читается,"
            " сверьтесь с .env.example"
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"Не удаётся прочитать файл .env ({exc.filename or '.env'}): проверьте, что это"
            " файл и что у бота есть права на чтение"
        ) from exc
