"""Calendar files as people get them from the bot, read by a second iCalendar parser
(vobject, which reads time zones with dateutil) and not only by the library the bot writes
with: the start and end a calendar shows are the stored instants, in both cities and in a
zone that changes its clocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from bot.calendar import vtimezone, zone_changes
from handlers.event_callbacks import EventAction, EventCb
from storage.db import utc_now
from storage.telebridges import TelebridgeRepo
from tests.conftest import RunningBot, TgUser
from tests.event_seed import add_event
from tests.fake_telegram import SentMessage
from tests.telebridge_steps import coordinator, propose, sochi_time
from tests.trip_seed import MINSK, SOCHI

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
    stored = await app.dp["events"].get(event_id=event_id)
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
        stored = await app.dp["events"].get(event_id=event_id)
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
