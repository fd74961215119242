"""Organisers' reports: the files for a known data set (the XLSX read cell by cell, the
PNG checked as an image), through the bot and from the shell; periods; refusals."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import warnings
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.core.errors import UserError
from bot.core.i18n import Translations
from bot.reports.figures import Period, compute, parse_range, this_quarter, this_year
from bot.reports.service import render
from handlers.reports.callbacks import ReportCb, ReportPeriod
from storage.cities import CityRepo
from storage.db import utc_now
from storage.reports import ReportRepo
from storage.roadmap import RoadmapRepo
from tests.conftest import ADMIN_ID, TOKEN, RunningBot, TgUser, store_url_for
from tests.import_data import seed
from tests.roadmap_seed import Activities, item_yaml, roadmap_yaml, seed_activities

ROOT = Path(__file__).resolve().parent.parent
MOSCOW = "Europe/Moscow"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk of a PNG, after checking the signature and the
    chunk's CRC (no imaging library needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(kind + body) == crc
    assert data.endswith(b"IEND\xaeB`\x82")
    width, height = struct.unpack(">II", body[:8])
    return width, height


async def _known_data(app: RunningBot) -> Activities:
    """seed_activities, plus subscribers, a broadcast and roadmap items."""
    assert app.db is not None
    seeded = await seed_activities(app)
    stamp = utc_now()
    async with app.db.transaction() as conn:
        for tg_id in (5001, 5002):
            await conn.execute(
                "INSERT INTO event_subscriptions (event_id, tg_id, created_at) VALUES (?, ?, ?)",
                (seeded.held, tg_id, stamp),
            )
        await conn.execute(
            "INSERT INTO event_subscriptions (event_id, tg_id, created_at) VALUES (?, ?, ?)",
            (seeded.ahead, 5003, stamp),
        )
        async with conn.execute(
            "INSERT INTO broadcasts (created_by, segment, from_chat_id, from_message_id,"
            " content_kind, status, recipients, started_at, finished_at, created_at,"
            " updated_at) VALUES (?, '{}', ?, 1, 'text', 'done', 5, ?, ?, ?, ?) RETURNING id",
            (ADMIN_ID, ADMIN_ID, stamp, stamp, stamp, stamp),
        ) as cur:
            broadcast = (await cur.fetchone())[0]
        for tg_id, state in zip(
            range(5001, 5006), ("sent", "sent", "sent", "blocked", "failed"), strict=True
        ):
            await conn.execute(
                "INSERT INTO outbox (chat_id, purpose, broadcast_id, kind, from_chat_id,"
                " from_message_id, state, not_before, created_at, updated_at)"
                " VALUES (?, 'broadcast', ?, 'copy', ?, 1, ?, ?, ?, ?)",
                (tg_id, broadcast, ADMIN_ID, state, stamp, stamp, stamp),
            )
    await seed(
        app.db,
        roadmap_yaml(
            item_yaml("edu", 1, extra="    status: done\n"),
            item_yaml("sport", 2, direction="sport", responsible="sochi"),
            item_yaml(
                "fest",
                3,
                direction="culture",
                responsible="minsk",
                extra="    status: in_progress\n",
            ),
        ),
    )
    return seeded


def _period() -> Period:
    today = utc_now().astimezone(ZoneInfo(MOSCOW)).date()
    return Period(today - timedelta(days=30), today + timedelta(days=45), MOSCOW)


def _range_text(period: Period) -> str:
    return f"{period.first:%d.%m.%Y} — {period.last:%d.%m.%Y}"


def _sheet(workbook: object, title: str) -> list[tuple]:
    sheet = workbook[title]  # type: ignore[index]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


async def test_report_through_the_bot_for_a_known_data_set(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await _known_data(app)
    period = _period()
    await admin.send("/organiser")
    await admin.press("📊 Отчёт")
    assert "за какой период" in admin.last_text
    await admin.press("Другие даты")
    await admin.send("31.02.2027 01.03.2027")
    assert "Даты «31.02.2027» нет в календаре" in admin.texts()[-2]
    await admin.send(_range_text(period))
    assert "По всем городам или по одному?" in admin.last_text
    started = datetime.now(UTC)
    await admin.press("Все города")
    elapsed = (datetime.now(UTC) - started).total_seconds()
    messages = app.telegram.messages(admin.id)
    photo, table = messages[-2], messages[-1]
    assert photo.photo is not None and table.document is not None
    caption = photo.plain_text()
    assert "Поездок состоялось: 2, поехали 4 чел.; заявок подано: 10" in caption
    assert "Мероприятия: проведено 1 из 3, подписчиков: 3" in caption
    assert "Телемостов проведено: 3" in caption
    assert "Рассылок: 1, доставлено 3 из 5, недоступны: 1" in caption
    assert "Дорожная карта: выполнено 1, в работе 1 из 3" in caption

    _, png = photo.photo
    width, height = png_size(png)
    assert width == 1080 and 1500 <= height <= 6000
    assert 20_000 < len(png) < 2_000_000
    assert table.document[0] == (
        f"pobratim-report-{period.first.isoformat()}-{period.last.isoformat()}.xlsx"
    )
    workbook = load_workbook(io.BytesIO(table.document[1]))
    assert workbook.sheetnames == [
        "Сводка",
        "Поездки по направлениям",
        "Поездки",
        "Заявки",
        "Мероприятия",
        "Телемосты",
        "Рассылки",
        "Дорожная карта",
    ]
    summary = dict(_sheet(workbook, "Сводка")[1:])
    assert summary["Поездок состоялось"] == 2 and summary["Участников поехало"] == 4
    assert summary["Заявок подано"] == 10 and summary["Мероприятий"] == 3
    assert summary["Подписчиков мероприятий"] == 3 and summary["Телемостов проведено"] == 3
    assert (summary["Получателей"], summary["Доставлено"], summary["Недоступны"]) == (5, 3, 1)
    assert summary["Пунктов дорожной карты"] == 3 and summary["Пунктов выполнено"] == 1
    directions = _sheet(workbook, "Поездки по направлениям")
    assert directions[0] == ("Направление", "Поездок состоялось", "Участников поехало")
    assert ("Образование", 1, 3) in directions and ("Спорт", 1, 1) in directions
    assert ("Культура", 0, 0) in directions and directions[-1] == ("Итого", 2, 4)
    trips = _sheet(workbook, "Поездки")
    assert [(row[0], row[1], row[-1]) for row in trips[1:]] == [
        ("Педагоги в Минске", "Образование", 3),
        ("Волейбол в Сочи", "Спорт", 1),
    ]
    assert isinstance(trips[1][2], datetime)  # dates are dates
    assert _sheet(workbook, "Заявки")[1:] == [
        ("ждёт одобрения", 0),
        ("одобрена", 8),
        ("в листе ожидания", 0),
        ("отклонена", 1),
        ("отменена участником", 1),
        ("Итого", 10),
    ]
    events = _sheet(workbook, "Мероприятия")
    assert [(row[0], row[3], row[4]) for row in events[1:]] == [
        ("Семинар педагогов", "Проведено", 2),
        ("Отменённый форум", "Отменено", 0),
        ("Фестиваль впереди", "Впереди", 1),
    ]
    telebridges = _sheet(workbook, "Телемосты")
    assert len(telebridges) - 2 == len(Period.months(period))
    assert telebridges[-1] == ("Итого", 3)
    assert sum(row[1] for row in telebridges[1:-1]) == 3
    broadcasts = _sheet(workbook, "Рассылки")
    assert broadcasts[1][2:] == (5, 3, 1, 1) and broadcasts[-1][2:] == (5, 3, 1, 1)
    roadmap = _sheet(workbook, "Дорожная карта")
    assert roadmap[0] == (
        "Направление",
        "Запланирован",
        "В работе",
        "Выполнен",
        "Перенесён",
        "Отменён",
        "Всего пунктов",
    )
    assert roadmap[1:] == [
        ("Образование", 0, 0, 1, 0, 0, 1),
        ("Культура", 0, 1, 0, 0, 0, 1),
        ("Спорт", 1, 0, 0, 0, 0, 1),
        ("Итого", 1, 1, 1, 0, 0, 3),
    ]
    # An export of figures: in the audit log.
    async with app.db.read.execute(
        "SELECT actor_id, action, object_kind, diff FROM audit_log WHERE object_kind = 'report'"
    ) as cur:
        rows = [tuple(row) for row in await cur.fetchall()]
    assert rows == [
        (
            ADMIN_ID,
            "export",
            "report",
            f'{{"from": "{period.first.isoformat()}", "to": "{period.last.isoformat()}",'
            ' "city": "all"}',
        )
    ]
    assert elapsed < 30  # about a second on a developer's machine


async def test_one_city_narrows_every_block(app: RunningBot) -> None:
    assert app.db is not None
    await _known_data(app)
    sochi = await CityRepo(app.db).get(city_id=1)
    figures = await compute(
        ReportRepo(app.db), RoadmapRepo(app.db), period=_period(), city=sochi, now=utc_now()
    )
    # The trip from Minsk is not Sochi's delegation; its registration is left out too.
    assert (figures.trips_total, figures.people_total) == (1, 3)
    assert figures.registrations_total == 9
    assert len(figures.events) == 3 and figures.telebridges_total == 3
    assert figures.reach() == {"recipients": 5, "delivered": 3, "unreachable": 1, "failed": 1}
    assert [d.direction for d in figures.roadmap] == ["education", "sport"]  # not Minsk's


async def test_the_chart_renders_cyrillic_without_missing_glyphs(app: RunningBot) -> None:
    assert app.db is not None
    await _known_data(app)
    figures = await compute(
        ReportRepo(app.db), RoadmapRepo(app.db), period=_period(), city=None, now=utc_now()
    )
    for language in ("ru", "be"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font" would fail here
            report = await render(Translations().get(language), figures)
        assert png_size(report.chart.content)[0] == 1080
        workbook = load_workbook(io.BytesIO(report.table.content))
        assert workbook.sheetnames[0] == ("Сводка" if language == "ru" else "Зводка")


def test_periods() -> None:
    now = datetime(2027, 5, 14, 22, 30, tzinfo=UTC)  # 15 May in Moscow
    assert this_quarter(now, MOSCOW) == Period(date(2027, 4, 1), date(2027, 6, 30), MOSCOW)
    assert this_year(now, MOSCOW) == Period(date(2027, 1, 1), date(2027, 12, 31), MOSCOW)
    late = datetime(2027, 12, 31, 21, 30, tzinfo=UTC)  # 1 January 2028 in Moscow
    assert this_quarter(late, MOSCOW).first == date(2028, 1, 1)
    period = parse_range("01.01.2027 – 31.03.2027", MOSCOW)
    assert period.start == datetime(2027, 1, 1, tzinfo=ZoneInfo(MOSCOW))
    assert period.end == datetime(2027, 4, 1, tzinfo=ZoneInfo(MOSCOW))  # the last day included
    assert period.months() == [202701, 202702, 202703]
    assert parse_range("2027-01-01 2027-01-01", MOSCOW).months() == [202701]
    for wrong, key in (
        ("01.01.2027", "report-error-range"),
        ("31.03.2027 01.01.2027", "report-error-order"),
        ("01.01.2020 01.01.2027", "report-error-too-long"),
        ("30.02.2027 01.03.2027", "report-error-date"),
    ):
        with pytest.raises(UserError) as error:
            parse_range(wrong, MOSCOW)
        assert error.value.key == key


async def test_members_are_refused_reports(app: RunningBot, member: TgUser) -> None:
    await member.send("/report")
    assert "только организаторам" in member.last_text
    calls = await member.press_data(ReportCb(period=ReportPeriod.YEAR, city=0).pack())
    answer = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "только организаторам" in answer.params.get("text", "")
    assert not app.telegram.calls_of("sendPhoto") and not app.telegram.calls_of("sendDocument")


# The command line


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }
    url = store_url_for(tmp_path / "db" / "bot.sqlite3")
    if url:
        env["DATABASE_URL"] = url  # the PostgreSQL pass: the test's own schema
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_report_writes_both_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _cli(
        tmp_path, "report", "--from", "2027-01-01", "--to", "2027-03-31", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "Отчёт за 01.01.2027 — 31.03.2027, все города записан" in result.stdout
    png = out / "pobratim-report-2027-01-01-2027-03-31.png"
    xlsx = out / "pobratim-report-2027-01-01-2027-03-31.xlsx"
    assert png_size(png.read_bytes())[0] == 1080
    workbook = load_workbook(xlsx)
    assert _sheet(workbook, "Телемосты")[1:] == [
        ("янв 2027", 0),
        ("фев 2027", 0),
        ("мар 2027", 0),
        ("Итого", 0),
    ]
    result = _cli(
        tmp_path,
        "report",
        "--from",
        "2027-01-01",
        "--to",
        "2027-01-31",
        "--city",
        "minsk",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert (out / "pobratim-report-2027-01-01-2027-01-31-minsk.xlsx").exists()


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (("--from", "2027-02-30", "--to", "2027-03-01", "--out", "x"), "--from"),
        (("--from", "2027-01-01", "--out", "x"), "--to"),
        (("--from", "2027-03-01", "--to", "2027-01-01", "--out", "x"), "Конец периода раньше"),
        (("--from", "2027-01-01", "--to", "2027-01-02", "--city", "gomel", "--out", "x"), "gomel"),
        (("--from", "2027-01-01", "--to", "2027-01-02", "--colour", "red"), "Неверные аргументы"),
    ],
)
def test_cli_report_bad_arguments_exit_2_with_one_line(
    tmp_path: Path, args: tuple[str, ...], word: str
) -> None:
    result = _cli(tmp_path, "report", *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0], result.stderr
    assert not (tmp_path / "x").exists()
