"""What people already hold in their chats stays readable across upgrades: every button's
callback data (prefix, fields, the values of its enumerations), every form state name
(stored with a half-filled form) and every deep-link kind (in shared links) is pinned in
tests/wire_formats.json.

A change here means buttons pressed after the upgrade, or forms resumed after it, would
get no answer or the generic error. Keep the old form working (or rewrite stored states
in a migration), then regenerate the file with `python -m tests.test_wire_formats`."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any, get_args

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import StatesGroup

from handlers import get_deep_links, get_routers

PINNED = Path(__file__).parent / "wire_formats.json"


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _kind(annotation: Any) -> Any:
    """A field as it travels: the values of an enumeration, or the name of its type."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return sorted(str(member.value) for member in candidate)
    base = get_args(annotation)[0] if get_args(annotation) else annotation
    return getattr(base, "__name__", str(base))


def current() -> dict[str, Any]:
    get_routers()  # imports every handler module: every CallbackData and StatesGroup
    # Fields in order: callback data carries their values by position.
    callbacks = {
        cls.__prefix__: [
            [name, _kind(field.annotation)] for name, field in cls.model_fields.items()
        ]
        for cls in _subclasses(CallbackData)
        if cls.__module__.startswith("handlers")
    }
    states = sorted(
        state.state for group in _subclasses(StatesGroup) for state in group.__all_states__
    )
    return {
        "callback_data": dict(sorted(callbacks.items())),
        "form_states": states,
        "deep_links": sorted(get_deep_links()),
    }


def test_buttons_forms_and_links_in_peoples_chats_keep_their_format() -> None:
    pinned = json.loads(PINNED.read_text("utf-8"))
    now = current()
    for part in ("callback_data", "form_states", "deep_links"):
        assert now[part] == pinned[part], (
            f"{part} changed: what people hold in their chats would stop working "
            "(see this module's docstring)"
        )


def test_the_pinned_file_is_not_empty() -> None:
    pinned = json.loads(PINNED.read_text("utf-8"))
    assert len(pinned["callback_data"]) >= 30
    assert len(pinned["form_states"]) >= 70
    assert "trip" in pinned["deep_links"]


if __name__ == "__main__":
    PINNED.write_text(json.dumps(current(), ensure_ascii=False, indent=1) + "\n", "utf-8")
