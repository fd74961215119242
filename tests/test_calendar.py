"""Calendar files as people get them from the bot, read by a second iCalendar parser
(vobject, which reads time zones with dateutil) and not only by the library the bot writes
with: the start and end a calendar shows are the stored instants (or, for a trip given by
dates only, its days), in both cities and in a zone that changes its clocks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from bot.calendar.ics import vtimezone, zone_changes
from handlers.events.callbacks import EventAction, EventCb
from handlers.trips.callbacks import TripAction, TripCb
from storage.db import Database, utc_now
from storage.telebridges import TelebridgeRepo
from storage.trips import NewTrip, TripRepo
from tests.conftest import RunningBot, TgUser, onboard
from tests.event_seed import add_event
from tests.fake_telegram import SentMessage
from tests.telebridge_steps import coordinator, propose, sochi_time
from tests.trip_seed import MINSK, SOCHI, add_programme

LINK = "https://telemost.yandex.ru/j/123456"
ZONES = {SOCHI: "Europe/Moscow", MINSK: "Europe/Minsk"}


@pytest.fixture(autouse=True)
def fresh_vobject() -> Iterator[None]:
    """vobject keeps the first VTIMEZONE it saw of a TZID for the rest of the process;
    every test reads its files as a calendar program that opens them for the first time."""
    registry = vars(vobject.icalendar)["__tzidMap"]
    saved = dict(registry)
    for tzid in saved:
        if tzid != "UTC":  # registered by vobject itself on import
            del registry[tzid]
    yield
    registry.clear()
    registry.update(saved)


def read_with_vobject(content: bytes) -> tuple[str, datetime, datetime]:
    """The TZID, and the start and end (in UTC) of the one VEVENT, as vobject reads them."""
    calendar = vobject.readOne(content.decode("utf-8"))
    event = calendar.vevent
    start, end = event.dtstart.value, event.dtend.value
    assert start.tzinfo is not None and end.tzinfo is not None, "floating times"
    return calendar.vtimezone.tzid.value, start.astimezone(UTC), end.astimezone(UTC)


def assert_short_zone(content: bytes, zone: str, starts: datetime) -> None:
    """The VTIMEZONE is the zone's rules from shortly before the start, not its history."""
    (timezone,) = Calendar.from_ical(content).walk("VTIMEZONE")
    assert str(timezone["tzid"]) == zone
    parts = timezone.walk("STANDARD") + timezone.walk("DAYLIGHT")
    assert all("RDATE" not in part for part in parts)
    first = min(part.decoded("dtstart") for part in parts)
    local = starts.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert local - timedelta(days=8) <= first < local


def ics_file(message: SentMessage) -> bytes:
    assert message.document is not None, message
    name, content = message.document
    assert name.endswith(".ics")
    return content


# Events


@pytest.mark.parametrize("city", [SOCHI, MINSK])
async def test_event_ics_reads_the_stored_instant_in_vobject(
    app: RunningBot, member: TgUser, city: int
) -> None:
    """An 18:00 event of next year (vobject and ical.js put Moscow's at 19:00 when the
    file carried the zone's whole history)."""
    assert app.db is not None
    zone = ZoneInfo(ZONES[city])
    local = datetime(utc_now().year + 1, 3, 1, 18, 0, tzinfo=zone)
    event_id = await add_event(app.db, city=city, starts_at=local.astimezone(UTC), hours=2.5)
    stored = await app.dp["events"].repo.get(event_id=event_id)
    await member.press_data(EventCb(action=EventAction.OPEN, id=event_id).pack())
    await member.press("📅 В календарь")
    content = ics_file(app.telegram.last_message(member.id))
    tzid, start, end = read_with_vobject(content)
    assert tzid == ZONES[city]
    assert (start, end) == (stored.starts_at, stored.ends_at)
    assert start == datetime(local.year, 3, 1, 15, 0, tzinfo=UTC)
    assert_short_zone(content, ZONES[city], stored.starts_at)
    # Both cities keep one offset all year: one STANDARD observance, +03:00.
    (timezone,) = Calendar.from_ical(content).walk("VTIMEZONE")
    (standard,) = timezone.walk("STANDARD")
    assert not timezone.walk("DAYLIGHT")
    assert standard.decoded("tzoffsetto") == timedelta(hours=3)


# Telebridges


@pytest.mark.parametrize("proposer_city", ["Сочи", "Минск"])
async def test_telebridge_ics_reads_the_stored_instant_in_vobject(
    app: RunningBot, make_user: Callable[..., TgUser], proposer_city: str
) -> None:
    """The file is in the proposer's city's zone; both sides' files read the same."""
    assert app.db is not None
    sochi = await coordinator(make_user, 3001, school="Гимназия № 1", city="Сочи")
    minsk = await coordinator(make_user, 3002, school="Средняя школа № 5", city="Минск")
    proposer, partner, label = (
        (sochi, minsk, "🏫 Средняя школа № 5")
        if proposer_city == "Сочи"
        else (minsk, sochi, "🏫 Гимназия № 1")
    )
    when, instant = sochi_time(days=5, hour=18)  # Minsk's clocks read as Sochi's
    await propose(proposer, partner=label, when=when)
    await partner.press("✅ Принять")
    async with app.db.read.execute("SELECT MAX(id) FROM telebridges") as cur:
        (telebridge_id,) = await cur.fetchone()  # type: ignore[misc]
    stored = await TelebridgeRepo(app.db).get(telebridge_id=telebridge_id)
    assert stored is not None and stored.starts_at == instant
    zone = "Europe/Moscow" if proposer_city == "Сочи" else "Europe/Minsk"
    for person in (proposer, partner):
        content = ics_file(app.telegram.last_message(person.id))
        tzid, start, end = read_with_vobject(content)
        assert tzid == zone
        assert (start, end) == (stored.starts_at, stored.ends_at)
        assert_short_zone(content, zone, stored.starts_at)


# Trips

CITY_NAMES = {SOCHI: "Сочи", MINSK: "Минск"}


async def add_trip_at(
    db: Database, *, origin: int, starts: datetime, ends: datetime, status: str = "open"
) -> int:
    """A trip from `origin` to the other city, with exactly these start and end."""
    programme = await add_programme(db, audience=())
    async with db.transaction() as conn:
        return await TripRepo(db).save(
            conn,
            trip=NewTrip(
                programme_id=programme,
                title=f"Делегация <{CITY_NAMES[origin]}> & гости",
                from_city_id=origin,
                to_city_id=MINSK if origin == SOCHI else SOCHI,
                starts_at=starts,
                ends_at=ends,
                registration_deadline=starts - timedelta(days=20),
                capacity=10,
                needs_approval=False,
                description="Обмен опытом.",
                status=status,
            ),
            actor=None,
        )


async def trip_file(person: TgUser, trip_id: int) -> tuple[bytes, str]:
    """The trip's card opened and its "📅 В календарь" pressed: the file and its caption."""
    await person.press_data(TripCb(action=TripAction.OPEN, id=trip_id).pack())
    await person.press("📅 В календарь")
    message = person.telegram.last_message(person.id)
    assert message.document is not None and message.document[0] == f"trip-{trip_id}.ics"
    # A way on from the file: back to the trip's card.
    assert [b["text"] for b in message.buttons()] == ["← К поездке"]
    return message.document[1], message.plain_text()


@pytest.fixture
async def people(make_user: Callable[..., TgUser], member: TgUser) -> list[TgUser]:
    """A person in Sochi and a person in Minsk."""
    minsk = make_user(2002, first_name="Алесь")
    await onboard(minsk, name="Алесь Минский", city="Минск")
    return [member, minsk]


@pytest.mark.parametrize("origin", [SOCHI, MINSK])
async def test_trip_ics_with_times_reads_the_stored_instants_in_vobject(
    app: RunningBot, people: list[TgUser], origin: int
) -> None:
    """A trip with times is written in its departure city's zone (where its times were
    typed), and a person in either city gets the same instants."""
    assert app.db is not None
    zone = ZoneInfo(ZONES[origin])
    year = utc_now().year + 1
    starts = datetime(year, 4, 12, 7, 0, tzinfo=zone)
    trip_id = await add_trip_at(
        app.db, origin=origin, starts=starts, ends=datetime(year, 4, 16, 20, 0, tzinfo=zone)
    )
    stored = await TripRepo(app.db).get(trip_id=trip_id)
    assert stored is not None
    for person in people:
        content, caption = await trip_file(person, trip_id)
        tzid, start, end = read_with_vobject(content)
        assert tzid == ZONES[origin]
        assert (start, end) == (stored.starts_at, stored.ends_at)
        assert start == datetime(year, 4, 12, 4, 0, tzinfo=UTC)  # 07:00 at UTC+3
        assert_short_zone(content, ZONES[origin], stored.starts_at)
        event = vobject.readOne(content.decode("utf-8")).vevent
        assert event.summary.value == stored.title  # as typed: "<" and "&" are no markup
        assert event.location.value == CITY_NAMES[stored.to_city_id]
        assert event.uid.value == f"trip-{trip_id}@pobratim.bot"
        assert f"«{stored.title}»" in caption


@pytest.mark.parametrize("origin", [SOCHI, MINSK])
@pytest.mark.parametrize("last_time", [(0, 0), (23, 59)], ids=["import", "form"])
async def test_trip_ics_with_dates_only_is_all_day_in_vobject(
    app: RunningBot, people: list[TgUser], origin: int, last_time: tuple[int, int]
) -> None:
    """A trip given by dates only (an import keeps a bare end date as its midnight, the
    trip form as its last minute) is an all-day entry over exactly its days, with the
    end exclusive (RFC 5545) and no time zone, for people in both cities."""
    assert app.db is not None
    zone = ZoneInfo(ZONES[origin])
    year = utc_now().year + 1
    trip_id = await add_trip_at(
        app.db,
        origin=origin,
        starts=datetime(year, 6, 21, tzinfo=zone),
        ends=datetime(year, 6, 25, *last_time, tzinfo=zone),
    )
    stored = await TripRepo(app.db).get(trip_id=trip_id)
    assert stored is not None
    first, last = (moment.astimezone(zone).date() for moment in (stored.starts_at, stored.ends_at))
    assert (first, last) == (date(year, 6, 21), date(year, 6, 25))
    for person in people:
        content, _ = await trip_file(person, trip_id)
        calendar = vobject.readOne(content.decode("utf-8"))
        event = calendar.vevent
        start, end = event.dtstart.value, event.dtend.value
        assert not isinstance(start, datetime) and not isinstance(end, datetime)
        assert (start, end) == (first, last + timedelta(days=1))
        assert not hasattr(calendar, "vtimezone")
        assert b"DTSTART;VALUE=DATE:" in content


async def test_trip_ics_keeps_its_uid_and_raises_its_sequence_on_a_change(
    app: RunningBot, member: TgUser
) -> None:
    """The same entry in a calendar: a later file of the trip, after it was cancelled,
    has the same UID, a higher SEQUENCE and says CANCELLED."""
    assert app.db is not None
    starts = (utc_now() + timedelta(days=40)).replace(hour=6, minute=0, second=0, microsecond=0)
    trip_id = await add_trip_at(
        app.db, origin=SOCHI, starts=starts, ends=starts + timedelta(days=3)
    )
    first = vobject.readOne((await trip_file(member, trip_id))[0].decode("utf-8")).vevent
    assert first.status.value == "CONFIRMED"
    await asyncio.sleep(1.1)  # the trip's change time is kept to the second
    async with app.db.transaction() as conn:
        await TripRepo(app.db).set_status(
            conn, trip_id=trip_id, status="cancelled", cancel_reason="Перенос"
        )
    second = vobject.readOne((await trip_file(member, trip_id))[0].decode("utf-8")).vevent
    assert second.uid.value == first.uid.value
    assert int(second.sequence.value) > int(first.sequence.value)
    assert second.status.value == "CANCELLED"


async def test_trip_ics_only_for_those_who_see_the_card(
    app: RunningBot, member: TgUser, admin: TgUser
) -> None:
    """A draft's file is the organisers' (as its card); a press for a trip that does not
    exist (stale or forged) is told so in a pop-up, and no file is sent."""
    assert app.db is not None
    starts = (utc_now() + timedelta(days=40)).replace(hour=6, minute=0, second=0, microsecond=0)
    draft = await add_trip_at(
        app.db, origin=SOCHI, starts=starts, ends=starts + timedelta(days=3), status="draft"
    )
    content, _ = await trip_file(admin, draft)
    assert vobject.readOne(content.decode("utf-8")).vevent.status.value == "TENTATIVE"
    sent = len(app.telegram.calls_of("sendDocument"))
    for trip_id in (draft, draft + 1000):
        calls = await member.press_data(TripCb(action=TripAction.CALENDAR, id=trip_id).pack())
        (answer,) = [call for call in calls if call.method == "answerCallbackQuery"]
        assert answer.params["text"] == "Поездка не найдена: возможно, её удалили."
        assert answer.params.get("show_alert") is True
        assert not [call for call in calls if call.method.startswith("send")]
    assert len(app.telegram.calls_of("sendDocument")) == sent


# A zone that changes its clocks


def _next_change(zone: ZoneInfo) -> datetime:
    now = utc_now()
    return zone_changes(zone, now + timedelta(days=3), now + timedelta(days=300))[0]


async def test_ics_in_a_zone_with_daylight_saving(
    app: RunningBot, make_user: Callable[..., TgUser], member: TgUser
) -> None:
    """Cities are data: with Minsk on Berlin's zone, an event across the next change of
    the clocks, one a week after it, and a telebridge proposed from Minsk the day after it
    read right in vobject, and the file says when the clocks change."""
    assert app.db is not None
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE cities SET timezone = 'Europe/Berlin' WHERE code = 'minsk'")
    berlin = ZoneInfo("Europe/Berlin")
    change = _next_change(berlin)
    across = await add_event(app.db, city=MINSK, starts_at=change - timedelta(hours=5), hours=10)
    after = await add_event(app.db, city=MINSK, starts_at=change + timedelta(days=7), hours=2)
    for event_id in (across, after):
        stored = await app.dp["events"].repo.get(event_id=event_id)
        await member.press_data(EventCb(action=EventAction.ICS, id=event_id).pack())
        content = ics_file(app.telegram.last_message(member.id))
        tzid, start, end = read_with_vobject(content)
        assert tzid == "Europe/Berlin"
        assert (start, end) == (stored.starts_at, stored.ends_at)
        if event_id == across:  # it really spans the change: two offsets in one entry
            assert start.astimezone(berlin).utcoffset() != end.astimezone(berlin).utcoffset()
        assert_short_zone(content, "Europe/Berlin", stored.starts_at)
        (timezone,) = Calendar.from_ical(content).walk("VTIMEZONE")
        assert timezone.walk("DAYLIGHT") and timezone.walk("STANDARD")

    sochi = await coordinator(make_user, 3001, school="Гимназия № 1", city="Сочи")
    minsk = await coordinator(make_user, 3002, school="Средняя школа № 5", city="Минск")
    local = (change + timedelta(days=1)).astimezone(berlin).replace(hour=10, minute=0)
    await propose(minsk, partner="🏫 Гимназия № 1", when=f"{local:%d.%m.%Y %H:%M}")
    await sochi.press("✅ Принять")
    for person in (sochi, minsk):
        content = ics_file(app.telegram.last_message(person.id))
        tzid, start, end = read_with_vobject(content)
        assert tzid == "Europe/Berlin"
        assert start == local.astimezone(UTC) and end == start + timedelta(minutes=45)


ZONE_SAMPLES = ["Europe/Moscow", "Europe/Minsk", "Europe/Berlin", "America/New_York"]


@pytest.mark.parametrize("zone", ZONE_SAMPLES)
def test_vtimezone_reads_right_all_year_in_one_reader(zone: str) -> None:
    """The kind, not the example: times every few days over two years, each file with its
    own short VTIMEZONE, read one after another by one vobject that keeps the first
    VTIMEZONE of the TZID (the yearly rule carries later files), agree with zoneinfo."""
    from icalendar import Event

    tz = ZoneInfo(zone)
    moment = datetime(2027, 1, 1, 9, 30, tzinfo=UTC)
    checked = 0
    while moment < datetime(2029, 1, 1, tzinfo=UTC):
        if _ambiguous(moment, tz) or _ambiguous(moment + timedelta(hours=30), tz):
            # A wall time the clocks show twice names no one instant in iCalendar.
            moment += timedelta(days=4, hours=7)
            continue
        calendar = Calendar()
        calendar.add("prodid", "-//test//")
        calendar.add("version", "2.0")
        calendar.add_component(vtimezone(tz, moment, moment + timedelta(hours=30)))
        event = Event()
        event.add("uid", "sample")
        event.add("dtstamp", moment)
        event.add("dtstart", moment.astimezone(tz))
        event.add("dtend", (moment + timedelta(hours=30)).astimezone(tz))
        calendar.add_component(event)
        _, start, end = read_with_vobject(calendar.to_ical())
        assert (start, end) == (moment, moment + timedelta(hours=30)), moment
        checked += 1
        moment += timedelta(days=4, hours=7)
    assert checked > 150


def _ambiguous(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
