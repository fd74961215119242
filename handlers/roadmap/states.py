"""The roadmap's form."""

from aiogram.fsm.state import State, StatesGroup


class RoadmapNotes(StatesGroup):
    """An organiser types an item's notes (data: roadmap_item)."""

    text = State()
