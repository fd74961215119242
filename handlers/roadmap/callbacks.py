"""Callback data of the roadmap. Prefixes are short: callback data is limited to 64
bytes."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import Id, IdOrZero, Small


class RmAction(StrEnum):
    OVERVIEW = "o"
    DIRECTION = "d"  # the items of `direction`, `page`
    ITEM = "i"  # the card of item `id` (`page`: the list page to go back to)
    DETAILS = "m"  # the card as a new message (under a notice)
    FOLLOW = "f"
    UNFOLLOW = "u"


class RmCb(CallbackData, prefix="rm"):
    action: RmAction
    direction: str = ""
    id: IdOrZero = 0
    page: Small = 0


class RmOrgAction(StrEnum):
    """Organisers' actions on an item; each is checked again on the server."""

    STATUS = "s"  # the statuses to choose from
    SET_STATUS = "ss"  # `value`: the status; `confirm` once confirmed
    NOTES = "n"  # asks for the new notes
    CLEAR_NOTES = "nc"
    LINKS = "l"  # the picker of `value` (trip, event, telebridge), `page`
    TOGGLE = "t"  # link or unlink `target` of kind `value`
    ALL_TELEBRIDGES = "a"  # count every held telebridge, or only linked ones


class RmOrgCb(CallbackData, prefix="rmo"):
    action: RmOrgAction
    id: Id
    value: str = ""
    target: IdOrZero = 0
    page: Small = 0
    confirm: bool = False
