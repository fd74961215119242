"""Every question of every form, enumerated from the code, answers a wrong answer the same
way: an explanation, then the same question again with its buttons, and the form stays
where it was. The wrong answers sent at each step are a sticker and an empty text.

The states come from the code (every `StatesGroup` the handlers define); each is reached
by a path through the bot as a person takes it, and a path names the states it walks, so
`test_every_form_state_is_on_a_path` fails for a question added without a path here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

import handlers  # imports every form's states
from bot.core.config import Settings
from handlers.broadcasts.compose import BroadcastForm
from handlers.events.admin import EventForm
from handlers.people.states import Onboarding, ProfileEdit
from handlers.reports.states import ReportRange
from handlers.roadmap.states import RoadmapNotes
from handlers.telebridges.callbacks import TbAction, TbCb
from handlers.telebridges.form import TbForm
from handlers.telebridges.proposals import TbAnswer
from handlers.telebridges.schools import SchoolForm
from handlers.trips.admin_states import ProgrammeForm, TripCancel, TripForm
from handlers.trips.callbacks import RegAction, RegCb, TripAction, TripCb
from handlers.trips.registration import RegistrationForm, RejectForm
from storage.db import utc_now
from storage.trips import Question
from tests.conftest import RunningBot, TgUser, make_settings, onboard
from tests.fake_telegram import FakeTelegram
from tests.import_data import seed
from tests.roadmap_seed import item_yaml, roadmap_yaml
from tests.telebridge_steps import coordinator, press_starting, propose, sochi_time
from tests.test_telebridge_reminders import _move, _texts, _wait_for
from tests.test_wrong_answers import asked_again
from tests.trip_seed import add_programme, add_trip

assert handlers  # imported for its side effect: every StatesGroup is defined
YEAR = utc_now().year + 2


def _groups(group: type[StatesGroup] = StatesGroup) -> Iterator[type[StatesGroup]]:
    for sub in group.__subclasses__():
        yield sub
        yield from _groups(sub)


ALL_STATES = sorted(state.state for group in _groups() for state in group.__all_states__)


@pytest.fixture
def settings(telegram: FakeTelegram, db_path: Path) -> Settings:
    # The question after a telebridge comes seconds after it ends (report_text, _photo).
    return make_settings(telegram, db_path, telebridge_reminders="3s")


class Walk:
    """Checks a person's current question against the wrong answers, and keeps the
    states it checked, in order."""

    def __init__(self, app: RunningBot) -> None:
        self.app = app
        self.visited: list[str] = []

    async def state_of(self, user: TgUser) -> str | None:
        key = StorageKey(bot_id=self.app.bot.id, chat_id=user.id, user_id=user.id)
        return await self.app.dp.fsm.storage.get_state(key)

    async def at(self, user: TgUser, state: State) -> None:
        assert await self.state_of(user) == state.state, (
            await self.state_of(user),
            user.last_text,
        )
        for wrong in (
            lambda: user.app.process(user.updates.sticker()),
            lambda: user.send("   "),
        ):
            await asked_again(user, wrong, "")
            explanation, question = user.texts()[-2:]
            assert explanation.strip() and explanation != question, (state.state, explanation)
            assert "Что-то пошло не так" not in explanation, (state.state, explanation)
            assert await self.state_of(user) == state.state, (state.state, explanation)
        self.visited.append(state.state)


PathWalk = Callable[[RunningBot, Callable[..., TgUser], TgUser, Walk], Awaitable[None]]
PATHS: dict[str, tuple[tuple[State, ...], PathWalk]] = {}


def path(*states: State) -> Callable[[PathWalk], PathWalk]:
    def register(walk: PathWalk) -> PathWalk:
        PATHS[walk.__name__] = (states, walk)
        return walk

    return register


@path(
    Onboarding.language,
    Onboarding.consent,
    Onboarding.name,
    Onboarding.city,
    Onboarding.role,
    Onboarding.organisation,
)
async def onboarding(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    user = make_user(5001)
    await user.send("/start")
    await w.at(user, Onboarding.language)
    await user.press("Русский")
    await w.at(user, Onboarding.consent)
    await user.press("Согласен")
    await w.at(user, Onboarding.name)
    await user.send("Анна Смирнова")
    await w.at(user, Onboarding.city)
    await user.press("Сочи")
    await w.at(user, Onboarding.role)
    await user.press("Педагог")
    await w.at(user, Onboarding.organisation)


@path(
    ProfileEdit.name,
    ProfileEdit.organisation,
    ProfileEdit.phone,
)
async def profile(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    user = make_user(5002)
    await onboard(user)
    for label, state in (
        ("Имя", ProfileEdit.name),
        ("Организация", ProfileEdit.organisation),
        ("Телефон", ProfileEdit.phone),
    ):
        await user.send("/profile")
        await user.press(label)
        await w.at(user, state)
        await user.send("/cancel")


@path(RoadmapNotes.text, ReportRange.dates)
async def roadmap_and_report(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    assert app.db is not None
    await seed(app.db, roadmap_yaml(item_yaml("edu", 3, title="Обмен педагогами")))
    await admin.send("/roadmap")
    await admin.press("Образование · 0/1")
    await admin.press("🗓 3. Обмен педагогами")
    await admin.press("📝 Заметки")
    await w.at(admin, RoadmapNotes.text)
    await admin.send("/organiser")
    await admin.press("📊 Отчёт")
    await admin.press("Другие даты")
    await w.at(admin, ReportRange.dates)


@path(
    # One question of each kind (short text, date, yes/no, choice, long text).
    *[RegistrationForm.answering] * 5,
    RegistrationForm.summary,
    RegistrationForm.choosing,
    RegistrationForm.guardian_name,
    RegistrationForm.guardian_confirm,
)
async def registration(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    assert app.db is not None
    user = make_user(5003)
    await onboard(user)
    programme = await add_programme(app.db)
    trip = await add_trip(
        app.db,
        programme_id=programme,
        questions=(
            Question("child", "short_text", "Имя ребёнка", True),
            Question("born", "date", "Дата рождения", True),
            Question("hotel", "yes_no", "Нужна гостиница?", True),
            Question("food", "choice", "Питание", True, ("Обычное", "Вегетарианское")),
            Question("about", "long_text", "О себе", True),
        ),
    )
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE trips SET for_minors = TRUE WHERE id = ?", (trip,))
    await user.press_data(TripCb(action=TripAction.OPEN, id=trip).pack())
    await user.press("✍️ Записаться")
    await w.at(user, RegistrationForm.answering)
    await user.send("Вова Иванов")
    await w.at(user, RegistrationForm.answering)
    await user.send(f"01.09.{YEAR - 12}")
    await w.at(user, RegistrationForm.answering)
    await user.press("Да")
    await w.at(user, RegistrationForm.answering)
    await user.press("Обычное")
    await w.at(user, RegistrationForm.answering)
    await user.send("Люблю петь")
    await w.at(user, RegistrationForm.summary)
    await user.press("✏️ Изменить ответ")
    await w.at(user, RegistrationForm.choosing)
    await user.press("← Назад")
    await user.press("✅ Подтвердить")
    await w.at(user, RegistrationForm.guardian_name)
    await user.send("Ольга Петровна Иванова")
    await w.at(user, RegistrationForm.guardian_confirm)


@path(RejectForm.reason, TripCancel.reason, TripCancel.confirm)
async def organiser_reasons(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    assert app.db is not None
    member = make_user(5004)
    await onboard(member)
    programme = await add_programme(app.db)
    trip = await add_trip(app.db, programme_id=programme, needs_approval=True)
    registered = await app.dp["trips"].registration.register(
        trip_id=trip, tg_id=member.id, answers={}, now=utc_now()
    )
    # The organisers were sent the registration with it: delivered before going on.
    await app.dp["delivery"].engine.wait_idle(10)
    await admin.press_data(RegCb(action=RegAction.REJECT, id=registered.registration_id).pack())
    await w.at(admin, RejectForm.reason)
    await admin.press("Отмена")
    await admin.press_data(TripCb(action=TripAction.CANCEL_TRIP, id=trip).pack())
    await w.at(admin, TripCancel.reason)
    await admin.send("Перенос")
    await w.at(admin, TripCancel.confirm)


@path(
    ProgrammeForm.direction,
    ProgrammeForm.title,
    ProgrammeForm.description,
    ProgrammeForm.audience,
    ProgrammeForm.preview,
)
async def programme_form(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    await admin.send("/organiser")
    await admin.press("➕ Новая программа")
    await w.at(admin, ProgrammeForm.direction)
    await admin.press("Образование")
    await w.at(admin, ProgrammeForm.title)
    await admin.send("Обмен педагогическим опытом")
    await w.at(admin, ProgrammeForm.description)
    await admin.send("Открытые уроки")
    await w.at(admin, ProgrammeForm.audience)
    await admin.press("Педагог")
    await admin.press("Готово")
    await w.at(admin, ProgrammeForm.preview)


@path(
    TripForm.programme,
    TripForm.title,
    TripForm.from_city,
    TripForm.to_city,
    TripForm.starts,
    TripForm.ends,
    TripForm.deadline,
    TripForm.capacity,
    TripForm.approval,
    TripForm.minors,
    TripForm.questions,
    TripForm.q_kind,
    TripForm.q_label,
    TripForm.q_options,
    TripForm.q_required,
    TripForm.description,
    TripForm.status,
    TripForm.preview,
)
async def trip_form(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    assert app.db is not None
    await add_programme(app.db)
    await admin.send("/organiser")
    await admin.press("➕ Новая поездка")
    await w.at(admin, TripForm.programme)
    await admin.press("Образование · Обмен педагогическим опытом")
    await w.at(admin, TripForm.title)
    await admin.send("Педагоги Минска в Сочи")
    await w.at(admin, TripForm.from_city)
    await admin.press("Минск")
    await w.at(admin, TripForm.to_city)
    await admin.press("Сочи")
    await w.at(admin, TripForm.starts)
    await admin.send(f"15.03.{YEAR} 09:00")
    await w.at(admin, TripForm.ends)
    await admin.send(f"18.03.{YEAR}")
    await w.at(admin, TripForm.deadline)
    await admin.send(f"01.03.{YEAR}")
    await w.at(admin, TripForm.capacity)
    await admin.send("20")
    await w.at(admin, TripForm.approval)
    await admin.press("Нет")
    await w.at(admin, TripForm.minors)
    await admin.press("Нет")
    await w.at(admin, TripForm.questions)
    await admin.press("➕ Добавить вопрос")
    await w.at(admin, TripForm.q_kind)
    await admin.press("Выбор из вариантов")
    await w.at(admin, TripForm.q_label)
    await admin.send("Питание")
    await w.at(admin, TripForm.q_options)
    await admin.send("Стандартное\nВегетарианское")
    await w.at(admin, TripForm.q_required)
    await admin.press("Да")
    await admin.press("Готово")
    await w.at(admin, TripForm.description)
    await admin.send("Открытые уроки в гимназиях Сочи.")
    await w.at(admin, TripForm.status)
    await admin.press("Запись открыта")
    await w.at(admin, TripForm.preview)


@path(
    EventForm.kind,
    EventForm.title,
    EventForm.city,
    EventForm.venue,
    EventForm.starts,
    EventForm.ends,
    EventForm.description,
    EventForm.link,
    EventForm.preview,
)
async def event_form(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    await admin.send("/organiser")
    await admin.press("🎪 Новое мероприятие")
    await w.at(admin, EventForm.kind)
    await admin.press("Форум")
    await w.at(admin, EventForm.title)
    await admin.send("Минский молодёжный форум")
    await w.at(admin, EventForm.city)
    await admin.press("Минск")
    await w.at(admin, EventForm.venue)
    await admin.send("Дворец молодёжи")
    await w.at(admin, EventForm.starts)
    await admin.send(f"15.03.{YEAR} 10:00")
    await w.at(admin, EventForm.ends)
    await admin.send(f"17.03.{YEAR} 18:00")
    await w.at(admin, EventForm.description)
    await admin.send("Три дня дискуссий")
    await w.at(admin, EventForm.link)
    await admin.press("Ни к какой")
    await w.at(admin, EventForm.preview)


@path(
    BroadcastForm.segment,
    BroadcastForm.content,
    BroadcastForm.preview,
    BroadcastForm.schedule,
)
async def broadcast(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    await admin.send("/broadcast")
    await admin.press("✉️ Новая рассылка")
    await w.at(admin, BroadcastForm.segment)
    await admin.press("Всем участникам")
    await w.at(admin, BroadcastForm.content)
    await admin.send("Сбор в 10:00")
    await w.at(admin, BroadcastForm.preview)
    await admin.press("🕒 Запланировать")
    await w.at(admin, BroadcastForm.schedule)


@path(
    SchoolForm.kind,
    SchoolForm.name,
    SchoolForm.city,
    SchoolForm.address,
    SchoolForm.ages,
    SchoolForm.preview,
    TbForm.partner,
    TbForm.topic,
    TbForm.age,
    TbForm.starts,
    TbForm.duration,
    TbForm.link,
    TbForm.note,
    TbForm.preview,
)
async def school_and_telebridge_forms(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    await coordinator(make_user, 5005, school="Средняя школа № 5", city="Минск")
    user = make_user(5006)
    await onboard(user, city="Сочи")
    await user.send("/school")
    await user.press("➕ Зарегистрировать учреждение")
    await w.at(user, SchoolForm.kind)
    await user.press("Школа")
    await w.at(user, SchoolForm.name)
    await user.send("Гимназия № 1")
    await w.at(user, SchoolForm.city)
    await user.press("Сочи")
    await w.at(user, SchoolForm.address)
    await user.press("Без адреса")
    await w.at(user, SchoolForm.ages)
    await user.press("▫️ 1–4 классы")
    await user.press("Готово")
    await w.at(user, SchoolForm.preview)
    await user.press("✅ Зарегистрировать")

    await user.send("/school")
    await user.press("📡 Новый телемост")
    await w.at(user, TbForm.partner)
    await press_starting(user, "🏫 Средняя школа № 5")
    await w.at(user, TbForm.topic)
    await user.send("Мой город — город-побратим")
    await w.at(user, TbForm.age)
    await user.press("1–4 классы")
    await w.at(user, TbForm.starts)
    await user.send(sochi_time()[0])
    await w.at(user, TbForm.duration)
    await user.press("45 мин")
    await w.at(user, TbForm.link)
    await user.press("Ссылку добавлю позже")
    await w.at(user, TbForm.note)
    await user.press("Без комментария")
    await w.at(user, TbForm.preview)


@path(
    TbAnswer.accept_link,
    TbAnswer.decline_reason,
    TbAnswer.link,
    TbAnswer.cancel_reason,
    TbAnswer.report_text,
    TbAnswer.report_photo,
)
async def telebridge_answers(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, w: Walk
) -> None:
    assert app.db is not None
    sochi = await coordinator(make_user, 5007, school="Гимназия № 1", city="Сочи")
    minsk = await coordinator(make_user, 5008, school="Средняя школа № 5", city="Минск")
    await propose(sochi, partner="🏫 Средняя школа № 5", when=sochi_time()[0], link=None)
    await minsk.press("✅ Принять")
    await w.at(minsk, TbAnswer.accept_link)
    await minsk.send("/cancel")
    await minsk.press("❌ Отклонить")
    await w.at(minsk, TbAnswer.decline_reason)
    await minsk.send("/cancel")
    await minsk.press("✅ Принять")
    await minsk.send("https://telemost.yandex.ru/j/777")
    async with app.db.read.execute("SELECT MAX(id) FROM telebridges") as cur:
        telebridge = (await cur.fetchone())[0]  # type: ignore[index]
    await minsk.press_data(TbCb(action=TbAction.OPEN, id=telebridge).pack())
    await minsk.press("🔗 Ссылка на видеосвязь")
    await w.at(minsk, TbAnswer.link)
    await minsk.send("/cancel")
    await minsk.press_data(TbCb(action=TbAction.OPEN, id=telebridge).pack())
    await minsk.press("❌ Отменить телемост")
    await w.at(minsk, TbAnswer.cancel_reason)
    await minsk.send("/cancel")
    await _move(app, telebridge, start=-1800, end=3)
    await _wait_for(lambda: bool(_texts(sochi, "Состоялся ли телемост")))
    await sochi.press("✅ Да")
    await w.at(sochi, TbAnswer.report_text)
    await sochi.send("Было 40 детей")
    await w.at(sochi, TbAnswer.report_photo)


def test_every_form_state_is_on_a_path() -> None:
    """A question added to any form without a path here fails this test."""
    walked = {state.state for states, _ in PATHS.values() for state in states}
    assert len(ALL_STATES) >= 75
    assert [state for state in ALL_STATES if state not in walked] == []


@pytest.mark.parametrize("name", PATHS)
async def test_a_wrong_answer_is_explained_and_asked_again(
    app: RunningBot, make_user: Callable[..., TgUser], admin: TgUser, name: str
) -> None:
    states, walk_path = PATHS[name]
    walk = Walk(app)
    await walk_path(app, make_user, admin, walk)
    assert walk.visited == [state.state for state in states]  # the path walked what it names
