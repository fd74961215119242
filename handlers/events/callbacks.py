"""Callback data for events: the catalogue, a card, reminders, the organisers' form.

Prefixes start with "ev" and stay short: callback data is limited to 64 bytes.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Id, IdOrZero, Small


class EventAction(StrEnum):
    OPEN = "open"  # show the card in place of the list
    DETAILS = "more"  # "Подробнее" under a reminder or notice: the card as a new message
    SUBSCRIBE = "sub"
    UNSUBSCRIBE = "unsub"
    MUTE = "mute"  # "Не напоминать" under a reminder: keeps the reminder's text
    ICS = "ics"
    # Organiser actions, each re-checked on the server:
    SHARE = "share"
    EDIT = "edit"
    CANCEL = "cancel"  # asks for confirmation
    CANCEL_CONFIRM = "cancel!"


class EventCb(CallbackData, prefix="ev"):
    action: EventAction
    id: Id


class EventsPageCb(CallbackData, prefix="evl"):
    """The catalogue: city 0 is both cities, month 0 every month (else YYYYMM)."""

    city: IdOrZero = 0
    month: Small = 0
    page: Small = 0


class MyEventsCb(CallbackData, prefix="evm"):
    page: Small = 0


class TripReminderCb(CallbackData, prefix="evt"):
    """ "Не напоминать" under a trip reminder."""

    id: Id


class EventFormAction(StrEnum):
    NEW = "new"
    BACK = "back"
    CANCEL = "cancel"
    KEEP = "keep"
    SKIP = "skip"  # no description, no end time, no link
    SAVE = "save"


class EventFormCb(CallbackData, prefix="evf"):
    action: EventFormAction


class EventPickCb(CallbackData, prefix="evk"):
    """A choice in the current step; what it means depends on the step (checked there)."""

    value: str


class EventField(StrEnum):
    KIND = "kind"
    TITLE = "title"
    CITY = "city"
    VENUE = "venue"
    STARTS = "start"
    ENDS = "end"
    DESCRIPTION = "descr"
    LINK = "link"


class EventFieldCb(CallbackData, prefix="eve"):
    field: EventField
