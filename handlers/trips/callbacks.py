"""Callback data for trips: the catalogue, a trip's card, registrations."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Id, Small


class TripScope(StrEnum):
    FIT = "fit"  # open trips that fit the person's role and city
    ALL = "all"  # every trip members can see


class TripAction(StrEnum):
    OPEN = "open"  # show the card
    REGISTER = "reg"
    SHARE = "share"
    CALENDAR = "ics"  # the trip as a calendar file
    # Organiser actions, each re-checked on the server:
    EDIT = "edit"
    STATUS = "status"
    CAPACITY = "cap"
    PARTICIPANTS = "ppl"
    EXPORT = "exp"
    CANCEL_TRIP = "cancel"


class RegAction(StrEnum):
    APPROVE = "ok"
    REJECT = "no"
    CANCEL = "cancel"  # the person asks to leave: confirmation follows
    CANCEL_CONFIRM = "cancel!"
    ANSWERS = "answers"  # the person changes their answers
    OPEN = "open"  # the person's view of their registration


class TripsPageCb(CallbackData, prefix="tl"):
    scope: TripScope
    page: Small


class TripCb(CallbackData, prefix="tr"):
    action: TripAction
    id: Id


class RegCb(CallbackData, prefix="rg"):
    action: RegAction
    id: Id


class ParticipantsPageCb(CallbackData, prefix="tp"):
    trip_id: Id
    page: Small
