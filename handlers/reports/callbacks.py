"""Callback data of reports. Short prefix: callback data is limited to 64 bytes."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from handlers.kit.callbacks import IdOrUnset, Small


class ReportPeriod(StrEnum):
    QUARTER = "q"
    YEAR = "y"
    CUSTOM = "c"  # `start` and `end` as YYYYMMDD in the organiser's city time


class ReportCb(CallbackData, prefix="rpt"):
    """A report: the period chosen, then the city (-1: not chosen yet, 0: all cities)."""

    period: ReportPeriod
    start: Small = 0
    end: Small = 0
    city: IdOrUnset = -1
