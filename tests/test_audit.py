"""The audit log: an entry for every kind of organiser and admin action, written with the
action itself; /audit for admins with paging and filters."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import bot
from bot.broadcasts.service import Segment, SegmentKind
from bot.core.errors import UserError
from bot.core.roles import Access
from bot.staff import audit as audit_module
from bot.staff.audit import ObjectKind, changes, parse_filter
from handlers.staff.audit import AuditCb
from handlers.trips.callbacks import TripAction, TripCb
from storage.audit import AuditFilter, AuditRepo
from storage.broadcasts import Source
from storage.db import utc_now
from storage.events import NewEvent
from storage.trips import NewProgramme, NewTrip
from tests.conftest import ADMIN_ID, RunningBot, TgUser, onboard
from tests.event_seed import add_event
from tests.import_data import PROGRAMME, add_person, register, seed, trip_yaml
from tests.roadmap_seed import add_school, item_yaml, roadmap_yaml
from tests.trip_seed import MINSK, SOCHI, add_programme, add_trip


async def _entries(app: RunningBot) -> list[dict[str, Any]]:
    assert app.db is not None
    async with app.db.read.execute(
        "SELECT actor_id, action, object_kind, object_id, diff FROM audit_log ORDER BY id"
    ) as cur:
        return [
            {
                "actor": row[0],
                "action": row[1],
                "kind": row[2],
                "id": row[3],
                "diff": json.loads(row[4]),
            }
            for row in await cur.fetchall()
        ]


def _new_trip(programme_id: int, *, capacity: int = 2) -> NewTrip:
    starts = (utc_now() + timedelta(days=40)).replace(microsecond=0)
    return NewTrip(
        programme_id=programme_id,
        title="Педагоги в Минске",
        from_city_id=SOCHI,
        to_city_id=MINSK,
        starts_at=starts,
        ends_at=starts + timedelta(days=3),
        registration_deadline=starts - timedelta(days=5),
        capacity=capacity,
        needs_approval=True,
        description="",
        status="open",
    )


async def test_every_kind_of_action_is_written_with_who_what_and_a_diff(
    app: RunningBot, admin: TgUser
) -> None:
    assert app.db is not None
    await add_person(app, 3001, "Ирина Организаторова")
    await add_person(app, 3002, "Олег Петров")
    await add_person(app, 3003, "Анна Смирнова")
    # Rights, through the bot.
    await admin.send("/grant 3001")
    await admin.send("/revoke 3001")
    await admin.send("/invite")
    # Programmes and trips.
    trip_admin = app.dp["trips"].admin
    programme = await trip_admin.save_programme(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        programme=NewProgramme("education", "Обмен опытом", "", ("teacher",)),
    )
    await trip_admin.save_programme(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        programme=NewProgramme("education", "Обмен педагогическим опытом", "", ("teacher",)),
        programme_id=programme,
    )
    saved = await trip_admin.create_trip(
        actor_id=ADMIN_ID, actor_access=Access.ADMIN, trip=_new_trip(programme), now=utc_now()
    )
    trip = saved.trip_id
    await trip_admin.update_trip(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        trip_id=trip,
        trip=_new_trip(programme, capacity=5),
        now=utc_now(),
    )
    # Decisions on registrations.
    first = await register(app, trip, 3002)
    second = await register(app, trip, 3003)
    registration = app.dp["trips"].registration
    for item, approve in ((first, True), (second, False)):
        await registration.decide(
            registration_id=item.registration_id,
            actor_id=ADMIN_ID,
            actor_access=Access.ADMIN,
            approve=approve,
            now=utc_now(),
        )
    # Status and cancellation, through the bot's buttons.
    await admin.press_data(TripCb(action=TripAction.STATUS, id=trip).pack())
    await admin.press("→ Запись закрыта")
    await admin.press("Да, изменить статус")
    await admin.press_data(TripCb(action=TripAction.EXPORT, id=trip).pack())
    await admin.press_data(TripCb(action=TripAction.CANCEL_TRIP, id=trip).pack())
    await admin.send("Перенос форума")
    await admin.press("Да, отменить поездку")
    # Events.
    events = app.dp["events"].service
    starts = (utc_now() + timedelta(days=20)).replace(microsecond=0)
    event = NewEvent("forum", "Форум", MINSK, "", starts, starts + timedelta(hours=5), "")
    change = await events.save(
        actor_id=ADMIN_ID, actor_access=Access.ADMIN, event=event, now=utc_now()
    )
    moved = NewEvent("forum", "Форум", MINSK, "", starts, starts + timedelta(hours=6), "")
    await events.save(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        event=moved,
        now=utc_now(),
        event_id=change.event.id,
    )
    await events.cancel(actor_access=Access.ADMIN, event_id=change.event.id, actor_id=ADMIN_ID)
    # Broadcasts: sent (then stopped), scheduled (then withdrawn).
    broadcasts = app.dp["broadcasts"].service
    message = app.telegram.last_message(ADMIN_ID)
    source = Source(chat_id=ADMIN_ID, message_id=message.message_id, kind="text")
    segment = Segment(kind=SegmentKind.CITY, city_id=MINSK)
    sent = await broadcasts.send_now(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        segment=segment,
        source=source,
        now=utc_now(),
        progress=(ADMIN_ID, message.message_id),
    )
    later = await broadcasts.schedule(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        segment=segment,
        source=source,
        at=utc_now() + timedelta(days=1),
        now=utc_now(),
    )
    await broadcasts.stop(
        actor_id=ADMIN_ID, actor_access=Access.ADMIN, broadcast_id=sent.id, now=utc_now()
    )
    await broadcasts.withdraw(
        actor_id=ADMIN_ID, actor_access=Access.ADMIN, broadcast_id=later.id, now=utc_now()
    )
    with pytest.raises(UserError):  # withdrawn already: refused, and no second entry
        await broadcasts.withdraw(
            actor_id=ADMIN_ID, actor_access=Access.ADMIN, broadcast_id=later.id, now=utc_now()
        )
    # An import, from the shell (no actor).
    await seed(app.db, PROGRAMME + "trips:" + trip_yaml())

    entries = await _entries(app)
    kinds = [(e["action"], e["kind"]) for e in entries]
    assert kinds == [
        ("grant", "person"),
        ("revoke", "person"),
        ("invite", "invite"),
        ("create", "programme"),
        ("edit", "programme"),
        ("create", "trip"),
        ("edit", "trip"),
        ("approve", "registration"),
        ("reject", "registration"),
        ("status", "trip"),
        ("export", "trip"),
        ("cancel", "trip"),
        ("create", "event"),
        ("edit", "event"),
        ("cancel", "event"),
        ("broadcast", "broadcast"),
        ("schedule", "broadcast"),
        ("stop", "broadcast"),
        ("withdraw", "broadcast"),
        ("import", "import"),
    ]
    assert all(e["actor"] == ADMIN_ID for e in entries[:-1])
    assert entries[-1]["actor"] is None  # the command line
    by_kind = {(e["action"], e["kind"]): e for e in entries}
    assert by_kind[("grant", "person")]["id"] == 3001
    assert by_kind[("edit", "programme")]["diff"] == {
        "title": ["Обмен опытом", "Обмен педагогическим опытом"]
    }
    assert by_kind[("edit", "trip")]["diff"] == {"capacity": [2, 5]}
    assert by_kind[("approve", "registration")]["diff"]["status"] == ["pending", "approved"]
    assert by_kind[("status", "trip")]["diff"] == {"status": ["open", "closed"]}
    assert by_kind[("export", "trip")]["diff"] == {"rows": 2}
    assert by_kind[("cancel", "trip")]["diff"]["reason"] == "Перенос форума"
    assert by_kind[("broadcast", "broadcast")]["id"] == sent.id
    assert by_kind[("broadcast", "broadcast")]["diff"]["recipients"] == 1
    assert by_kind[("import", "import")]["diff"] == {"programmes_created": 1, "trips_created": 1}
    assert "code" not in json.dumps(by_kind[("invite", "invite")]["diff"])  # the secret stays out
    # Names, phones and answers never go into the log.
    dump = json.dumps(entries, ensure_ascii=False)
    assert "Олег" not in dump and "Ирина" not in dump


async def test_a_refused_action_leaves_no_entry(app: RunningBot, admin: TgUser) -> None:
    trip_admin = app.dp["trips"].admin
    await trip_admin.save_programme(
        actor_id=ADMIN_ID,
        actor_access=Access.ADMIN,
        programme=NewProgramme("education", "Обмен опытом", "", ()),
    )
    before = len(await _entries(app))
    with pytest.raises(UserError):
        await trip_admin.save_programme(
            actor_id=ADMIN_ID,
            actor_access=Access.MEMBER,
            programme=NewProgramme("education", "Чужая", "", ()),
        )
    with pytest.raises(UserError):
        await trip_admin.change_status(
            actor_access=Access.ADMIN, trip_id=9999, status="closed", now=utc_now()
        )
    await admin.send("/revoke 4242")  # not an organiser: nothing changes, nothing is written
    assert len(await _entries(app)) == before == 1


def test_audit_filter_syntax() -> None:
    assert parse_filter("") == AuditFilter()
    assert parse_filter(" 12345 ") == AuditFilter(person_id=12345)
    assert parse_filter("person 12345") == AuditFilter(person_id=12345)
    assert parse_filter("Trip 7") == AuditFilter(object_kind="trip", object_id=7)
    assert parse_filter("import") == AuditFilter(object_kind="import")
    assert parse_filter("telebridge 3") == AuditFilter(object_kind="telebridge", object_id=3)
    for wrong in ("trip seven", "trip 7 8", "поездка 7", "-5", "x"):
        with pytest.raises(UserError):
            parse_filter(wrong)
    assert changes({"a": 1, "b": "x"}, {"a": 2, "b": "x"}) == {"a": [1, 2]}


async def test_audit_command_pages_filters_and_refuses_others(
    app: RunningBot, admin: TgUser, member: TgUser, make_user: Callable[..., TgUser]
) -> None:
    for tg_id in (3001, 3002):
        await add_person(app, tg_id, f"Человек {tg_id}")
    for _ in range(3):
        for tg_id in (3001, 3002):
            await admin.send(f"/grant {tg_id}")
            await admin.send(f"/revoke {tg_id}")
    await admin.send("/invite")

    await admin.send("/audit")
    text = admin.last_text
    assert "Журнал действий · все записи · записей: 13 · стр. 1 из 2" in text
    assert "приглашение организатора · приглашение" in text  # newest first
    assert "Ольга Админова (1000)" in text
    assert text.count("Ольга Админова") == 10
    [newest] = await _latest_times(app)
    minsk = newest.astimezone(ZoneInfo("Europe/Minsk")).strftime("%d.%m.%Y %H:%M")
    assert text.splitlines()[2].startswith(minsk)  # the admin's city time
    assert admin.labels() == ["1/2", "▶", "☰ Главное меню"]
    await admin.press("▶")
    assert "стр. 2 из 2" in admin.last_text
    assert admin.last_text.count("Ольга Админова") == 3

    await admin.send("/audit 3001")
    assert "человек 3001 · записей: 6" in admin.last_text
    assert "человек 3002" not in admin.last_text
    await admin.send("/audit person 3002")
    assert "записей: 6" in admin.last_text
    await admin.send("/audit trip 1")
    assert "поездка 1 · записей: 0" in admin.last_text and "Записей нет" in admin.last_text
    await admin.send("/audit help")
    assert "/audit trip 7" in admin.last_text
    await admin.send("/audit поездка семь")
    assert "Не понял" in admin.last_text and "/audit 12345" in admin.last_text

    # Nobody else may look, whatever they type or press.
    organiser = make_user(3003, first_name="Ирина")
    await onboard(organiser, name="Ирина Организаторова")
    await admin.send("/grant 3003")
    for user in (member, organiser):
        await user.send("/audit")
        assert "только администраторам" in user.last_text
        calls = await user.press_data(AuditCb(page=0).pack())
        [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
        assert "только администраторам" in answer.params.get("text", "")
    assert "audit" in app.telegram.commands_for(scope=f"chat:{ADMIN_ID}")
    assert "audit" not in app.telegram.commands_for(scope="chat:3003")


async def _latest_times(app: RunningBot) -> list[Any]:
    assert app.db is not None
    entries, _ = await AuditRepo(app.db).page(AuditFilter(), limit=1, offset=0)
    return [entry.at for entry in entries]


def _audited_kinds() -> set[str]:
    """The object kinds the code writes to the log, read from every audit call in bot/."""
    kinds: set[str] = set()
    for path in Path(bot.__file__).parent.rglob("*.py"):
        source = path.read_text("utf-8")
        calls = re.finditer(r"audit\.(?:record|entry|record_saved)\((.{0,400}?)\)", source, re.S)
        for call in calls:
            found = re.search(r'kind=(?:"(\w+)"|ObjectKind\.(\w+)|(OBJECT_KIND))', call[1])
            assert found, f"{path.name}: an audit call whose kind the test cannot read"
            if found[1]:
                kinds.add(found[1])
            elif found[2]:
                kinds.add(ObjectKind[found[2]].value)
            else:
                root = Path(bot.__file__).parent.parent
                name = ".".join(path.relative_to(root).with_suffix("").parts)
                module = importlib.import_module(name)
                kinds.add(module.OBJECT_KIND)
    return kinds


async def test_every_kind_of_object_is_named_as_people_know_it(
    app: RunningBot, admin: TgUser
) -> None:
    """A roadmap item by its number, trips and events by title, people by name..."""
    db = app.db
    assert db is not None
    await add_person(app, 3001, "Ирина Организаторова")
    await add_person(app, 3002, "Олег Петров")
    programme = await add_programme(db, title="Обмен опытом")
    trip = await add_trip(db, programme_id=programme, title="Педагоги <b>в</b> Минске")
    registration = (await register(app, trip, 3002)).registration_id
    event = await add_event(db, title="Форум молодёжи")
    school = await add_school(db, "Гимназия № 7", SOCHI)
    await seed(db, roadmap_yaml(item_yaml("r1", 29, title="Летние лагеря")))
    repo = AuditRepo(db)
    roadmap_id = await repo.roadmap_id(number=29)
    assert roadmap_id is not None and roadmap_id != 29
    # (kind, id, the words of its line in /audit, how /audit finds it)
    expected = [
        ("person", 3001, "человек Ирина Организаторова (3001)", "/audit 3001"),
        ("programme", programme, "программа «Обмен опытом»", f"/audit programme {programme}"),
        ("trip", trip, "поездка «Педагоги <b>в</b> Минске»", f"/audit trip {trip}"),
        (
            "registration",
            registration,
            "заявка: Олег Петров, «Педагоги <b>в</b> Минске»",
            f"/audit registration {registration}",
        ),
        ("event", event, "мероприятие «Форум молодёжи»", f"/audit event {event}"),
        ("broadcast", 7, "рассылка №7", "/audit broadcast 7"),
        ("institution", school, "учреждение «Гимназия № 7»", f"/audit institution {school}"),
        ("roadmap", roadmap_id, "пункт дорожной карты №29 «Летние лагеря»", "/audit roadmap 29"),
        ("import", None, "загрузка файла · импорт", "/audit import"),
        ("invite", None, "приглашение организатора · приглашение", "/audit invite"),
        ("report", None, "выгрузка участников · отчёт", "/audit report"),
        ("trip", 999, "поездка 999", "/audit trip 999"),  # deleted since: its id is all left
    ]
    assert _audited_kinds() <= {kind for kind, *_ in expected}
    actions = {"import": "import", "invite": "invite", "report": "export"}
    for kind, object_id, _, _ in expected:
        action = actions.get(kind, "edit")
        await repo.add(
            audit_module.entry(actor=ADMIN_ID, action=action, kind=kind, object_id=object_id)
        )
    for kind, _, words, command in expected:
        await admin.send(command)
        assert words in admin.last_text, (kind, admin.last_text)
