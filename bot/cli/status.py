"""`python -m bot status` and `python -m bot migrate --check`: what an operator asks of a
running installation, answered without opening the database by hand.

`status` only reads. It opens the database as it is (no migrations applied, no instance
lock taken: it works beside a running bot, and on a database whose migrations are still
pending, saying so), and bounds every wait: PostgreSQL is given a few seconds to connect
and to answer, the Bot API a few seconds for getWebhookInfo (asked meanwhile, not after);
what does not answer in time is reported, never waited for.

The exit code says whether anyone has to act (`EXIT_CODES`): 0 all is well; 1 something
needs attention (the reasons are listed, in the text and in `--json`'s `problems`); 2 the
settings are wrong or the database cannot be opened (as for the other commands).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from enum import IntEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

from bot.app import create_bot
from bot.core.config import Settings
from bot.core.i18n import Translations
from bot.core.timefmt import local_text, to_local
from bot.delivery.reminders import ReminderConfig, count_reminders
from bot.operations.backup import backup_time, backups_in
from bot.operations.housekeeping import BACKUP, RETENTION, UPKEEP
from storage.db import Database, DatabaseOpenError, to_db_time, utc_now
from storage.dialect import SQLITE
from storage.migrate import (
    SchemaState,
    load_migrations,
    newer_schema_error,
    schema_state,
)
from storage.operations import JobRun, JobRunRepo
from storage.postgres import PostgresDatabase, safe_url
from storage.reminders import ReminderRepo
from storage.status import BroadcastFigures, CityPeople, OutboxFigures, StatusRepo

logger = logging.getLogger(__name__)

# Every wait is bounded (seconds).
TELEGRAM_TIMEOUT = 5  # getWebhookInfo
CONNECT_TIMEOUT = 5.0  # connecting to PostgreSQL
DATABASE_TIMEOUT = 15.0  # every read together
# When something needs attention.
BACKUP_MAX_AGE = timedelta(hours=26)  # a daily backup is missing
WEBHOOK_ERROR_RECENT = timedelta(hours=1)
FAILED_RECENT = timedelta(hours=24)  # messages that could not be delivered
NOTICE_WAIT = timedelta(minutes=15)  # a notice or reminder due this long ago is still queued
JOB_GRACE = timedelta(hours=1)  # the night's run not finished this long after its hour
# The migration each part of the screen needs (on an older schema it is left out).
NEEDS = {"people": 6, "outbox": 4, "broadcasts": 4, "reminders": 6, "jobs": 12}
JOB_TITLES = {
    RETENTION: "срок хранения данных",
    UPKEEP: "обслуживание базы",
    BACKUP: "резервная копия",
}
OUTCOMES = {"ok": "успешно", "failed": "ошибка", "running": "выполняется"}
WEBHOOK_FIELDS = (
    "url",
    "has_custom_certificate",
    "pending_update_count",
    "ip_address",
    "last_error_date",
    "last_error_message",
    "last_synchronization_error_date",
    "max_connections",
    "allowed_updates",
)

EXIT_CODES = (
    "Коды выхода: 0 — всё в порядке; 1 — что-то требует внимания (есть неприменённые"
    " миграции, недоставленные за сутки сообщения, уведомления застряли в очереди,"
    " ночная задача не удалась или не выполнялась, резервной копии больше 26 часов при"
    " заданном BACKUP_DIR, ошибка вебхука за последний час, Telegram Bot API недоступен);"
    " 2 — ошибка настроек, база данных не открывается или её схема новее кода."
)


class Code(IntEnum):
    OK = 0
    ATTENTION = 1
    ERROR = 2


@dataclass(frozen=True, slots=True)
class Problem:
    key: str  # for scripts
    text: str  # for people, in Russian
    code: Code = Code.ATTENTION


@dataclass(frozen=True, slots=True)
class StoreFacts:
    kind: str  # sqlite | postgresql
    where: str  # the file, or the server's URL without password
    size_bytes: int | None  # the file, or the PostgreSQL database
    wal_size_bytes: int | None = None  # SQLite's -wal file beside it
    server_version: str | None = None


@dataclass(frozen=True, slots=True)
class RemindersToday:
    day: datetime  # the local midnight the day starts at
    total: int
    later: int  # still ahead of now


@dataclass(frozen=True, slots=True)
class BackupFacts:
    folder: Path
    folder_exists: bool
    path: Path | None = None
    made_at: datetime | None = None
    size_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class TelegramFacts:
    state: str  # ok | unreachable | unauthorized | error
    webhook: dict[str, Any] = field(default_factory=dict)  # getWebhookInfo's fields
    message: str = ""  # the Bot API's answer when state is error


@dataclass
class Report:
    now: datetime
    zone: str
    version: str
    store: StoreFacts
    schema: SchemaState
    people: list[CityPeople] | None = None
    unfinished: int | None = None
    admin_ids: int = 0
    outbox: OutboxFigures | None = None
    broadcasts: BroadcastFigures | None = None
    reminders: RemindersToday | None = None
    jobs: dict[str, JobRun] | None = None
    expected_jobs: tuple[str, ...] = ()
    maintenance_due: datetime | None = None  # when the night's jobs last should have run
    backup: BackupFacts | None = None
    telegram: TelegramFacts = field(default_factory=lambda: TelegramFacts("unreachable"))
    webhook_url: str | None = None  # WEBHOOK_URL (None: long polling)
    api_url: str = ""  # TELEGRAM_API_URL
    problems: list[Problem] = field(default_factory=list)

    @property
    def code(self) -> Code:
        return max((problem.code for problem in self.problems), default=Code.OK)


def app_version() -> str:
    try:
        return version("pobratim")
    except PackageNotFoundError:
        return "неизвестна"


# Reading


async def open_for_reading(settings: Settings) -> Database:
    """The database as it is (no migrations), PostgreSQL with a short connect timeout."""
    if settings.sqlite_file is None:
        return await PostgresDatabase.create(
            settings.store_url, min_size=1, max_size=2, connect_timeout=CONNECT_TIMEOUT
        )
    return await Database.open(settings.sqlite_file)


def _file_sizes(path: Path) -> tuple[int | None, int | None]:
    wal = path.with_name(path.name + "-wal")
    size = path.stat().st_size if path.is_file() else None
    return size, wal.stat().st_size if wal.is_file() else None


def _local_midnight(moment: datetime, zone: str, days: int = 0) -> datetime:
    local = to_local(moment, zone)
    return datetime.combine(local.date() + timedelta(days=days), time(0), tzinfo=local.tzinfo)


def _maintenance_due(now: datetime, zone: str, hour: int) -> datetime:
    """The latest MAINTENANCE_HOUR:00 in TIMEZONE at or before now."""
    today = to_local(now, zone)
    moment = datetime.combine(today.date(), time(hour), tzinfo=today.tzinfo)
    if moment > now:
        moment = datetime.combine(
            today.date() - timedelta(days=1), time(hour), tzinfo=today.tzinfo
        )
    return moment


async def _reminders_today(db: Database, settings: Settings, now: datetime) -> RemindersToday:
    """What the reminders engine queues in TIMEZONE's today (people who blocked the bot
    left out, as it leaves them out): the same queries, counted over the day."""
    start = _local_midnight(now, settings.timezone)
    end = _local_midnight(now, settings.timezone, days=1)
    second = timedelta(seconds=1)  # the queries take (after, until]; times are to the second
    config = ReminderConfig(
        event_offsets=settings.event_reminders,
        trip_offsets=settings.trip_reminders,
        telebridge_offsets=settings.telebridge_reminders,
        default_zone=settings.timezone,
    )
    repo = ReminderRepo(db)
    total = await count_reminders(repo, config, after=start - second, until=end - second)
    later = await count_reminders(repo, config, after=now, until=end - second)
    return RemindersToday(day=start, total=total, later=later)


async def _read_database(settings: Settings, report: Report) -> None:
    db = await open_for_reading(settings)
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            await _read(db, settings, report)
    except TimeoutError as exc:
        raise DatabaseOpenError(
            f"{db.where}: no answer in {DATABASE_TIMEOUT} s",
            reason=f"база не ответила за {DATABASE_TIMEOUT:g} с",
        ) from exc
    finally:
        await db.close()


async def _read(db: Database, settings: Settings, report: Report) -> None:
    state = await schema_state(db)
    if state.newer:
        raise newer_schema_error(state.newer, state.latest)
    report.schema = state
    applied = set(state.applied)
    if db.dialect != SQLITE:
        server, size = await StatusRepo(db).postgres_server()
        report.store = StoreFacts(
            kind="postgresql", where=db.where, size_bytes=size, server_version=server
        )
    repo = StatusRepo(db)
    if NEEDS["people"] in applied:
        report.people = await repo.people_by_city(admin_ids=settings.admin_ids)
        report.unfinished = await repo.unfinished_onboarding()
    if NEEDS["outbox"] in applied:
        report.outbox = await repo.outbox(failed_since=report.now - FAILED_RECENT, now=report.now)
    if NEEDS["broadcasts"] in applied:
        report.broadcasts = await repo.broadcasts()
    if NEEDS["reminders"] in applied:
        report.reminders = await _reminders_today(db, settings, report.now)
    if NEEDS["jobs"] in applied:
        report.jobs = await JobRunRepo(db).all()


def _last_backup(folder: Path) -> BackupFacts:
    found = backups_in(folder)
    if not found:
        return BackupFacts(folder=folder, folder_exists=folder.is_dir())
    newest = found[-1]
    return BackupFacts(
        folder=folder,
        folder_exists=True,
        path=newest,
        made_at=backup_time(newest),
        size_bytes=newest.stat().st_size,
    )


async def _ask_telegram(settings: Settings) -> TelegramFacts:
    bot = create_bot(settings)
    try:
        # The request's own timeout, and one around it should anything else wait.
        async with asyncio.timeout(TELEGRAM_TIMEOUT + 1):
            info = await bot.get_webhook_info(request_timeout=TELEGRAM_TIMEOUT)
    except TelegramUnauthorizedError:
        return TelegramFacts("unauthorized")
    except (TelegramNetworkError, TimeoutError) as exc:
        logger.debug("Bot API unreachable: %s", exc)
        return TelegramFacts("unreachable")
    except TelegramAPIError as exc:
        return TelegramFacts("error", message=exc.message)
    finally:
        with contextlib.suppress(Exception):
            await bot.session.close()
    webhook = {name: getattr(info, name, None) for name in WEBHOOK_FIELDS}
    return TelegramFacts("ok", webhook=webhook)


async def collect(settings: Settings, *, now: datetime | None = None) -> Report:
    """Everything the status screen shows, and what needs attention. Raises
    DatabaseOpenError (the database cannot be opened or does not answer) and
    MigrationError (its schema is newer than the code, or an applied file changed)."""
    now = now or utc_now()
    telegram = asyncio.create_task(_ask_telegram(settings))
    path = settings.sqlite_file
    store = StoreFacts(kind="postgresql", where=safe_url(settings.store_url), size_bytes=None)
    if path is not None:
        size, wal = await asyncio.to_thread(_file_sizes, path)
        store = StoreFacts(kind="sqlite", where=str(path), size_bytes=size, wal_size_bytes=wal)
    report = Report(
        now=now,
        zone=settings.timezone,
        version=app_version(),
        store=store,
        schema=SchemaState(applied=(), pending=(), newer=(), latest=0),
        admin_ids=len(settings.admin_ids),
        webhook_url=settings.webhook_url,
        api_url=settings.telegram_api_url,
        maintenance_due=_maintenance_due(now, settings.timezone, settings.maintenance_hour),
        expected_jobs=(RETENTION, UPKEEP) + ((BACKUP,) if settings.backup_dir else ()),
    )
    try:
        await _read_database(settings, report)
    except BaseException:
        telegram.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await telegram
        raise
    if settings.backup_dir is not None:
        report.backup = await asyncio.to_thread(_last_backup, settings.backup_dir)
    report.telegram = await telegram
    report.problems = problems(report)
    return report


# What needs attention


def problems(report: Report) -> list[Problem]:
    found: list[Problem] = []
    now, zone = report.now, report.zone
    if report.schema.pending:
        found.append(
            Problem(
                "migrations_pending",
                f"не применены миграции ({len(report.schema.pending)}): их применит"
                " python -m bot migrate или запуск бота",
            )
        )
    outbox = report.outbox
    if outbox is not None and outbox.failed_recently:
        found.append(
            Problem(
                "outbox_failed",
                f"за сутки не доставлено сообщений: {outbox.failed_recently}"
                " (причины — в журнале бота)",
            )
        )
    if (
        outbox is not None
        and outbox.oldest_notice_due is not None
        and now - outbox.oldest_notice_due > NOTICE_WAIT
    ):
        found.append(
            Problem(
                "outbox_stuck",
                "уведомления ждут отправки с "
                + local_text(outbox.oldest_notice_due, zone)
                + ": бот не запущен или не может отправлять",
            )
        )
    for running in report.broadcasts.running if report.broadcasts else []:
        # A live queueing takes seconds; the monitor takes up a stalled one within a minute.
        if running.queueing and running.started_at and now - running.started_at > NOTICE_WAIT:
            found.append(
                Problem(
                    f"broadcast_queueing:{running.id}",
                    f"рассылка № {running.id} ставит получателей в очередь с "
                    + local_text(running.started_at, zone)
                    + ": бот не запущен или не может писать в базу (подробности — в журнале)",
                )
            )
    found += _job_problems(report)
    found += _backup_problems(report)
    found += _telegram_problems(report)
    return found


def _job_problems(report: Report) -> list[Problem]:
    if report.jobs is None or report.maintenance_due is None:
        return []
    found = []
    due = report.maintenance_due
    for job in report.expected_jobs:
        run = report.jobs.get(job)
        if run is None:
            continue  # never ran: a new installation; its first night will tell
        title = f"ночная задача «{JOB_TITLES.get(job, job)}» ({job})"
        if run.outcome == "failed":
            found.append(Problem(f"job_failed:{job}", f"{title} завершилась ошибкой"))
        elif run.outcome == "running" and report.now - run.started_at > JOB_GRACE:
            found.append(
                Problem(
                    f"job_stuck:{job}",
                    f"{title} начата {local_text(run.started_at, report.zone)} и не"
                    " закончена: бот был остановлен посреди неё?",
                )
            )
        elif run.outcome != "running" and run.started_at < due and report.now - due > JOB_GRACE:
            found.append(
                Problem(
                    f"job_missed:{job}",
                    f"{title} не выполнялась в {local_text(due, report.zone)}: бот не запущен?",
                )
            )
    return found


def _backup_problems(report: Report) -> list[Problem]:
    backup = report.backup
    if backup is None:
        return []
    if not backup.folder_exists:
        return [Problem("backup_missing", f"папки копий BACKUP_DIR={backup.folder} нет")]
    if backup.made_at is None:
        return [Problem("backup_missing", f"в BACKUP_DIR={backup.folder} нет ни одной копии")]
    if report.now - backup.made_at > BACKUP_MAX_AGE:
        return [
            Problem(
                "backup_old",
                "последней резервной копии больше 26 часов ("
                + local_text(backup.made_at, report.zone)
                + ")",
            )
        ]
    return []


def _telegram_problems(report: Report) -> list[Problem]:
    telegram = report.telegram
    if telegram.state == "unreachable":
        return [Problem("telegram_unreachable", "Telegram Bot API недоступен")]
    if telegram.state == "unauthorized":
        return [
            Problem(
                "telegram_unauthorized",
                "Telegram не принял BOT_TOKEN: проверьте токен у @BotFather",
                Code.ERROR,
            )
        ]
    if telegram.state == "error":
        return [Problem("telegram_error", f"Telegram Bot API ответил ошибкой: {telegram.message}")]
    found = []
    webhook = telegram.webhook
    url = webhook.get("url") or ""
    if report.webhook_url and url != report.webhook_url:
        found.append(
            Problem(
                "webhook_not_set",
                f"в Telegram вебхук {url or 'не установлен'}, а WEBHOOK_URL={report.webhook_url}:"
                " бот не запущен или не смог его установить",
            )
        )
    if not report.webhook_url and url:
        found.append(
            Problem(
                "webhook_unexpected",
                f"в Telegram установлен вебхук {url}, а бот настроен на long polling:"
                " бот не запущен или тот же токен использует другая программа",
            )
        )
    last_error = webhook.get("last_error_date")
    if isinstance(last_error, datetime) and report.now - last_error < WEBHOOK_ERROR_RECENT:
        found.append(
            Problem(
                "webhook_error",
                "ошибка вебхука в "
                + local_text(last_error, report.zone)
                + f": {webhook.get('last_error_message') or '—'}",
            )
        )
    return found


# Text


def human_size(size: int | None) -> str:
    """`512 Б`, `1,5 МБ`."""
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} Б"
    amount, unit = size / 1024, "КБ"
    for larger in ("МБ", "ГБ"):
        if amount < 1024:
            break
        amount, unit = amount / 1024, larger
    return f"{amount:.1f}".replace(".", ",") + f" {unit}"


def human_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f}".replace(".", ",") + " с"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} мин {rest} с"


def _store_lines(report: Report) -> list[str]:
    store = report.store
    if store.kind == "sqlite":
        wal = f" (журнал WAL {human_size(store.wal_size_bytes)})" if store.wal_size_bytes else ""
        line = f"  SQLite: {store.where}, {human_size(store.size_bytes)}{wal}"
    else:
        server = f" (PostgreSQL {store.server_version})" if store.server_version else ""
        line = f"  PostgreSQL: {store.where}{server}, {human_size(store.size_bytes)}"
    schema = report.schema
    if schema.pending:
        migrations = (
            f"  Миграции: применено {len(schema.applied)}, ожидают {len(schema.pending)}: "
            + ", ".join(schema.pending)
        )
    else:
        migrations = f"  Миграции: применены все ({len(schema.applied)}, до {schema.latest:04d})"
    return ["База данных", line, migrations]


def _needs(part: str) -> str:
    return f"  — (нужна миграция {NEEDS[part]:04d})"


def _people_lines(report: Report) -> list[str]:
    lines = ["Люди, прошедшие знакомство (администраторы — из ADMIN_IDS)"]
    if report.people is None:
        return [*lines, _needs("people")]
    roles = Translations("ru").get("ru")
    for city in report.people:
        line = f"  {city.name}: {city.people}"
        if city.people:
            line += (
                f" — участники {city.members}, организаторы {city.organisers},"
                f" администраторы {city.admins}; координаторы школ {city.school_coordinators}"
            )
            if city.blocked_the_bot:
                line += f"; заблокировали бота {city.blocked_the_bot}"
        lines.append(line)
        if city.occupations:
            lines.append(
                "    сферы: "
                + ", ".join(
                    f"{roles.button(f'role-{role}')} {count}"
                    for role, count in city.occupations.items()
                )
            )
    lines.append(f"  Не закончили знакомство: {report.unfinished}")
    return lines


def _outbox_lines(report: Report) -> list[str]:
    outbox = report.outbox
    if outbox is None:
        return ["Сообщения бота", _needs("outbox")]
    line = (
        f"  В очереди {outbox.queued}, отправляются {outbox.sending}, не доставлены"
        f" {outbox.failed} (за сутки {outbox.failed_recently})"
    )
    lines = ["Сообщения бота", line]
    if outbox.oldest_notice_due is not None:
        when = local_text(outbox.oldest_notice_due, report.zone)
        lines.append(f"  Дольше всех ждёт уведомление с {when}")
    return lines


def _broadcast_lines(report: Report) -> list[str]:
    figures = report.broadcasts
    if figures is None:
        return ["Рассылки", _needs("broadcasts")]
    lines = ["Рассылки"]
    if not figures.running:
        lines.append("  Идущих нет")
    for running in figures.running:
        since = local_text(running.started_at, report.zone) if running.started_at else "—"
        if running.queueing:
            lines.append(
                f"  № {running.id} с {since} ставит получателей в очередь:"
                f" поставлено {running.queued}, отправка ещё не началась"
            )
            continue
        lines.append(
            f"  № {running.id} идёт с {since}: осталось {running.left} из {running.recipients}"
        )
    scheduled = f"  Запланировано: {figures.scheduled}"
    if figures.next_scheduled_at is not None:
        scheduled += ", ближайшая " + local_text(figures.next_scheduled_at, report.zone)
    lines.append(scheduled)
    return lines


def _reminder_lines(report: Report) -> list[str]:
    today = report.reminders
    if today is None:
        return ["Напоминания на сегодня", _needs("reminders")]
    day = local_text(today.day, report.zone, "date")
    return [f"Напоминания на сегодня ({day})", f"  {today.total}, из них впереди {today.later}"]


def _backup_lines(report: Report) -> list[str]:
    backup = report.backup
    if backup is None:
        return ["Резервная копия", "  BACKUP_DIR не задан: ежедневных копий нет"]
    lines = [f"Резервная копия (BACKUP_DIR={backup.folder})"]
    if not backup.folder_exists:
        return [*lines, "  папки нет"]
    if backup.path is None or backup.made_at is None:
        return [*lines, "  копий нет"]
    when = local_text(backup.made_at, report.zone)
    return [*lines, f"  {when}, {human_size(backup.size_bytes)}: {backup.path}"]


def _job_lines(report: Report) -> list[str]:
    due = report.maintenance_due
    hour = local_text(due, report.zone, "time") if due else "—"
    lines = [f"Ночные задачи (в {hour})"]
    if report.jobs is None:
        return [*lines, _needs("jobs")]
    names = list(report.expected_jobs) + sorted(set(report.jobs) - set(report.expected_jobs))
    for job in names:
        title = f"  {JOB_TITLES.get(job, job)} ({job}): "
        run = report.jobs.get(job)
        if run is None:
            lines.append(title + "ещё не выполнялась")
            continue
        line = (
            title
            + local_text(run.started_at, report.zone)
            + f", {OUTCOMES.get(run.outcome, run.outcome)}"
        )
        if run.duration_seconds is not None:
            line += f", {human_seconds(run.duration_seconds)}"
        if run.detail:
            line += f" — {run.detail}"
        lines.append(line)
    return lines


def _telegram_lines(report: Report) -> list[str]:
    telegram = report.telegram
    lines = ["Telegram"]
    if telegram.state == "unreachable":
        return [*lines, f"  Telegram Bot API недоступен ({report.api_url})"]
    if telegram.state == "unauthorized":
        return [*lines, "  Telegram не принял BOT_TOKEN"]
    if telegram.state == "error":
        return [*lines, f"  Bot API ответил ошибкой: {telegram.message}"]
    webhook = telegram.webhook
    url = webhook.get("url") or ""
    mode = f"вебхук {url}" if url else "вебхук не установлен (long polling)"
    lines.append(f"  {mode}; обновлений ждут: {webhook.get('pending_update_count', 0)}")
    last_error = webhook.get("last_error_date")
    if isinstance(last_error, datetime):
        lines.append(
            "  Последняя ошибка вебхука: "
            + local_text(last_error, report.zone)
            + f" — {webhook.get('last_error_message') or '—'}"
        )
    return lines


def render_text(report: Report) -> str:
    head = (
        f"Побратим {report.version} — состояние на {local_text(report.now, report.zone)}"
        f" ({report.zone})"
    )
    lines = [head, ""]
    for part in (
        _store_lines,
        _people_lines,
        _outbox_lines,
        _broadcast_lines,
        _reminder_lines,
        _backup_lines,
        _job_lines,
        _telegram_lines,
    ):
        lines += part(report)
    lines.append("")
    if not report.problems:
        lines.append("Итог: всё в порядке (код 0).")
    else:
        lines.append(f"Итог: требует внимания (код {int(report.code)}):")
        lines += [f"  — {problem.text}" for problem in report.problems]
    return "\n".join(lines)


# JSON


def _json_default(value: object) -> object:
    """Moments as ISO 8601 in UTC, paths as text."""
    if isinstance(value, datetime):
        return to_db_time(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def render_json(report: Report) -> str:
    """The same facts for scripts: keys in English, moments ISO 8601 in UTC, sizes in
    bytes; a part the schema cannot tell yet (a migration pending) is null."""
    people = None
    if report.people is not None:
        people = {
            "unfinished_onboarding": report.unfinished,
            "admin_ids": report.admin_ids,
            "cities": [asdict(city) | {"members": city.members} for city in report.people],
        }
    jobs = None
    if report.jobs is not None:
        jobs = {
            "due_at": report.maintenance_due,
            "expected": list(report.expected_jobs),
            "runs": {job: asdict(run) for job, run in report.jobs.items()},
        }
    data = {
        "exit_code": int(report.code),
        "problems": [
            {"key": p.key, "message": p.text, "exit_code": int(p.code)} for p in report.problems
        ],
        "checked_at": report.now,
        "timezone": report.zone,
        "version": report.version,
        "store": asdict(report.store),
        "migrations": {
            "applied": len(report.schema.applied),
            "latest": report.schema.latest,
            "pending": list(report.schema.pending),
        },
        "people": people,
        "outbox": None if report.outbox is None else asdict(report.outbox),
        "broadcasts": None if report.broadcasts is None else asdict(report.broadcasts),
        "reminders_today": None if report.reminders is None else asdict(report.reminders),
        "backup": None if report.backup is None else asdict(report.backup),
        "jobs": jobs,
        "telegram": {"api_url": report.api_url, **asdict(report.telegram)},
    }
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)


# The commands


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


async def status_command(settings: Settings, args: argparse.Namespace) -> int:
    path = settings.sqlite_file
    if path is not None and not await asyncio.to_thread(path.is_file):
        sys.stderr.write(
            f"Файла базы данных {path} нет: бот создаёт его при первом запуске (или командой"
            " python -m bot migrate); проверьте DATABASE_PATH.\n"
        )
        return int(Code.ERROR)
    report = await collect(settings)
    _say(render_json(report) if args.json else render_text(report))
    return int(report.code)


async def check_migrations(settings: Settings) -> int:
    """`migrate --check`: 0 the schema is current, 1 migrations are pending (named);
    nothing is applied. A newer schema raises MigrationError (exit 2, one line)."""
    path = settings.sqlite_file
    if path is not None and not await asyncio.to_thread(path.is_file):
        names = [migration.name for migration in load_migrations(dialect=SQLITE)]
        _say(
            f"Файла базы данных {path} ещё нет: ждут применения все миграции ({len(names)})."
            " Их применит python -m bot migrate или запуск бота."
        )
        return int(Code.ATTENTION)
    db = await open_for_reading(settings)
    where = db.where
    try:
        state = await schema_state(db)
    finally:
        await db.close()
    if state.newer:
        raise newer_schema_error(state.newer, state.latest)
    if state.pending:
        _say(
            f"База данных {where} отстаёт от кода: ждут применения миграции"
            f" ({len(state.pending)}): {', '.join(state.pending)}."
            " Их применит python -m bot migrate или запуск бота."
        )
        return int(Code.ATTENTION)
    _say(
        f"База данных {where} в актуальном состоянии: применены все миграции"
        f" (до {state.latest:04d})."
    )
    return int(Code.OK)
