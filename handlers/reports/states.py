"""The report's form."""

from aiogram.fsm.state import State, StatesGroup


class ReportRange(StatesGroup):
    """An organiser types the two dates of a report's period."""

    dates = State()
