"""A trip's participants for organisers: counts by status and a paged list."""

from __future__ import annotations

from bot.trips.registration import RegistrationService
from handlers.trips.callbacks import ParticipantsPageCb, TripAction, TripCb
from storage.db import utc_now
from tests.conftest import RunningBot, TgUser
from tests.import_data import PROGRAMME, add_person, register, seed, trip_id, trip_yaml

PEOPLE = 14


async def _full_trip(app: RunningBot) -> int:
    """3 seats: 3 approved, 10 in the waiting list, 1 who left the line."""
    assert app.db is not None
    await seed(app.db, PROGRAMME + "trips:" + trip_yaml(capacity=3))
    trip = await trip_id(app.db)
    for number in range(1, PEOPLE + 1):
        name = "<b>Жирный</b> & Co" if number == 2 else f"Участник {number:02}"
        await add_person(app, 3000 + number, name, organisation=f"Школа № {number}")
        await register(app, trip, 3000 + number)
    service: RegistrationService = app.dp["trips"].registration
    leaving = await app.dp["trips"].registrations.active_for(trip_id=trip, tg_id=3005)
    await service.cancel(registration_id=leaving.id, tg_id=3005, now=utc_now())
    return trip


def _alert(app: RunningBot) -> str:
    answer = app.telegram.calls_of("answerCallbackQuery")[-1].params
    assert answer.get("show_alert") is True
    return answer["text"]


async def test_counts_and_pages(app: RunningBot, admin: TgUser) -> None:
    trip = await _full_trip(app)
    await admin.press_data(TripCb(action=TripAction.PARTICIPANTS, id=trip).pack())
    lines = admin.last_text.splitlines()
    assert lines[:5] == [
        "Участники: Педагоги в Минске",
        "Всего заявок: 14",
        "Одобрены: 3",
        "В листе ожидания: 10",
        "Отменили участие: 1",
    ]
    listed = [line for line in lines if line[:1].isdigit()]
    assert listed[:3] == [
        "1. Участник 01 — Школа № 1 · Одобрена",
        "2. <b>Жирный</b> & Co — Школа № 2 · Одобрена",  # shown as typed, not as bold
        "3. Участник 03 — Школа № 3 · Одобрена",
    ]
    assert listed[3] == "4. Участник 04 — Школа № 4 · в листе ожидания, № 1"
    assert listed[4] == "5. Участник 06 — Школа № 6 · в листе ожидания, № 2"
    assert len(listed) == 10 and lines[-1] == "Страница 1 из 2"
    assert admin.labels() == ["1/2", "▶", "📥 Выгрузить XLSX и CSV", "← К поездке"]

    await admin.press("▶")
    listed = [line for line in admin.last_text.splitlines() if line[:1].isdigit()]
    assert listed == [
        "11. Участник 12 — Школа № 12 · в листе ожидания, № 8",
        "12. Участник 13 — Школа № 13 · в листе ожидания, № 9",
        "13. Участник 14 — Школа № 14 · в листе ожидания, № 10",
        "14. Участник 05 — Школа № 5 · Отменена",
    ]
    assert admin.last_text.endswith("Страница 2 из 2")
    assert admin.labels()[:2] == ["◀", "2/2"]
    await admin.press("◀")
    assert "1. Участник 01" in admin.last_text

    # A stale page number shows the last page there is.
    await admin.press_data(ParticipantsPageCb(trip_id=trip, page=7).pack())
    assert admin.last_text.endswith("Страница 2 из 2")


async def test_an_empty_trip(app: RunningBot, admin: TgUser) -> None:
    assert app.db is not None
    await seed(app.db, PROGRAMME + "trips:" + trip_yaml())
    await admin.press_data(TripCb(action=TripAction.PARTICIPANTS, id=await trip_id(app.db)).pack())
    assert "Всего заявок: 0" in admin.last_text
    assert "Пока никто не записался." in admin.last_text
    assert admin.labels() == ["← К поездке"]
    await admin.press_data(TripCb(action=TripAction.PARTICIPANTS, id=9999).pack())
    assert _alert(app) == "Поездка не найдена: возможно, её удалили."


async def test_members_are_refused_and_organisers_let_in(
    app: RunningBot, admin: TgUser, member: TgUser
) -> None:
    trip = await _full_trip(app)
    before = member.last_text
    for data in (
        TripCb(action=TripAction.PARTICIPANTS, id=trip).pack(),
        ParticipantsPageCb(trip_id=trip, page=1).pack(),
    ):
        await member.press_data(data)
        assert _alert(app) == "Это действие доступно только организаторам."
        assert member.last_text == before
    assert not any("Участник" in text for text in member.texts())

    await admin.send(f"/grant {member.id}")
    await member.press_data(TripCb(action=TripAction.PARTICIPANTS, id=trip).pack())
    assert member.last_text.startswith("Участники: Педагоги в Минске")


async def test_from_the_trip_card_and_back(app: RunningBot, admin: TgUser) -> None:
    trip = await _full_trip(app)
    await admin.send(f"/start trip_{trip}")
    await admin.press("👥 Участники")
    assert admin.last_text.startswith("Участники: Педагоги в Минске")
    await admin.press("📥 Выгрузить XLSX и CSV")
    names = [m.document[0] for m in app.telegram.messages(admin.id) if m.document is not None]
    assert [name.rsplit(".", 1)[1] for name in names] == ["xlsx", "csv"]
    await admin.press("← К поездке")
    assert "👥 Участники" in admin.labels()
