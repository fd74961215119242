"""Every multi-step form is a declaration run by the one form engine (handlers.kit.forms)."""

from __future__ import annotations

import importlib
import pkgutil

from aiogram.fsm.state import StatesGroup

import handlers
from handlers.kit.forms import Form, FormSpec
from handlers.people.states import ProfileEdit
from handlers.reports.states import ReportRange
from handlers.telebridges.proposals import TbAnswer
from handlers.trips.admin_states import TripCancel
from handlers.trips.registration import RejectForm

# One question asked on its own (a reason, a link, a period, one field of the profile):
# no steps to walk, so nothing for the engine to drive. Each answers a wrong input with
# handlers.kit.reask, as the engine does.
ONE_QUESTION = {ProfileEdit, ReportRange, TbAnswer, TripCancel, RejectForm}


def _modules() -> list[object]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(handlers.__path__, "handlers.")
    ]


def _forms() -> list[Form[object]]:
    return [
        value
        for module in _modules()
        for value in vars(module).values()
        if isinstance(value, Form)
    ]


def _state_groups() -> set[type[StatesGroup]]:
    return {
        value
        for module in _modules()
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, StatesGroup) and value is not StatesGroup
    }


def test_every_multi_step_form_is_run_by_the_engine() -> None:
    engine = {form.spec.group for form in _forms()}
    hand_rolled = _state_groups() - engine - ONE_QUESTION
    assert not hand_rolled, f"forms with their own step machine: {hand_rolled}"
    # The six of the issue, and the programme, school and onboarding forms.
    names = {group.__name__ for group in engine}
    assert {
        "RegistrationForm",
        "TripForm",
        "EventForm",
        "TbForm",
        "BroadcastForm",
        "RoadmapNotes",
        "ProgrammeForm",
        "SchoolForm",
        "Onboarding",
    } <= names


def test_each_form_declares_every_state_of_its_group_once() -> None:
    for form in _forms():
        spec: FormSpec[object] = form.spec
        declared = [step.state for step in (*spec.steps, *spec.side_steps)]
        if spec.summary is not None:
            declared.append(spec.summary)
        names = [state.state for state in declared]
        assert len(names) == len(set(names)), spec.group.__name__
        assert set(names) == {state.state for state in spec.group.__all_states__}, (
            spec.group.__name__
        )


def test_every_step_can_be_found_from_its_stored_state_name() -> None:
    """A half-filled form stored before an upgrade names its state: each resolves."""
    for form in _forms():
        for state in form.spec.group.__all_states__:
            assert form.step(state.state) == state
