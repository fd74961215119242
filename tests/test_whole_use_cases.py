"""A use case is whole: the change, its audit entry and the notices it causes commit in
one transaction, so a crash can never leave a person approved but untold."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from handlers.trips.callbacks import TripAction, TripCb
from storage.db import Database, utc_now
from tests.conftest import ADMIN_ID, TOKEN, RunningBot, TgUser, make_settings, onboard
from tests.fake_telegram import FakeTelegram
from tests.import_data import PROGRAMME, add_person, register, seed, trip_id, trip_yaml
from tests.test_cli import _env
from tests.trip_seed import add_programme, add_trip

MEMBER = 6300
OLD, NEW = 4001, 4002


async def _rows(db: Database, sql: str, *params: object) -> list[tuple[object, ...]]:
    async with db.read.execute(sql, params) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def test_killed_right_after_an_approval_the_member_is_still_told(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    """`python -m bot` is killed with SIGKILL while it answers the organiser's
    "Одобрить" (the approval is committed, the organiser's message not yet edited). The
    approval's notice was committed with it: after a restart the member is told, once.
    (Before, the handler queued the notice after the service had committed, and this
    kill lost it.)"""
    env = _env(
        tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.base_url, ADMIN_IDS=str(ADMIN_ID)
    )
    settings = make_settings(telegram, Path(env["DATABASE_PATH"]))
    env["DATABASE_URL"] = settings.store_url  # the test's PostgreSQL schema, or the file
    app = RunningBot(telegram, settings)
    await app.start()
    try:
        assert app.db is not None
        admin = TgUser(app, ADMIN_ID)
        await onboard(admin, name="Ольга Админова", city="Минск")
        member = TgUser(app, MEMBER)
        await onboard(member, name="Пётр Участник")
        programme = await add_programme(app.db, audience=())
        trip_id = await add_trip(
            app.db, programme_id=programme, needs_approval=True, organisers=(ADMIN_ID,)
        )
        await member.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
        await member.press("✅ Подтвердить")
        assert "Организатор рассмотрит" in member.last_text
        message, button = admin.find_button("✅ Одобрить")
        press = admin.updates.callback(message, button["callback_data"])
    finally:
        await app.stop()
    told_before = len(telegram.messages(MEMBER))

    # The organiser's message is edited after the approval is committed: that call
    # stalls, and the process is killed there. The member's notice stalls too, so it
    # cannot slip out before the kill.
    edit = telegram.hold_next("editMessageText")
    notice = telegram.hold_next("sendMessage")
    polls = telegram.get_updates_calls
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(20):
            while telegram.get_updates_calls == polls:
                assert process.returncode is None
                await asyncio.sleep(0.02)
            telegram.add_update(press)
            await edit.arrived.wait()
    finally:
        process.kill()
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    edit.drop()
    notice.drop()

    app = RunningBot(telegram, settings)
    await app.start()
    try:
        assert app.db is not None
        status = await _rows(app.db, "SELECT status FROM registrations WHERE tg_id = ?", MEMBER)
        assert status == [("approved",)]
        audit = await _rows(app.db, "SELECT action FROM audit_log WHERE action = 'approve'")
        assert len(audit) == 1
        await app.dp["delivery"].engine.wait_idle(10)
        told = [m.plain_text() for m in telegram.messages(MEMBER)[told_before:]]
        assert len(told) == 1 and "одобрена" in told[0], told
    finally:
        await app.stop()


async def test_a_refused_change_queues_no_notice(app: RunningBot, make_user) -> None:
    """Nothing is told of a change that did not happen: the second of two organisers'
    decisions is refused, and only the first decision reaches the member."""
    assert app.db is not None
    admin = make_user(ADMIN_ID)
    await onboard(admin, name="Ольга Админова", city="Минск")
    member = make_user(MEMBER)
    await onboard(member, name="Пётр Участник")
    programme = await add_programme(app.db, audience=())
    trip_id = await add_trip(
        app.db, programme_id=programme, needs_approval=True, organisers=(ADMIN_ID,)
    )
    await member.press_data(TripCb(action=TripAction.REGISTER, id=trip_id).pack())
    await member.press("✅ Подтвердить")
    before = await _rows(app.db, "SELECT COUNT(*) FROM outbox WHERE chat_id = ?", MEMBER)
    approve = admin.find_button("✅ Одобрить")[1]["callback_data"]
    await admin.press("✅ Одобрить")
    await admin.press_data(approve)  # a second organiser's tap, or a stale copy
    after = await _rows(app.db, "SELECT COUNT(*) FROM outbox WHERE chat_id = ?", MEMBER)
    assert int(str(after[0][0])) == int(str(before[0][0])) + 1
    decisions = [t for t in member.texts() if "одобрена" in t]
    assert len(decisions) == 1


async def _outbox_chats(db: Database, needle: str) -> list[int]:
    async with db.read.execute(
        "SELECT chat_id FROM outbox WHERE text LIKE ? ORDER BY id", (f"%{needle}%",)
    ) as cur:
        return [row[0] for row in await cur.fetchall()]


async def test_import_changing_organisers_and_seats_asks_the_new_organisers(
    app: RunningBot,
) -> None:
    """An import hands a trip to another organiser and adds a seat: the person moved up
    from the waiting list (approval needed) must be sent to the trip's organisers as the
    file leaves them, not as they were before the import."""
    assert app.db is not None
    staff = app.dp["staff"].organisers
    for tg_id, name in ((OLD, "Старый Организатор"), (NEW, "Новый Организатор")):
        await add_person(app, tg_id, name)
        await staff.grant(actor_id=None, target=tg_id)
    await add_person(app, 3001, "Первый Участник")
    await add_person(app, 3002, "Второй Участник")
    trips = lambda organiser, capacity: (  # noqa: E731
        PROGRAMME
        + "trips:"
        + trip_yaml(capacity=capacity, approval="да", extra=f"    organisers: [{organiser}]\n")
    )
    await seed(app.db, trips(OLD, 1))
    trip = await trip_id(app.db)
    await register(app, trip, 3001)
    waiting = await register(app, trip, 3002)
    assert waiting.status == "waitlisted"
    summary = await seed(app.db, trips(NEW, 2))
    assert len(summary.promotions) == 1
    assert await app.dp["trips"].repo.organisers(trip_id=trip) == [NEW]
    asked = await _outbox_chats(app.db, "Второй Участник")
    assert asked == [NEW], asked


async def test_an_organiser_who_forgets_themselves_leaves_the_promoted_registration_asked(
    app: RunningBot,
) -> None:
    """The trip's only listed organiser held a seat on it and erases their data: the
    person moved up from the waiting list must still be sent to someone who can decide
    (the trip's list is read in the erasure's transaction, where they are gone: the
    other organisers and the admins are asked)."""
    assert app.db is not None
    staff = app.dp["staff"].organisers
    await add_person(app, OLD, "Уходящий Организатор")
    await add_person(app, NEW, "Другой Организатор")
    for tg_id in (OLD, NEW):
        await staff.grant(actor_id=None, target=tg_id)
    await add_person(app, 3002, "Второй Участник")
    programme = await add_programme(app.db, audience=())
    trip = await add_trip(
        app.db, programme_id=programme, capacity=1, needs_approval=True, organisers=(OLD,)
    )
    await register(app, trip, OLD)  # pending: holds the only seat
    waiting = await register(app, trip, 3002)
    assert waiting.status == "waitlisted"
    await app.dp["people"].personal_data.forget(tg_id=OLD, now=utc_now())
    async with app.db.read.execute(
        "SELECT chat_id, state FROM outbox WHERE text LIKE '%Второй Участник%'"
    ) as cur:
        rows = [tuple(r) for r in await cur.fetchall()]
    live = {chat for chat, state in rows if state != "cancelled"}
    assert live and OLD not in live, rows
