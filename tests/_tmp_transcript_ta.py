from tests.test_trip_admin import *  # noqa

async def test_transcript(app, admin, make_user):
    trip_id = await _trip(app, capacity=1, questions=(Question("q1", "choice", "Питание", True, ("А", "Б")),))
    await admin.send("/organiser")
    await admin.press("🗂 Все поездки")
    await admin.press_data(TripCb(action=TripAction.EDIT, id=trip_id).pack())
    await admin.press("Вопросы")
    await admin.press("Готово")
    await admin.press_data(TripCb(action=TripAction.STATUS, id=trip_id).pack())
    await admin.press("→ Запись закрыта")
    await admin.press_data(TripCb(action=TripAction.CANCEL_TRIP, id=trip_id).pack())
    await admin.send("Причина")
    for m in app.telegram.messages(admin.id):
        print("-----\n" + m.plain_text())
        print([b["text"] for b in m.buttons()])
