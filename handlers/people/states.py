"""The forms of people's own data: onboarding and the profile."""

from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    language = State()
    consent = State()
    name = State()
    city = State()
    role = State()
    organisation = State()


class ProfileEdit(StatesGroup):
    # City and sphere are chosen with buttons on the profile itself: no typed step.
    name = State()
    organisation = State()
    phone = State()
