"""Callback data of schools and telebridges. Prefixes start with "sc" and "tb" and stay
short: callback data is limited to 64 bytes. Every handler checks again on the server
that the person may do what a button asks: callback data can be forged."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Id, IdOrZero, Small


class SchoolAction(StrEnum):
    HOME = "home"  # "Школы и телемосты": the person's school and what they can do
    REGISTER = "reg"  # the registration form
    JOIN_LIST = "jl"  # institutions of the person's city to join, `page`
    JOIN = "join"  # ask to join institution `id`
    WITHDRAW = "wd"  # take back a request to join
    OPEN = "open"  # the card of institution `id`
    VERIFY = "ver"  # organisers: mark institution `id` as verified
    LEAVE = "leave"  # asks to confirm
    LEAVE_OK = "leave!"
    SHARE = "share"  # the school_<id> link


class SchoolCb(CallbackData, prefix="sc"):
    action: SchoolAction
    id: IdOrZero = 0
    page: Small = 0


class PartnersCb(CallbackData, prefix="scp"):
    """ "Школы-партнёры": type and age group filters (empty: any), page."""

    kind: str = ""
    age: str = ""
    page: Small = 0


class JoinDecisionCb(CallbackData, prefix="scd"):
    institution: Id
    tg_id: Id
    approve: bool


class SchoolFormAction(StrEnum):
    BACK = "back"
    CANCEL = "cancel"
    SKIP = "skip"  # no address
    DONE = "done"  # age groups chosen
    SAVE = "save"


class SchoolFormCb(CallbackData, prefix="scf"):
    action: SchoolFormAction


class SchoolPickCb(CallbackData, prefix="sck"):
    """A choice in the current step of the school form (checked there)."""

    value: str


class TbAction(StrEnum):
    NEW = "new"  # the form; `id` a partner institution, 0 to choose one
    OPEN = "open"  # the card in place of a list
    DETAILS = "more"  # the card as a new message (under notices and reminders)
    ACCEPT = "acc"  # `id`, `round`
    COUNTER = "ctr"  # `id`, `round`: another time
    DECLINE = "dec"  # `id`, `round`: asks for a reason
    RESCHEDULE = "rs"  # `id`
    WITHDRAW = "wdr"  # `id`, `round`: take back a new time asked for
    CANCEL = "cnl"  # `id`: asks for a reason
    LINK = "link"  # `id`: asks for the video link
    ICS = "ics"
    MUTE = "mute"  # "Не напоминать" under a reminder
    HELD = "held"  # "Да": it took place
    NOT_HELD = "nheld"  # "Нет / перенесён"
    OFFERS = "offers"  # open offers to the person's city, `page`
    PHOTOS = "photos"  # the photos of the reports after it


class TbCb(CallbackData, prefix="tb"):
    action: TbAction
    id: IdOrZero = 0
    round: Small = 0
    page: Small = 0


class TbListCb(CallbackData, prefix="tbl"):
    """ "Мои телемосты": upcoming or past, page."""

    past: bool = False
    page: Small = 0


class TbFormAction(StrEnum):
    BACK = "back"
    CANCEL = "cancel"
    SKIP = "skip"  # no link yet, no note, no reason, no photo
    KEEP = "keep"  # keep the link already proposed
    SEND = "send"


class TbFormCb(CallbackData, prefix="tbf"):
    action: TbFormAction


class TbPickCb(CallbackData, prefix="tbk"):
    """A choice in the current step of the telebridge form (checked there)."""

    value: str


class TbOrgCb(CallbackData, prefix="tbo"):
    """Organisers: telebridges of their city with monthly figures, `page`; schools that
    wait for verification with `unverified`."""

    unverified: bool = False
    page: Small = 0
