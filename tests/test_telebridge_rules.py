"""Rules of telebridges that need no bot: links, durations, times, monthly figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.reminders import dedup_key
from bot.telebridges import (
    check_start,
    city_times,
    clean_age_groups,
    clean_video_url,
    month_counts,
    parse_duration,
)
from storage.cities import City

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SOCHI = City(1, "sochi", "Сочи", "Сочы", "RU", "Europe/Moscow")
BERLIN = City(3, "berlin", "Берлин", "Берлін", "DE", "Europe/Berlin")


@pytest.mark.parametrize(
    "url",
    [
        "https://telemost.yandex.ru/j/123",
        "http://zoom.us/j/1?pwd=x",
        "HTTPS://sferum.ru/?call_link=ab",
    ],
)
def test_video_links_that_people_paste_are_taken(url: str) -> None:
    assert clean_video_url(f"  {url} ") == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "telemost.yandex.ru/j/1",
        "javascript:alert(1)",
        "ftp://files.example.com/a",
        "https://",
        "https://localhost/x",
        "https://exa mple.com",
        "https://example.com/" + "x" * 500,
        "<a href='https://x.ru'>",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(UserError) as info:
        clean_video_url(url)
    assert info.value.key == "tb-error-url"


def test_duration_is_15_to_180_minutes() -> None:
    assert parse_duration("45") == 45
    assert parse_duration("90 мин") == 90
    assert parse_duration(15) == 15 and parse_duration("180") == 180
    for bad in ("14", "181", "", "час", "-30", "1.5"):
        with pytest.raises(UserError):
            parse_duration(bad)


def test_a_start_must_leave_an_hour() -> None:
    check_start(NOW + timedelta(hours=1), NOW)
    for start, key in (
        (NOW - timedelta(minutes=1), "tb-error-past"),
        (NOW, "tb-error-past"),
        (NOW + timedelta(minutes=59), "tb-error-too-soon"),
        (NOW + timedelta(days=367), "tb-error-too-far"),
    ):
        with pytest.raises(UserError) as info:
            check_start(start, NOW)
        assert info.value.key == key


def test_times_in_each_city_follow_its_clock_changes() -> None:
    before = datetime(2027, 3, 27, 7, 0, tzinfo=UTC)
    after = datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert city_times(before, before + timedelta(minutes=45), [SOCHI, BERLIN]) == [
        (SOCHI, "27.03.2027 10:00–10:45"),
        (BERLIN, "27.03.2027 08:00–08:45"),
    ]
    assert city_times(after, None, [SOCHI, BERLIN]) == [
        (SOCHI, "29.03.2027 10:00"),
        (BERLIN, "29.03.2027 09:00"),
    ]
    late = datetime(2027, 3, 27, 20, 30, tzinfo=UTC)
    assert city_times(late, late + timedelta(hours=1), [SOCHI])[0][1] == (
        "27.03.2027 23:30 – 28.03.2027 00:30"
    )


def test_monthly_figures_are_counted_in_the_citys_time() -> None:
    items = [
        (datetime(2027, 1, 31, 22, 0, tzinfo=UTC), "held"),  # 1 February in Sochi
        (datetime(2027, 1, 15, 9, 0, tzinfo=UTC), "held"),
        (datetime(2027, 1, 16, 9, 0, tzinfo=UTC), "cancelled"),
    ]
    months = month_counts(items, "Europe/Moscow")
    assert list(months) == [202701, 202702]
    assert months[202701] == {"held": 1, "cancelled": 1}
    assert months[202702] == {"held": 1}


def test_age_groups_are_known_once_in_order() -> None:
    assert clean_age_groups(["senior", "preschool", "senior"]) == ("preschool", "senior")
    for bad in ([], ["grade-13"]):
        with pytest.raises(UserError):
            clean_age_groups(bad)


def test_a_reschedule_gives_reminders_a_new_key_an_event_move_does_not() -> None:
    assert dedup_key("telebridge", 7, 3600, 42, 1) != dedup_key("telebridge", 7, 3600, 42, 2)
    assert dedup_key("event", 7, 3600, 42) == "reminder:event:7:3600:42"
