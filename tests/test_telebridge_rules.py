"""Rules of telebridges that need no bot: links, durations, times, monthly figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import UserError
from bot.delivery.reminders import dedup_key
from bot.telebridges.service import (
    CardAction,
    MonthFigures,
    card_actions,
    check_answer,
    check_start,
    city_times,
    clean_age_groups,
    clean_video_url,
    display_status,
    month_counts,
    month_figures,
    parse_duration,
)
from storage.cities import City
from storage.institutions import Institution
from storage.telebridges import Telebridge

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
    items += [
        (datetime(2027, 1, 20, 9, 0, tzinfo=UTC), "proposed"),  # nobody answered in time
        (datetime(2027, 2, 20, 9, 0, tzinfo=UTC), "proposed"),
        (datetime(2027, 2, 21, 9, 0, tzinfo=UTC), "rescheduled"),
        (datetime(2027, 2, 22, 9, 0, tzinfo=UTC), "confirmed"),
    ]
    figures = month_figures(items, "Europe/Moscow", datetime(2027, 2, 1, tzinfo=UTC))
    assert figures == {
        202701: MonthFigures(held=1, other=2),
        202702: MonthFigures(held=1, agreed=2, proposed=1),
    }


def test_age_groups_are_known_once_in_order() -> None:
    assert clean_age_groups(["senior", "preschool", "senior"]) == ("preschool", "senior")
    for bad in ([], ["grade-13"]):
        with pytest.raises(UserError):
            clean_age_groups(bad)


def test_a_reschedule_gives_reminders_a_new_key_an_event_move_does_not() -> None:
    assert dedup_key("telebridge", 7, 3600, 42, 1) != dedup_key("telebridge", 7, 3600, 42, 2)
    assert dedup_key("event", 7, 3600, 42) == "reminder:event:7:3600:42"


def _telebridge(status: str, *, starts_in: timedelta, awaiting: int | None = 2, **fields):
    starts = NOW + starts_in
    values = {
        "id": 1,
        "proposer_id": 1,
        "partner_id": 2,
        "partner_city_id": 2,
        "topic": "Весна",
        "age_group": "primary",
        "starts_at": starts,
        "ends_at": starts + timedelta(minutes=45),
        "duration_min": 45,
        "video_url": "https://telemost.yandex.ru/j/1",
        "note": "",
        "status": status,
        "round": 2,
        "awaiting_id": awaiting,
        "reason": None,
        "closed_by": None,
        "sequence": 1,
        "created_by": 1,
        "confirmed_at": None,
        "created_at": NOW - timedelta(days=1),
        "updated_at": NOW - timedelta(days=1),
    }
    values.update(fields)
    return Telebridge(**values)


def _school(institution_id: int, city_id: int) -> Institution:
    return Institution(
        institution_id, "school", f"Школа {institution_id}", city_id, "", ("primary",),
        None, None, NOW,
    )  # fmt: skip


SOCHI_SCHOOL, MINSK_SCHOOL, OTHER_MINSK = _school(1, 1), _school(2, 2), _school(3, 2)
A = CardAction


@pytest.mark.parametrize(
    ("status", "starts_in", "own", "proposal_in", "reported", "expected"),
    [
        # The side awaited answers; the other side may only change the link or call it off.
        ("proposed", timedelta(days=2), MINSK_SCHOOL, None, False,
         {A.ACCEPT, A.COUNTER, A.DECLINE, A.LINK, A.CANCEL}),
        ("proposed", timedelta(days=2), SOCHI_SCHOOL, None, False, {A.LINK, A.CANCEL}),
        ("proposed", timedelta(days=2), OTHER_MINSK, None, False, set()),
        # Unanswered until its start: it cannot be accepted, another time can be offered.
        ("proposed", -timedelta(minutes=10), MINSK_SCHOOL, None, False,
         {A.COUNTER, A.DECLINE, A.CANCEL}),
        ("proposed", -timedelta(hours=2), MINSK_SCHOOL, None, False, {A.COUNTER, A.DECLINE}),
        ("confirmed", timedelta(days=2), SOCHI_SCHOOL, None, False,
         {A.RESCHEDULE, A.LINK, A.CALENDAR, A.CANCEL}),
        ("confirmed", -timedelta(minutes=10), SOCHI_SCHOOL, None, False,
         {A.LINK, A.CALENDAR, A.CANCEL}),
        ("confirmed", -timedelta(hours=2), SOCHI_SCHOOL, None, False, {A.REPORT}),
        ("confirmed", -timedelta(hours=2), SOCHI_SCHOOL, None, True, set()),
        # A new time waits for the other side; the one that asked may not answer it.
        ("rescheduled", timedelta(days=2), MINSK_SCHOOL, timedelta(days=3), False,
         {A.ACCEPT, A.COUNTER, A.DECLINE, A.LINK, A.CALENDAR, A.CANCEL}),
        ("rescheduled", timedelta(days=2), SOCHI_SCHOOL, timedelta(days=3), False,
         {A.WITHDRAW, A.LINK, A.CALENDAR, A.CANCEL}),
        ("rescheduled", -timedelta(minutes=10), SOCHI_SCHOOL, timedelta(days=3), False,
         {A.LINK, A.CALENDAR, A.CANCEL}),
        # A new time that has passed while the agreed one is still ahead.
        ("rescheduled", timedelta(days=2), MINSK_SCHOOL, -timedelta(hours=1), False,
         {A.COUNTER, A.DECLINE, A.LINK, A.CALENDAR, A.CANCEL}),
        # The agreed time came before the answer: the request lapsed.
        ("rescheduled", -timedelta(minutes=10), MINSK_SCHOOL, timedelta(days=3), False,
         {A.LINK, A.CALENDAR, A.CANCEL}),
        ("rescheduled", -timedelta(hours=2), MINSK_SCHOOL, timedelta(days=3), False,
         {A.REPORT}),
        # One side said whether it took place; the other still can.
        ("held", -timedelta(hours=2), MINSK_SCHOOL, None, False, {A.REPORT}),
        ("not_held", -timedelta(hours=2), MINSK_SCHOOL, None, True, set()),
        ("declined", timedelta(days=2), SOCHI_SCHOOL, None, False, set()),
        ("cancelled", timedelta(days=2), MINSK_SCHOOL, None, False, set()),
    ],
)  # fmt: skip
def test_a_card_offers_what_the_checks_allow(
    status: str,
    starts_in: timedelta,
    own: Institution,
    proposal_in: timedelta | None,
    reported: bool,
    expected: set[CardAction],
) -> None:
    telebridge = _telebridge(status, starts_in=starts_in)
    proposal = NOW + (proposal_in if proposal_in is not None else starts_in)
    actions = card_actions(telebridge, own, proposal_starts=proposal, reported=reported, now=NOW)
    assert actions == expected


def test_an_open_offer_is_for_the_other_citys_schools() -> None:
    offer = _telebridge("proposed", starts_in=timedelta(days=2), partner_id=None, awaiting=None)
    answer = {A.ACCEPT, A.COUNTER}
    for own, expected in (
        (MINSK_SCHOOL, answer),
        (OTHER_MINSK, answer),
        (SOCHI_SCHOOL, {A.LINK, A.CANCEL}),
        (_school(4, 1), set()),  # another school of the proposer's city
    ):
        actions = card_actions(
            offer, own, proposal_starts=offer.starts_at, reported=False, now=NOW
        )
        assert actions == expected, own
    for own, key in (
        (SOCHI_SCHOOL, "tb-error-not-your-turn"),
        (_school(4, 1), "tb-error-not-yours"),
    ):
        with pytest.raises(UserError) as info:
            check_answer(offer, own, 2, NOW)
        assert info.value.key == key
    taken = replace(offer, partner_id=3, status="confirmed")
    with pytest.raises(UserError) as info:
        check_answer(taken, MINSK_SCHOOL, 2, NOW)
    assert info.value.key == "tb-error-not-yours"


def test_a_request_to_move_it_lapses_at_the_agreed_time() -> None:
    moving = _telebridge("rescheduled", starts_in=-timedelta(minutes=1))
    with pytest.raises(UserError) as info:
        check_answer(moving, MINSK_SCHOOL, 2, NOW)
    assert info.value.key == "tb-error-started"
    assert display_status(moving, NOW) == "confirmed"
    assert display_status(replace(moving, starts_at=NOW + timedelta(days=1)), NOW) == (
        "rescheduled"
    )
