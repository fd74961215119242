"""Command line: `python -m bot [run | migrate [--check] | status [--json] | grant ID |
revoke ID | import FILE | demo | backup PATH | restore FILE | report --from --to [--city]
--out]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

from bot.cli.args import COMMAND, RussianParser
from bot.cli.args import COMMANDS as COMMANDS_TITLE
from bot.cli.importing import CliResult, run_demo, run_import
from bot.cli.report import ReportArgumentError, parse_day, run_report
from bot.cli.restoring import restore
from bot.cli.rights import change_rights
from bot.cli.status import EXIT_CODES as STATUS_EXIT_CODES
from bot.cli.status import check_migrations, status_command
from bot.core.config import ConfigError, Settings, load_settings
from bot.core.logging_setup import log_id_key, setup_logging
from bot.operations.backup import BackupError, backup_to
from bot.operations.error_reports import start_error_reports
from bot.operations.instance_lock import InstanceLocked, hold
from bot.operations.pg_backup import dump_to
from bot.runner import open_database, run_bot
from storage.db import DatabaseOpenError, is_postgres, utc_now
from storage.migrate import MigrationError
from storage.postgres import safe_url
from storage.transfer import CopyError, copy_to_postgres

logger = logging.getLogger("bot")


def build_parser() -> RussianParser:
    parser = RussianParser(
        prog="python -m bot",
        description="Побратим: Telegram-бот городов-побратимов. Настройки читаются из .env.",
    )
    # `python -m bot --workers N` is `python -m bot run --workers N` (run is the default).
    parser.options.add_argument("--workers", type=int, metavar="N", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar=COMMAND, title=COMMANDS_TITLE)
    run = commands.add_parser("run", help="запустить бота (по умолчанию)")
    run.options.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="число процессов вебхука (вместо WORKERS; больше одного — с PostgreSQL и Redis)",
    )
    migrate = commands.add_parser("migrate", help="применить миграции базы данных и выйти")
    migrate.options.add_argument(
        "--check",
        action="store_true",
        help="только проверить, ничего не меняя: код 0 — база в актуальном состоянии,"
        " 1 — есть неприменённые миграции (их список), 2 — схема базы новее кода",
    )
    status = commands.add_parser(
        "status",
        help="состояние бота: база, люди, очередь сообщений, копии, ночные задачи, вебхук",
        description="Состояние бота одним экраном; ничего не меняет и работает рядом с"
        " запущенным ботом. " + STATUS_EXIT_CODES,
    )
    status.options.add_argument(
        "--json", action="store_true", help="то же для скриптов: JSON, время в UTC (ISO 8601)"
    )
    grant = commands.add_parser("grant", help="сделать пользователя организатором")
    grant.arguments.add_argument(
        "user_id", metavar="ID", type=int, help="Telegram id пользователя"
    )
    revoke = commands.add_parser("revoke", help="снять права организатора")
    revoke.arguments.add_argument(
        "user_id", metavar="ID", type=int, help="Telegram id пользователя"
    )
    load = commands.add_parser(
        "import", help="загрузить программы, поездки и мероприятия из файла .yaml или .xlsx"
    )
    load.arguments.add_argument(
        "file", metavar="ФАЙЛ", type=Path, help="путь к файлу (формат: docs/import-format.md)"
    )
    commands.add_parser(
        "demo", help="заполнить пустую базу демонстрационной программой Сочи — Минск на 2027 год"
    )
    backup = commands.add_parser(
        "backup", help="сделать копию базы данных (можно, пока бот работает)"
    )
    backup.arguments.add_argument(
        "path",
        metavar="ПУТЬ",
        type=Path,
        help="файл копии или папка (тогда имя pobratim-ДАТА-ВРЕМЯ.sqlite3, на PostgreSQL .dump)",
    )
    restore = commands.add_parser(
        "restore",
        help="восстановить базу из копии (сначала остановите бота; текущая база сохранится рядом)",
    )
    restore.arguments.add_argument(
        "file", metavar="ФАЙЛ", type=Path, help="файл копии, сделанной командой backup"
    )
    move = commands.add_parser(
        "migrate-to-postgres",
        help="перенести данные из файла SQLite в PostgreSQL (сначала остановите бота)",
    )
    move.options.add_argument(
        "--to", required=True, metavar="АДРЕС", help="postgresql://пользователь@сервер:5432/база"
    )
    move.options.add_argument(
        "--force", action="store_true", help="заменить данные, если в PostgreSQL они уже есть"
    )
    report = commands.add_parser(
        "report",
        help="отчёт за период: график PNG и таблица XLSX (как «Отчёт» в боте)",
        description="Отчёт за период: график PNG и таблица XLSX с цифрами. Оба дня входят"
        " в период; даты — по времени города (--city) или TIMEZONE.",
    )
    report.options.add_argument(
        "--from", dest="first", metavar="ГГГГ-ММ-ДД", help="первый день периода"
    )
    report.options.add_argument(
        "--to", dest="last", metavar="ГГГГ-ММ-ДД", help="последний день периода"
    )
    report.options.add_argument(
        "--city", metavar="КОД", help="только один город: sochi, minsk, ..."
    )
    report.options.add_argument(
        "--out", type=Path, metavar="ПАПКА", help="куда записать два файла"
    )
    return parser


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


async def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    if args.check:
        return await check_migrations(settings)
    db = await open_database(settings)
    where = db.where
    await db.close()
    _say(f"База данных {where} в актуальном состоянии.")
    return 0


async def _run(settings: Settings, _: argparse.Namespace) -> int:
    return await run_bot(settings)


async def _change_rights(settings: Settings, args: argparse.Namespace) -> int:
    line = await change_rights(settings, user_id=args.user_id, grant=args.command == "grant")
    _say(line)
    return 0


def _report(result: CliResult) -> int:
    for line in result.out:
        _say(line)
    for line in result.err:
        sys.stderr.write(line + "\n")
    return result.code


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    return _report(await run_import(settings, args.file))


async def _demo(settings: Settings, _: argparse.Namespace) -> int:
    return _report(await run_demo(settings))


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    source = settings.sqlite_file
    try:
        if source is None:
            where = safe_url(settings.store_url)
            result = await asyncio.to_thread(dump_to, settings.store_url, args.path, now=utc_now())
        else:
            where = str(source)
            result = await asyncio.to_thread(backup_to, source, args.path, now=utc_now())
    except BackupError as exc:
        sys.stderr.write(f"Копия не сделана: {exc}\n")
        return 2
    how = " программой pg_dump (формат custom)" if source is None else ""
    _say(f"Копия базы {where} записана{how} в {result.path} ({result.size} байт).")
    return 0


async def _restore(settings: Settings, args: argparse.Namespace) -> int:
    where = str(settings.sqlite_file) if settings.sqlite_file else safe_url(settings.store_url)
    try:
        result = await restore(settings, args.file)
    except BackupError as exc:
        sys.stderr.write(f"База не восстановлена: {exc}\n")
        return 2
    how = "" if settings.sqlite_file else " (pg_restore)"
    _say(f"База {where} восстановлена из {args.file}{how}.")
    if result.safety_copy is not None:
        _say(f"Прежняя база сохранена в {result.safety_copy}.")
    if result.erased_again:
        _say(
            f"Данные {result.erased_again} человек, попросивших удалить их уже после этой"
            " копии, удалены снова."
        )
    if not result.erasures_known:
        _say(
            "Список людей, удаливших свои данные, в прежней базе не прочитан: если кто-то"
            " из них удалял данные после этой копии, попросите его сделать /forget ещё раз."
        )
    return 0


async def _to_postgres(settings: Settings, args: argparse.Namespace) -> int:
    source = settings.sqlite_file
    if source is None:
        sys.stderr.write(
            "Данные уже в PostgreSQL (DATABASE_URL): переносить нечего. Для переноса"
            " уберите DATABASE_URL, чтобы бот видел файл SQLite (DATABASE_PATH).\n"
        )
        return 2
    if not is_postgres(args.to):
        sys.stderr.write("--to: нужен адрес postgresql://пользователь@сервер:5432/база\n")
        return 2
    if not source.is_file():
        sys.stderr.write(f"Файла базы {source} нет: проверьте DATABASE_PATH.\n")
        return 2
    try:
        # The bot's own lock on the file: refused while a bot runs, and no bot starts meanwhile.
        with hold(source):
            result = await copy_to_postgres(source, args.to, force=args.force)
    except (CopyError, InstanceLocked) as exc:
        sys.stderr.write(f"Перенос не сделан: {exc}\n")
        return 2
    _say(
        f"Скопировано {result.total} строк из {len(result.rows)} таблиц: {source} →"
        f" {safe_url(args.to)}; число строк каждой таблицы совпадает. Файл SQLite не изменён."
    )
    _say(
        f"Дальше: укажите в .env DATABASE_URL={safe_url(args.to)}, запустите бота и,"
        " убедившись, что всё на месте, сотрите старый файл и его копии: shred -u"
        f" {source} (README, «Переезд на PostgreSQL»)."
    )
    return 0


async def _report_command(settings: Settings, args: argparse.Namespace) -> int:
    return _report(
        await run_report(
            settings, first=args.first_day, last=args.last_day, city_code=args.city, out=args.out
        )
    )


def _check_report_args(args: argparse.Namespace) -> None:
    """--from, --to and --out are needed; the dates must be dates (one Russian line if not)."""
    for name, value in (("--from", args.first), ("--to", args.last), ("--out", args.out)):
        if value is None:
            raise ReportArgumentError(f"Не указан {name}: python -m bot report --help.")
    args.first_day = parse_day(args.first, "--from")
    args.last_day = parse_day(args.last, "--to")


COMMANDS = {
    "run": _run,
    "migrate": _migrate,
    "status": status_command,
    "grant": _change_rights,
    "revoke": _change_rights,
    "import": _import,
    "demo": _demo,
    "backup": _backup,
    "restore": _restore,
    "report": _report_command,
    "migrate-to-postgres": _to_postgres,
}


def _why_not_open(exc: DatabaseOpenError, path: Path) -> str:
    """The cause in Russian (SQLite and the OS say it in English)."""
    cause = exc.__cause__
    if path.is_dir():
        return "на месте файла лежит папка"
    if isinstance(cause, PermissionError):
        return "нет прав на файл или папку"
    if isinstance(cause, (NotADirectoryError, FileExistsError)):
        return "на месте папки лежит файл"
    if isinstance(cause, sqlite3.DatabaseError) and "not a database" in str(cause):
        return "файл — не база данных SQLite или повреждён"
    if isinstance(cause, OSError) and cause.errno is not None:
        return f"ошибка файловой системы (код {cause.errno})"
    return "файл не открывается"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    if command == "report":
        try:
            _check_report_args(args)
        except ReportArgumentError as exc:
            sys.stderr.write(f"{exc}\n")
            return 2
    # `run --workers N` is WORKERS=N for this start, checked as the setting is.
    workers = getattr(args, "workers", None)
    overrides = {} if workers is None else {"workers": workers}
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    setup_logging(settings.log_level, format=settings.log_format, id_key=log_id_key(settings))
    try:
        if command == "run":  # the bot and its workers (they run `python -m bot run` too)
            start_error_reports(settings)
        return asyncio.run(COMMANDS[command](settings, args))
    except (ConfigError, MigrationError, InstanceLocked) as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except DatabaseOpenError as exc:
        path = settings.sqlite_file
        if path is None and exc.reason:
            sys.stderr.write(
                f"Не удаётся работать с PostgreSQL {safe_url(settings.store_url)}: {exc.reason}.\n"
            )
            return 2
        if path is None:
            sys.stderr.write(
                f"Не удаётся подключиться к PostgreSQL {safe_url(settings.store_url)}:"
                " проверьте DATABASE_URL, что сервер запущен и база создана.\n"
            )
            logger.debug("PostgreSQL unreachable: %s", exc)
            return 2
        sys.stderr.write(
            f"Не удаётся открыть базу данных {path}: {_why_not_open(exc, path)}."
            " Проверьте DATABASE_PATH и права на папку.\n"
        )
        return 2
    except TelegramUnauthorizedError:
        sys.stderr.write("Telegram не принял BOT_TOKEN: проверьте токен у @BotFather.\n")
        return 2
    except TelegramNetworkError as exc:
        logger.debug("Bot API unreachable: %s", exc)  # the library's English, for LOG_LEVEL=DEBUG
        sys.stderr.write(
            f"Нет связи с Telegram Bot API ({settings.telegram_api_url}): проверьте подключение"
            " к интернету и TELEGRAM_API_URL.\n"
        )
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
