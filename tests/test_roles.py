"""Admins, organisers and members: invites, /grant, /revoke, menus, refusals."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.kit.callbacks import MenuCb, MenuItem
from storage.db import utc_now
from storage.invites import InviteRepo
from tests.conftest import ADMIN_ID, RunningBot, TgUser, onboard


async def _is_organiser(app: RunningBot, tg_id: int) -> bool:
    assert app.db is not None
    async with app.db.read.execute(
        "SELECT is_organiser FROM people WHERE tg_id = ?", (tg_id,)
    ) as cur:
        row = await cur.fetchone()
    return bool(row and row[0])


def _invite_payload(text: str) -> str:
    match = re.search(r"start=(invite_[A-Za-z0-9_-]+)", text)
    assert match, text
    return match[1]


async def test_default_menus_in_both_languages(app: RunningBot) -> None:
    ru = app.telegram.commands_for(scope="default")
    be = app.telegram.commands_for(scope="default", language_code="be")
    assert (
        ru
        == be
        == [
            "start",
            "trips",
            "mytrips",
            "events",
            "myevents",
            "school",
            "telebridges",
            "roadmap",
            "profile",
            "mydata",
            "language",
            "help",
            "cancel",
        ]
    )
    descriptions = app.telegram.commands[("default", "be")]
    assert any(item["description"] == "Змяніць мову" for item in descriptions)
    # The admin has a personal menu with admin commands; nobody else gets them by default.
    admin_menu = app.telegram.commands_for(scope=f"chat:{ADMIN_ID}")
    assert "grant" in admin_menu and "audit" in admin_menu
    assert "grant" not in ru and "audit" not in ru
    assert "organiser" not in ru and "report" not in ru
    assert "report" in admin_menu and "roadmap" in ru


async def test_invite_link_makes_an_organiser(app: RunningBot, admin: TgUser, make_user) -> None:
    await admin.send("/invite")
    assert "Ссылка-приглашение" in admin.last_text
    payload = _invite_payload(admin.last_text)

    newcomer: TgUser = make_user(3001, first_name="Никита")
    await onboard(newcomer, name="Никита Белов", start=f"/start {payload}")
    assert any("Теперь вы организатор" in text for text in newcomer.texts())
    assert await _is_organiser(app, 3001)
    assert app.telegram.commands.get((f"chat:{3001}", "")) is not None
    assert "Никита Белов" in admin.last_text and "принял ваше приглашение" in admin.last_text

    # The same link a second time, by someone else: refused, nothing changes.
    other: TgUser = make_user(3002)
    await onboard(other)
    await other.send(f"/start {payload}")
    assert "уже использована" in other.last_text
    assert not await _is_organiser(app, 3002)


async def test_expired_invite(app: RunningBot, admin: TgUser, member: TgUser) -> None:
    assert app.db is not None
    past = utc_now() - timedelta(days=8)
    await InviteRepo(app.db).create(
        code="oldcode123", created_by=ADMIN_ID, now=past, expires_at=past + timedelta(days=7)
    )
    await member.send("/start invite_oldcode123")
    assert "истёк" in member.last_text
    assert not await _is_organiser(app, member.id)
    await member.send("/start invite_doesnotexist")
    assert "не найдено" in member.last_text


async def test_grant_and_revoke(app: RunningBot, admin: TgUser, member: TgUser) -> None:
    await admin.send(f"/grant {member.id}")
    assert "теперь организатор" in admin.last_text
    assert await _is_organiser(app, member.id)
    assert "Вам выданы права организатора" in member.last_text
    assert app.telegram.commands_for(scope=f"chat:{member.id}")

    await admin.send(f"/grant {member.id}")
    assert "уже организатор" in admin.last_text

    await admin.send(f"/revoke {member.id}")
    assert "больше не организатор" in admin.last_text
    assert not await _is_organiser(app, member.id)
    assert (f"chat:{member.id}", "") not in app.telegram.commands
    assert "права организатора сняты" in member.last_text

    await admin.send("/grant abc")
    assert "числовой Telegram id" in admin.last_text
    await admin.send(f"/revoke {ADMIN_ID}")
    assert "администратор бота" in admin.last_text


async def test_member_cannot_use_admin_commands(app: RunningBot, member: TgUser, admin) -> None:
    calls_before = len(app.telegram.calls_of("setMyCommands"))
    for command in (f"/grant {member.id}", f"/revoke {ADMIN_ID}", "/invite", "/grant"):
        await member.send(command)
        assert "только администраторам" in member.last_text
    assert not await _is_organiser(app, member.id)
    assert len(app.telegram.calls_of("setMyCommands")) == calls_before
    assert app.db is not None
    async with app.db.read.execute("SELECT COUNT(*) FROM invites") as cur:
        assert (await cur.fetchone())[0] == 0


async def test_organiser_is_not_an_admin(app: RunningBot, admin: TgUser, member: TgUser) -> None:
    await admin.send(f"/grant {member.id}")
    await member.send("/grant 424242")
    assert "только администраторам" in member.last_text
    assert not await _is_organiser(app, 424242)


async def test_forged_callbacks_change_nothing(app: RunningBot, member: TgUser) -> None:
    # The admin-only menu item, pressed by a member who built the callback data by hand.
    calls = await member.press_data(MenuCb(item=MenuItem.INVITE).pack())
    alerts = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(alerts) == 1 and "только администраторам" in alerts[0].params["text"]
    assert app.db is not None
    async with app.db.read.execute("SELECT COUNT(*) FROM invites") as cur:
        assert (await cur.fetchone())[0] == 0

    # Garbage and out-of-range values: answered, nothing written.
    for data in ("menu:nonexistent", "cty:p:999", "rol:p:king", "x" * 64, "pe:bogus"):
        calls = await member.press_data(data)
        assert [c.method for c in calls].count("answerCallbackQuery") == 1
    async with app.db.read.execute(
        "SELECT city_id, role FROM people WHERE tg_id = ?", (member.id,)
    ) as cur:
        assert tuple(await cur.fetchone()) == (1, "teacher")


async def test_invite_for_admin_only_via_menu(app: RunningBot, admin: TgUser) -> None:
    await admin.send("/start")
    assert "➕ Пригласить организатора" in admin.labels()
    await admin.press("➕ Пригласить организатора")
    assert "Ссылка-приглашение" in admin.last_text
