"""Keyboards of schools and telebridges (no business rules here: what a button may do is
decided in bot/telebridges/service.py when it is pressed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.cities import City
from bot.core.i18n import Translator
from bot.core.roles import Access
from bot.delivery.reminders import ReminderKind
from bot.telebridges.service import (
    AgeGroup,
    CardAction,
    Institution,
    InstitutionKind,
    Membership,
    PartnerRow,
    Telebridge,
)
from handlers.kit.buttons import Rows, button, chunks, markup, pager
from handlers.kit.callbacks import MenuCb, MenuItem
from handlers.kit.keyboards import way_on_keyboard
from handlers.kit.render import shorten
from handlers.telebridges.callbacks import (
    JoinDecisionCb,
    PartnersCb,
    SchoolAction,
    SchoolCb,
    SchoolFormAction,
    SchoolFormCb,
    SchoolPickCb,
    TbAction,
    TbCb,
    TbFormAction,
    TbFormCb,
    TbListCb,
    TbOrgCb,
    TbPickCb,
)

PAGE_SIZE = 8
LABEL_MAX = 60


def home_button(t: Translator) -> InlineKeyboardButton:
    return button(t.button("school-btn-home"), SchoolCb(action=SchoolAction.HOME))


def institution_label(institution: Institution, cities: dict[int, City], t: Translator) -> str:
    city = cities.get(institution.city_id)
    mark = "" if institution.verified else " ⚠️"
    where = city.name(t.language) if city else ""
    return shorten(f"🏫 {institution.name} · {where}{mark}", LABEL_MAX)


def institution_rows(t: Translator, items: Iterable[Institution], cities: dict[int, City]) -> Rows:
    """One button per institution, opening its card."""
    return [
        [
            button(
                institution_label(item, cities, t), SchoolCb(action=SchoolAction.OPEN, id=item.id)
            )
        ]
        for item in items
    ]


# "Школы и телемосты"


def hub_keyboard(
    t: Translator, status: str | None, access: Access, *, offers: int
) -> InlineKeyboardMarkup:
    rows: Rows = []
    if status is None:
        rows.append(
            [button(t.button("school-btn-register"), SchoolCb(action=SchoolAction.REGISTER))]
        )
        rows.append([button(t.button("school-btn-join"), SchoolCb(action=SchoolAction.JOIN_LIST))])
    elif status == Membership.PENDING:
        rows.append(
            [button(t.button("school-btn-withdraw"), SchoolCb(action=SchoolAction.WITHDRAW))]
        )
    else:
        rows.append(
            [
                button(t.button("tb-btn-new"), TbCb(action=TbAction.NEW)),
                button(t.button("tb-btn-my"), TbListCb()),
            ]
        )
        rows.append([button(t.button("school-btn-partners"), PartnersCb())])
        if offers:
            label = t.button("tb-btn-offers", count=offers)
            rows.append([button(label, TbCb(action=TbAction.OFFERS))])
        rows.append(
            [
                button(t.button("school-btn-share"), SchoolCb(action=SchoolAction.SHARE)),
                button(t.button("school-btn-leave"), SchoolCb(action=SchoolAction.LEAVE)),
            ]
        )
    if access >= Access.ORGANISER:
        rows.append([button(t.button("tb-btn-org"), TbOrgCb())])
    return markup(rows)


def leave_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(t.button("school-btn-leave-ok"), SchoolCb(action=SchoolAction.LEAVE_OK))],
            [home_button(t)],
        ]
    )


def school_card_keyboard(
    t: Translator,
    institution: Institution,
    *,
    own: Institution | None,
    own_status: str | None,
    access: Access,
) -> InlineKeyboardMarkup:
    rows: Rows = []
    if own is not None and own_status == Membership.ACTIVE and own.city_id != institution.city_id:
        rows.append(
            [button(t.button("tb-btn-propose"), TbCb(action=TbAction.NEW, id=institution.id))]
        )
    if own_status is None:
        rows.append(
            [
                button(
                    t.button("school-btn-join-this"),
                    SchoolCb(action=SchoolAction.JOIN, id=institution.id),
                )
            ]
        )
    if access >= Access.ORGANISER and not institution.verified:
        rows.append(
            [
                button(
                    t.button("school-btn-verify"),
                    SchoolCb(action=SchoolAction.VERIFY, id=institution.id),
                )
            ]
        )
    rows.append([button(t.button("school-btn-partners"), PartnersCb()), home_button(t)])
    return markup(rows)


def partners_keyboard(
    t: Translator,
    items: Iterable[PartnerRow],
    cities: dict[int, City],
    *,
    kind: str,
    age: str,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    rows: Rows = []
    for item in items:
        institution = item.institution
        label = institution_label(institution, cities, t)
        if item.held_together:
            label = shorten(f"{label} · 📡{item.held_together}", LABEL_MAX)
        rows.append(
            [
                button(label, SchoolCb(action=SchoolAction.OPEN, id=institution.id)),
                button(
                    t.button("tb-btn-propose-short"), TbCb(action=TbAction.NEW, id=institution.id)
                ),
            ]
        )
    rows.append(pager(page, pages, lambda number: PartnersCb(kind=kind, age=age, page=number)))

    def mark(label: str, chosen: bool) -> str:
        return t.button("event-filter-chosen", label=label) if chosen else label

    kinds = [button(mark(t.button("school-any-kind"), not kind), PartnersCb(age=age))]
    kinds += [
        button(
            mark(t.button(f"school-kinds-{value.value}"), kind == value.value),
            PartnersCb(kind=value.value, age=age),
        )
        for value in InstitutionKind
    ]
    rows += chunks(kinds, 3)
    ages = [button(mark(t.button("school-any-age"), not age), PartnersCb(kind=kind))]
    ages += [
        button(
            mark(t.button(f"age-short-{group.value}"), age == group.value),
            PartnersCb(kind=kind, age=group.value),
        )
        for group in AgeGroup
    ]
    rows += chunks(ages, 4)
    rows.append([home_button(t)])
    return markup(rows)


def join_list_keyboard(
    t: Translator,
    items: Iterable[Institution],
    cities: dict[int, City],
    *,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    rows = institution_rows(t, items, cities)
    rows.append(
        pager(page, pages, lambda number: SchoolCb(action=SchoolAction.JOIN_LIST, page=number))
    )
    rows.append([button(t.button("school-btn-register"), SchoolCb(action=SchoolAction.REGISTER))])
    rows.append([home_button(t)])
    return markup(rows)


# The school form


def school_nav(t: Translator, *, back: bool) -> list[InlineKeyboardButton]:
    row = (
        [button(t.button("btn-back"), SchoolFormCb(action=SchoolFormAction.BACK))] if back else []
    )
    row.append(button(t.button("btn-cancel"), SchoolFormCb(action=SchoolFormAction.CANCEL)))
    return row


def school_kind_keyboard(t: Translator) -> InlineKeyboardMarkup:
    kinds = [
        button(t.button(f"school-kind-{kind.value}"), SchoolPickCb(value=kind.value))
        for kind in InstitutionKind
    ]
    return markup([*chunks(kinds, 2), school_nav(t, back=False)])


def school_city_keyboard(t: Translator, cities: Iterable[City]) -> InlineKeyboardMarkup:
    choices = [button(city.name(t.language), SchoolPickCb(value=str(city.id))) for city in cities]
    return markup([*chunks(choices, 2), school_nav(t, back=True)])


def school_skip_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [
                button(
                    t.button("school-btn-skip-address"), SchoolFormCb(action=SchoolFormAction.SKIP)
                )
            ],
            school_nav(t, back=True),
        ]
    )


def school_nav_keyboard(t: Translator, *, back: bool = True) -> InlineKeyboardMarkup:
    return markup([school_nav(t, back=back)])


def age_groups_keyboard(t: Translator, chosen: Iterable[str]) -> InlineKeyboardMarkup:
    picked = set(chosen)
    toggles = [
        button(
            ("✅ " if group.value in picked else "▫️ ") + t.button(f"age-{group.value}"),
            SchoolPickCb(value=group.value),
        )
        for group in AgeGroup
    ]
    return markup(
        [
            *chunks(toggles, 2),
            [button(t.button("school-btn-ages-done"), SchoolFormCb(action=SchoolFormAction.DONE))],
            school_nav(t, back=True),
        ]
    )


def school_preview_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(t.button("school-btn-save"), SchoolFormCb(action=SchoolFormAction.SAVE))],
            school_nav(t, back=True),
        ]
    )


# Telebridges


def tb_nav(t: Translator, *, back: bool) -> list[InlineKeyboardButton]:
    row = [button(t.button("btn-back"), TbFormCb(action=TbFormAction.BACK))] if back else []
    row.append(button(t.button("btn-cancel"), TbFormCb(action=TbFormAction.CANCEL)))
    return row


def tb_choices(
    t: Translator, choices: Iterable[tuple[str, str]], *, columns: int, back: bool = True
) -> InlineKeyboardMarkup:
    buttons = [button(label, TbPickCb(value=value)) for label, value in choices]
    return markup([*chunks(buttons, columns), tb_nav(t, back=back)])


def tb_text_keyboard(
    t: Translator, *, skip: str | None = None, keep: str | None = None, back: bool = True
) -> InlineKeyboardMarkup:
    rows: Rows = []
    if keep:
        rows.append([button(t.button(keep), TbFormCb(action=TbFormAction.KEEP))])
    if skip:
        rows.append([button(t.button(skip), TbFormCb(action=TbFormAction.SKIP))])
    rows.append(tb_nav(t, back=back))
    return markup(rows)


def partner_pick_keyboard(
    t: Translator,
    items: Iterable[PartnerRow],
    cities: dict[int, City],
    open_cities: Iterable[City],
    *,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    rows: Rows = [
        [
            button(
                t.button("tb-btn-any-school", city=city.name(t.language)),
                TbPickCb(value=f"c{city.id}"),
            )
        ]
        for city in open_cities
    ]
    rows += [
        [
            button(
                institution_label(item.institution, cities, t),
                TbPickCb(value=str(item.institution.id)),
            )
        ]
        for item in items
    ]
    rows.append(pager(page, pages, lambda number: TbPickCb(value=f"p{number}")))
    rows.append(tb_nav(t, back=False))
    return markup(rows)


def preview_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(t.button("tb-btn-send"), TbFormCb(action=TbFormAction.SEND))],
            tb_nav(t, back=True),
        ]
    )


# A card's buttons, row by row: the action, its label and what the press asks for.
_CARD_ROWS = (
    (
        (CardAction.ACCEPT, "tb-btn-accept", TbAction.ACCEPT),
        (CardAction.COUNTER, "tb-btn-counter", TbAction.COUNTER),
    ),
    ((CardAction.DECLINE, "tb-btn-decline", TbAction.DECLINE),),
    ((CardAction.WITHDRAW, "tb-btn-withdraw", TbAction.WITHDRAW),),
    ((CardAction.RESCHEDULE, "tb-btn-reschedule", TbAction.RESCHEDULE),),
    (
        (CardAction.LINK, "tb-btn-link", TbAction.LINK),
        (CardAction.CALENDAR, "tb-btn-ics", TbAction.ICS),
    ),
    ((CardAction.CANCEL, "tb-btn-cancel", TbAction.CANCEL),),
)


def card_keyboard(
    t: Translator,
    telebridge: Telebridge,
    actions: frozenset[CardAction],
    *,
    photos: int = 0,
) -> InlineKeyboardMarkup:
    """The buttons of the actions a coordinator has on a telebridge at this moment (see
    bot.telebridges.service.card_actions); answers carry the round they answer."""
    tb = telebridge
    rows: Rows = [
        [
            button(t.button(label), TbCb(action=pressed, id=tb.id, round=tb.round))
            for action, label, pressed in row
            if action in actions
        ]
        for row in _CARD_ROWS
    ]
    if CardAction.REPORT in actions:
        rows.append(held_row(t, tb.id))
    if photos:
        label = t.button("tb-btn-photos", count=photos)
        rows.append([button(label, TbCb(action=TbAction.PHOTOS, id=tb.id))])
    rows.append([button(t.button("tb-btn-my"), TbListCb()), home_button(t)])
    return markup(rows)


def held_row(t: Translator, telebridge_id: int) -> list[InlineKeyboardButton]:
    return [
        button(t.button("tb-btn-held"), TbCb(action=TbAction.HELD, id=telebridge_id)),
        button(t.button("tb-btn-not-held"), TbCb(action=TbAction.NOT_HELD, id=telebridge_id)),
    ]


def telebridge_label(
    t: Translator, telebridge: Telebridge, other: str, zone_time: str, status: str
) -> str:
    mark = t.button(f"tb-mark-{status}")
    return shorten(f"{mark} {zone_time} · {other} · {telebridge.topic}", LABEL_MAX)


def list_keyboard(
    t: Translator,
    labels: Iterable[tuple[str, int]],
    *,
    past: bool,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    rows: Rows = [[button(label, TbCb(action=TbAction.OPEN, id=item))] for label, item in labels]
    rows.append(pager(page, pages, lambda number: TbListCb(past=past, page=number)))
    switch = "tb-btn-upcoming" if past else "tb-btn-past"
    rows.append([button(t.button(switch), TbListCb(past=not past)), home_button(t)])
    return markup(rows)


def offers_keyboard(
    t: Translator, labels: Iterable[tuple[str, int]], *, page: int, pages: int
) -> InlineKeyboardMarkup:
    rows: Rows = [[button(label, TbCb(action=TbAction.OPEN, id=item))] for label, item in labels]
    rows.append(pager(page, pages, lambda number: TbCb(action=TbAction.OFFERS, page=number)))
    rows.append([home_button(t)])
    return markup(rows)


def org_keyboard(
    t: Translator, labels: Iterable[tuple[str, int]], *, page: int, pages: int, unverified: int
) -> InlineKeyboardMarkup:
    rows: Rows = [[button(label, TbCb(action=TbAction.OPEN, id=item))] for label, item in labels]
    rows.append(pager(page, pages, lambda number: TbOrgCb(page=number)))
    if unverified:
        label = t.button("tb-btn-org-unverified", count=unverified)
        rows.append([button(label, TbOrgCb(unverified=True))])
    rows.append([home_button(t)])
    return markup(rows)


def unverified_keyboard(
    t: Translator,
    items: Iterable[Institution],
    cities: dict[int, City],
    *,
    page: int,
    pages: int,
) -> InlineKeyboardMarkup:
    rows = institution_rows(t, items, cities)
    rows.append(pager(page, pages, lambda number: TbOrgCb(unverified=True, page=number)))
    rows.append([button(t.button("tb-btn-org"), TbOrgCb()), home_button(t)])
    return markup(rows)


# Keyboards under messages the bot sends on its own (as the Bot API's JSON)


def _json(rows: Rows) -> dict[str, Any]:
    return markup(rows).model_dump(exclude_none=True)


def proposal_markup(
    t: Translator, telebridge_id: int, round_number: int, open_offer: bool
) -> dict[str, Any]:
    rows: Rows = [
        [
            button(
                t.button("tb-btn-accept"),
                TbCb(action=TbAction.ACCEPT, id=telebridge_id, round=round_number),
            ),
            button(
                t.button("tb-btn-counter"),
                TbCb(action=TbAction.COUNTER, id=telebridge_id, round=round_number),
            ),
        ]
    ]
    if not open_offer:
        rows.append(
            [
                button(
                    t.button("tb-btn-decline"),
                    TbCb(action=TbAction.DECLINE, id=telebridge_id, round=round_number),
                )
            ]
        )
    rows.append(
        [button(t.button("reminder-btn-details"), TbCb(action=TbAction.DETAILS, id=telebridge_id))]
    )
    return _json(rows)


def details_keyboard(t: Translator, telebridge_id: int) -> InlineKeyboardMarkup:
    """Under the calendar file a person asked for: back to the telebridge, or the menu."""
    details = button(
        t.button("reminder-btn-details"), TbCb(action=TbAction.DETAILS, id=telebridge_id)
    )
    return way_on_keyboard(t, details)


def details_markup(t: Translator, telebridge_id: int) -> dict[str, Any]:
    return _json(
        [
            [
                button(
                    t.button("reminder-btn-details"),
                    TbCb(action=TbAction.DETAILS, id=telebridge_id),
                )
            ]
        ]
    )


def school_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """After a decision about joining a school: its hub ("Школы и телемосты") or the menu."""
    return way_on_keyboard(t, button(t.button("menu-schools"), MenuCb(item=MenuItem.SCHOOLS)))


def school_markup(t: Translator) -> dict[str, Any]:
    return school_keyboard(t).model_dump(exclude_none=True)


def join_markup(t: Translator, institution_id: int, tg_id: int) -> dict[str, Any]:
    return _json(
        [
            [
                button(
                    t.button("school-btn-approve"),
                    JoinDecisionCb(institution=institution_id, tg_id=tg_id, approve=True),
                ),
                button(
                    t.button("school-btn-decline"),
                    JoinDecisionCb(institution=institution_id, tg_id=tg_id, approve=False),
                ),
            ]
        ]
    )


def reminder_rows(t: Translator, kind: str, telebridge_id: int) -> Rows:
    """Under a telebridge reminder: "Подробнее" and "Не напоминать"; under the question
    after it: "Да" and "Нет / перенесён"."""
    if kind == ReminderKind.TELEBRIDGE_HELD:
        return [held_row(t, telebridge_id)]
    return [
        [
            button(
                t.button("reminder-btn-details"), TbCb(action=TbAction.DETAILS, id=telebridge_id)
            ),
            button(t.button("reminder-btn-mute"), TbCb(action=TbAction.MUTE, id=telebridge_id)),
        ]
    ]


def details_only(t: Translator, telebridge_id: int) -> InlineKeyboardMarkup:
    return markup(
        [
            [
                button(
                    t.button("reminder-btn-details"),
                    TbCb(action=TbAction.DETAILS, id=telebridge_id),
                )
            ]
        ]
    )
