"""The roadmap: import (YAML and XLSX), progress figures counted from linked activities,
status changes (history, audit, followers told once in their language), organisers'
tools and refusals of forged buttons, /mydata and /forget of followers."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook

from bot.core.errors import UserError
from bot.core.i18n import Translations
from bot.core.roles import Access
from bot.importer.plan import ImportRejected
from bot.importer.reports import describe_issue
from bot.roadmap.service import parse_due, progress_bar
from handlers.roadmap.callbacks import RmAction, RmCb, RmOrgAction, RmOrgCb
from storage.db import utc_now
from storage.roadmap import LinkKind, RoadmapRepo
from tests.conftest import ADMIN_ID, RunningBot, TgUser, onboard
from tests.import_data import PROGRAMME, seed, send_file, trip_yaml
from tests.roadmap_seed import item_yaml, roadmap_yaml, seed_activities


async def _rows(app: RunningBot, sql: str, params: tuple[Any, ...] = ()) -> list[tuple]:
    assert app.db is not None
    async with app.db.read.execute(sql, params) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def _count(app: RunningBot, table: str) -> int:
    return (await _rows(app, f"SELECT COUNT(*) FROM {table}"))[0][0]


async def _item_id(app: RunningBot, key: str) -> int:
    assert app.db is not None
    return (await RoadmapRepo(app.db).ids_by_key([key]))[key]


# Rules


def test_due_periods_are_read_in_the_ways_people_write_them() -> None:
    assert parse_due("2026") == (2026, None)
    assert parse_due("2027 год") == (2027, None)
    assert parse_due("2026-Q2") == (2026, 2)
    assert parse_due("q3 2028") == (2028, 3)
    assert parse_due("II квартал 2027") == (2027, 2)
    assert parse_due("4 кв. 2026") == (2026, 4)
    assert parse_due("IV квартал 2026 г.") == (2026, 4)
    for wrong in ("2026-Q5", "весна 2027", "1999", "V квартал 2027", ""):
        with pytest.raises(UserError):
            parse_due(wrong)


def test_progress_bar_shows_done_then_in_progress() -> None:
    assert progress_bar({"done": 2, "in_progress": 1, "planned": 2}) == "████▓▓░░░░"
    assert progress_bar({}) == "░" * 10
    assert progress_bar({"done": 3}) == "█" * 10


# Import


async def test_yaml_import_lists_every_mistake_and_writes_nothing(app: RunningBot) -> None:
    assert app.db is not None
    text = (
        PROGRAMME
        + "trips:"
        + trip_yaml()
        + roadmap_yaml(
            item_yaml("rm-1", 1, extra="    trips: [t1, nope]\n    events: [e9]\n"),
            item_yaml("rm-2", 1, direction="space", responsible="gomel", due="весна 2027"),
            item_yaml("rm-3", 3, extra="    status: finished\n    telebridges: some\n"),
        )
    )
    with pytest.raises(ImportRejected) as rejected:
        await seed(app.db, text)
    t = Translations().get("ru")
    lines = [describe_issue(t, issue, html=False) for issue in rejected.value.issues]
    assert lines == [
        "roadmap[1].trips: поездка с ключом «nope» не найдена ни в файле, ни в базе.",
        "roadmap[1].events: мероприятие с ключом «e9» не найдено ни в файле, ни в базе.",
        "roadmap[2].number: номер пункта 1 уже встречается: roadmap[1].",
        "roadmap[2].direction: значение «space» не подходит. Возможные значения: education,"
        " healthcare, youth, culture, sport, business, resort, urban_it, transport, investment.",
        "roadmap[2].responsible: «gomel» — не сторона. Укажите код города (minsk, sochi)"
        " или both (оба города).",
        "roadmap[2].due: срок «весна 2027» не понятен. Пишите год (2026) или квартал:"
        " 2026-Q2, II квартал 2026.",
        "roadmap[3].status: значение «finished» не подходит. Возможные значения: planned,"
        " in_progress, done, postponed, cancelled.",
        "roadmap[3].telebridges: значение «some» не подходит. Возможные значения: all, none.",
    ]
    for table in ("roadmap_items", "roadmap_trips", "trips", "programmes"):
        assert await _count(app, table) == 0


def _workbook(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "roadmap"
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


HEADER = ["key", "number", "direction", "title", "responsible", "due", "status", "telebridges"]


async def test_xlsx_import_through_the_bot_with_mistakes_then_right(
    app: RunningBot, admin: TgUser
) -> None:
    wrong = _workbook(
        [
            HEADER,
            ["rm-1", 1, "education", "Телемосты школ", "Сочи", 2027, None, "all"],
            ["rm-2", "два", "culture", "Фестиваль", "both", "2027-Q5", "done", None],
        ]
    )
    await send_file(admin, "roadmap.xlsx", wrong)
    reply = admin.last_text
    assert "лист roadmap, строка 3, столбец number: «два» — не целое число." in reply
    assert "лист roadmap, строка 3, столбец due: срок «2027-Q5» не понятен." in reply
    assert await _count(app, "roadmap_items") == 0

    right = _workbook(
        [
            HEADER,
            ["rm-1", 1, "education", "Телемосты школ", "Сочи", 2027, None, "all"],
            ["rm-2", 2, "culture", "Фестиваль", "both", "2027-Q3", "in_progress", None],
        ]
    )
    await send_file(admin, "roadmap.xlsx", right)
    assert "Дорожная карта: новых 2, обновлено 0." in admin.last_text
    rows = await _rows(
        app,
        "SELECT ext_key, number, direction, responsible_city_id, due_year, due_quarter, status,"
        " all_telebridges FROM roadmap_items ORDER BY number",
    )
    assert rows == [
        ("rm-1", 1, "education", 1, 2027, None, "planned", 1),
        ("rm-2", 2, "culture", None, 2027, 3, "in_progress", 0),
    ]


async def test_reimport_updates_by_key_keeps_what_the_file_leaves_out(app: RunningBot) -> None:
    assert app.db is not None
    base = PROGRAMME + "trips:" + trip_yaml()
    await seed(
        app.db,
        base
        + roadmap_yaml(
            item_yaml("rm-1", 7, extra="    notes: Первые встречи\n    trips: [t1]\n"),
        ),
    )
    item = await _item_id(app, "rm-1")
    # Edited in the bot meanwhile: a status and the notes.
    service = app.dp["roadmap"].service
    await service.change_status(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        item_id=item,
        status="in_progress",
        now=utc_now(),
    )
    await service.set_notes(
        actor_id=ADMIN_ID, actor_access=Access.ADMIN, item_id=item, notes="Договорились"
    )
    summary = await seed(
        app.db, base + roadmap_yaml(item_yaml("rm-1", 8, title="Обмен педагогами"))
    )
    assert (summary.roadmap.created, summary.roadmap.updated) == (0, 1)
    assert summary.roadmap_changes == ()
    rows = await _rows(app, "SELECT id, number, title, status, notes FROM roadmap_items")
    assert rows == [(item, 8, "Обмен педагогами", "in_progress", "Договорились")]
    assert await _count(app, "roadmap_trips") == 1  # trips not given: links kept
    # A status and empty lists in the file are changes: history and audit as in the bot.
    summary = await seed(
        app.db,
        base + roadmap_yaml(item_yaml("rm-1", 8, extra="    status: done\n    trips: []\n")),
        actor=ADMIN_ID,
    )
    assert len(summary.roadmap_changes) == 1
    assert await _count(app, "roadmap_trips") == 0
    history = await _rows(
        app, "SELECT old_status, new_status, changed_by FROM roadmap_history ORDER BY id"
    )
    assert history == [("planned", "in_progress", ADMIN_ID), ("in_progress", "done", ADMIN_ID)]
    audit = await _rows(
        app,
        "SELECT action, diff FROM audit_log WHERE object_kind = 'roadmap' AND action = 'status'",
    )
    assert [json.loads(diff) for _, diff in audit][-1] == {"status": ["in_progress", "done"]}


async def test_a_number_of_another_stored_item_is_refused(app: RunningBot) -> None:
    assert app.db is not None
    await seed(app.db, roadmap_yaml(item_yaml("a", 1), item_yaml("b", 2)))
    with pytest.raises(ImportRejected) as rejected:
        await seed(app.db, roadmap_yaml(item_yaml("a", 2)))
    assert [issue.key for issue in rejected.value.issues] == ["import-error-roadmap-number-taken"]


# Progress figures


async def _link(app: RunningBot, item: int, kind: LinkKind, *targets: int) -> None:
    service = app.dp["roadmap"].service
    for target in targets:
        await service.set_link(
            actor_id=ADMIN_ID,
            actor_access=Access.ADMIN,
            item_id=item,
            kind=kind.value,
            target_id=target,
            linked=True,
        )


async def test_progress_is_counted_from_linked_activities(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    seeded = await seed_activities(app)
    await seed(
        app.db,
        roadmap_yaml(
            item_yaml("edu", 3, title="Обмен педагогами", due="2027"),
            item_yaml("sport", 20, direction="sport", title="Турниры", responsible="sochi"),
        ),
    )
    edu = await _item_id(app, "edu")
    await _link(app, edu, LinkKind.TRIP, seeded.travelled, seeded.cancelled, seeded.coming)
    await _link(app, edu, LinkKind.EVENT, seeded.held, seeded.called_off, seeded.ahead)
    await _link(
        app, edu, LinkKind.TELEBRIDGE, seeded.telebridges_held[0], seeded.telebridge_booked
    )
    repo = RoadmapRepo(app.db)
    progress = await repo.progress(item_id=edu, now=utc_now())
    # One trip has begun (the cancelled one and the one ahead do not count), with its three
    # approved people; one event took place; one linked telebridge was held.
    assert (
        progress.trips_travelled,
        progress.participants,
        progress.events_held,
        progress.telebridges_held,
    ) == (1, 3, 1, 1)

    # Through the bot, as a member reads it.
    await member.send("/roadmap")
    assert "Пунктов: 2" in member.last_text
    assert "Образование — выполнено 0 из 1" in member.last_text
    await member.press("Образование · 0/1")
    await member.press("🗓 3. Обмен педагогами")
    card = member.last_text
    assert "Срок: 2027 год" in card and "Отвечает: оба города" in card
    assert "Поездки состоялись: 1, участников: 3" in card
    assert "Мероприятия проведены: 1" in card
    assert "Телемосты проведены: 1" in card
    assert "Педагоги в Минске — поездка завершена, одобрено 3" in card
    assert "Отменённый форум (Сочи) — отменено" in card
    assert "История статусов" not in card  # organisers only
    assert "🔄 Статус" not in member.labels()

    # "Count all telebridges": every held one, linked or not (the agreed one is not held).
    await app.dp["roadmap"].service.set_all_telebridges(
        actor_id=ADMIN_ID, actor_access=Access.ADMIN, item_id=edu, value=True
    )
    progress = await repo.progress(item_id=edu, now=utc_now())
    assert progress.telebridges_held == 3
    # A telebridge reported held later counts at once: nothing is stored as a counter.
    async with app.db.transaction() as conn:
        await conn.execute(
            "UPDATE telebridges SET status = 'held' WHERE id = ?", (seeded.telebridge_booked,)
        )
    assert (await repo.progress(item_id=edu, now=utc_now())).telebridges_held == 4


# Status changes


async def test_status_change_keeps_history_audit_and_tells_followers_once(
    app: RunningBot, admin: TgUser, member: TgUser, make_user: Callable[..., TgUser]
) -> None:
    assert app.db is not None
    await seed(app.db, roadmap_yaml(item_yaml("edu", 3, title="Обмен педагогами")))
    item = await _item_id(app, "edu")
    belarusian = make_user(2002, first_name="Алеся")
    await onboard(belarusian, language="Беларуская", city="Мінск", role="Педагог")
    bystander = make_user(2003, first_name="Иван")
    await onboard(bystander, name="Иван Петров")

    await member.send("/roadmap")
    await member.press("🔔 Следить за дорожной картой")
    assert "Вы следите за дорожной картой" in member.last_text
    await belarusian.send("/roadmap")
    await belarusian.press("🔔 Сачыць за дарожнай картай")
    await admin.send("/roadmap")
    await admin.press("🔔 Следить за дорожной картой")  # the organiser follows too

    await admin.press("Образование · 0/1")
    await admin.press("🗓 3. Обмен педагогами")
    await admin.press("🔄 Статус")
    await admin.press("✅ Выполнен")
    assert "Запланирован → Выполнен?" in admin.last_text
    assert await _count(app, "roadmap_history") == 0  # not before the confirmation
    await admin.press("Да, изменить статус")
    card = admin.last_text
    assert "Статус: ✅ Выполнен" in card
    assert (
        "История статусов" in card and f"Запланирован → Выполнен (организатор {ADMIN_ID})" in card
    )

    history = await _rows(
        app, "SELECT item_id, old_status, new_status, changed_by FROM roadmap_history"
    )
    assert history == [(item, "planned", "done", ADMIN_ID)]
    audit = await _rows(
        app,
        "SELECT actor_id, action, object_kind, object_id, diff FROM audit_log"
        " WHERE object_kind = 'roadmap'",
    )
    assert audit == [(ADMIN_ID, "status", "roadmap", item, '{"status": ["planned", "done"]}')]

    notices = [m for m in app.telegram.messages(member.id) if "Дорожная карта" in m.plain_text()]
    assert [m.plain_text() for m in notices if "Статус:" in m.plain_text()] == [
        "🗺 Дорожная карта: пункт 3 «Обмен педагогами»\nСтатус: Запланирован → Выполнен"
    ]
    be_texts = [m.plain_text() for m in app.telegram.messages(belarusian.id)]
    assert (
        be_texts.count(
            "🗺 Дарожная карта: пункт 3 «Обмен педагогами»\nСтатус: Запланаваны → Выкананы"
        )
        == 1
    )
    assert not any("Статус: Запланирован" in text for text in bystander.texts())
    assert not any("🗺 Дорожная карта: пункт" in text for text in admin.texts())  # made it

    # The notice opens the item; a start-up after it announces nothing again.
    await member.press("Открыть пункт")
    assert "3. Обмен педагогами" in member.last_text
    await app.restart()
    await app.dp["delivery"].engine.wait_idle(5)
    assert sum("Статус: Запланирован → Выполнен" in text for text in member.texts()) == 1
    # Unfollowing stops the notices.
    await member.send("/roadmap")
    await member.press("🔕 Не следить")
    await app.dp["roadmap"].service.change_status(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        item_id=item,
        status="in_progress",
        now=utc_now(),
    )
    history_id = (await _rows(app, "SELECT MAX(id) FROM roadmap_history"))[0][0]
    # Only the Belarusian follower now: the organiser who made it is not told.
    assert await app.dp["roadmap"].notices.announce(history_id, now=utc_now()) == 1
    await app.dp["delivery"].engine.wait_idle(5)
    assert not any("Выполнен → В работе" in text for text in member.texts())
    assert any("Выкананы → У рабоце" in text for text in belarusian.texts())


async def test_notices_cut_short_are_resumed_at_start_up(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    await seed(app.db, roadmap_yaml(item_yaml("edu", 3)))
    item = await _item_id(app, "edu")
    await member.send("/roadmap")
    await member.press("🔔 Следить за дорожной картой")
    # The change is committed, the bot stops before its notices are queued.
    await app.dp["roadmap"].service.change_status(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        item_id=item,
        status="postponed",
        now=utc_now(),
    )
    await app.restart()
    await app.dp["delivery"].engine.wait_idle(5)
    assert sum("Запланирован → Перенесён" in text for text in member.texts()) == 1
    assert (await _rows(app, "SELECT COUNT(*) FROM roadmap_history WHERE notified_at IS NULL"))[0][
        0
    ] == 0


async def test_organiser_edits_notes_links_and_the_telebridge_flag(
    app: RunningBot, admin: TgUser
) -> None:
    assert app.db is not None
    seeded = await seed_activities(app)
    await seed(app.db, roadmap_yaml(item_yaml("edu", 3, title="Обмен педагогами")))
    item = await _item_id(app, "edu")
    await admin.send("/roadmap")
    await admin.press("Образование · 0/1")
    await admin.press("🗓 3. Обмен педагогами")
    await admin.press("📝 Заметки")
    await admin.send("Согласованы даты <первой> поездки & семинара")
    assert "Заметки: Согласованы даты <первой> поездки & семинара" in admin.last_text
    await admin.press("✈️ Поездки (0)")
    labels = admin.labels()
    assert not any("Будущая" in label and "☑️" in label for label in labels)
    travelled = next(label for label in labels if "Педагоги в Минске" in label)
    await admin.press(travelled)
    assert any(label.startswith("☑️") and "Педагоги в Минске" in label for label in admin.labels())
    await admin.press("← К пункту")
    assert "Поездки состоялись: 1, участников: 3" in admin.last_text
    await admin.press("🎪 Мероприятия (0)")
    await admin.press(next(label for label in admin.labels() if "Семинар педагогов" in label))
    await admin.press("← К пункту")
    assert "Мероприятия проведены: 1" in admin.last_text
    await admin.press("📡 Телемосты (0)")
    await admin.press(next(label for label in admin.labels() if label.startswith("▫️")))
    await admin.press("← К пункту")
    assert "Телемосты проведены:" in admin.last_text
    await admin.press("▫️ Считать все телемосты")
    assert "Телемосты проведены: 3 (считаются все состоявшиеся телемосты)" in admin.last_text
    assert "✅ Считать все телемосты" in admin.labels()
    repo = RoadmapRepo(app.db)
    assert await repo.linked_ids(item_id=item, kind=LinkKind.TRIP) == [seeded.travelled]
    assert await repo.linked_ids(item_id=item, kind=LinkKind.EVENT) == [seeded.held]
    diffs = [
        json.loads(row[0])
        for row in await _rows(
            app, "SELECT diff FROM audit_log WHERE object_kind = 'roadmap' ORDER BY id"
        )
    ]
    assert diffs[0]["notes"][1].startswith("Согласованы даты")
    assert {"link_trip": seeded.travelled} in diffs
    assert {"link_event": seeded.held} in diffs
    assert diffs[-1] == {"all_telebridges": [False, True]}


async def test_forged_organiser_buttons_from_a_member_change_nothing(
    app: RunningBot, member: TgUser
) -> None:
    assert app.db is not None
    seeded = await seed_activities(app)
    await seed(app.db, roadmap_yaml(item_yaml("edu", 3)))
    item = await _item_id(app, "edu")
    forged = [
        RmOrgCb(action=RmOrgAction.STATUS, id=item),
        RmOrgCb(action=RmOrgAction.SET_STATUS, id=item, value="done", confirm=True),
        RmOrgCb(action=RmOrgAction.NOTES, id=item),
        RmOrgCb(action=RmOrgAction.CLEAR_NOTES, id=item),
        RmOrgCb(action=RmOrgAction.TOGGLE, id=item, value="trip", target=seeded.travelled),
        RmOrgCb(action=RmOrgAction.ALL_TELEBRIDGES, id=item),
    ]
    for data in forged:
        calls = await member.press_data(data.pack())
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answers and "только организаторам" in answers[-1].params.get("text", "")
    rows = await _rows(app, "SELECT status, notes, all_telebridges FROM roadmap_items")
    assert rows == [("planned", "", 0)]
    for table in ("roadmap_history", "roadmap_trips"):
        assert await _count(app, table) == 0
    # The services refuse members too, whatever calls them.
    with pytest.raises(UserError):
        await app.dp["roadmap"].service.change_status(
            actor_id=member.id,
            actor_access=Access.MEMBER,
            item_id=item,
            status="done",
            now=utc_now(),
        )


async def test_stale_buttons_of_organisers_get_a_polite_answer(
    app: RunningBot, admin: TgUser
) -> None:
    await admin.send("/roadmap")
    assert "Пунктов дорожной карты пока нет" in admin.last_text
    calls = await admin.press_data(RmOrgCb(action=RmOrgAction.STATUS, id=99).pack())
    answer = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "Такого пункта дорожной карты нет" in answer.params.get("text", "")
    calls = await admin.press_data(RmCb(action=RmAction.ITEM, id=99).pack())
    answer = [c for c in calls if c.method == "answerCallbackQuery"][-1]
    assert "Такого пункта дорожной карты нет" in answer.params.get("text", "")


async def test_directions_are_paged_by_eight(app: RunningBot, member: TgUser) -> None:
    assert app.db is not None
    items = [item_yaml(f"i{n}", n, title=f"Пункт {n}") for n in range(1, 11)]
    await seed(app.db, roadmap_yaml(*items))
    await member.send("/roadmap")
    await member.press("Образование · 0/10")
    labels = member.labels()
    assert labels[:8] == [f"🗓 {n}. Пункт {n}" for n in range(1, 9)]
    assert "1/2" in labels
    await member.press("▶")
    assert member.labels()[:2] == ["🗓 9. Пункт 9", "🗓 10. Пункт 10"]


# Personal data


async def test_mydata_and_forget_cover_followers(
    app: RunningBot, admin: TgUser, member: TgUser
) -> None:
    assert app.db is not None
    await seed(app.db, roadmap_yaml(item_yaml("edu", 3)))
    await member.send("/roadmap")
    await member.press("🔔 Следить за дорожной картой")
    await member.send("/mydata")
    texts = member.texts()
    assert any("Вы следите за дорожной картой с" in text for text in texts)
    document = app.telegram.messages(member.id)[-1].document
    assert document is not None
    assert json.loads(document[1])["roadmap"]["status_changes_made"] == 0
    await member.send("/forget")
    await member.press("🗑 Да, удалить мои данные")
    assert await _count(app, "roadmap_followers") == 0
    assert "подписка на дорожную карту: 1" in member.last_text

    # An organiser's changes stay with their id, like their other records.
    item = await _item_id(app, "edu")
    await app.dp["roadmap"].service.change_status(
        actor_id=ADMIN_ID, actor_access=Access.ADMIN, item_id=item, status="done", now=utc_now()
    )
    await admin.send("/mydata")
    assert any(
        "Изменений статусов пунктов, сделанных вами как организатором: 1" in text
        for text in admin.texts()
    )
