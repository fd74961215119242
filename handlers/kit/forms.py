"""One engine for the multi-step forms: where each answer and each press leads.

A form is a declaration (a `FormSpec`): its steps in order, each with the form value it
fills and whether it is typed or chosen with a button; the steps asked from inside a
step (a trip's question: kind, label, options); its summary; and its own screens and
checks. The engine (`Form`) does what every form does, the same way for all of them:

- shows a step: a new message after a typed answer, the pressed message edited after
  a press; a step asked again because its value clashes with another says why on top;
- after a good answer, the next step; while one value is being changed from the
  summary, the first value still missing or clashing, else the summary again;
- a repeated step (asked once per item of a list: a trip's questions) walks its items;
- "Назад": the previous step (or item); from a value being changed, the summary; the
  edit of a saved thing starts at its summary, so nothing lies behind it (nor behind a
  summary whose answers are changed from it: `back_from_summary`); a form may
  undo the answer it leaves (`leaving`) or leave altogether at its first question (`left`);
- "Оставить как есть" and "Пропустить";
- a value's button on the summary: that step alone, then the summary;
- a wrong answer (a sticker where text is asked, text where a button is, a check the
  form's own rules refuse): the explanation, then the same question again, with its
  buttons (handlers.kit.reask);
- "Отмена": the form's data gone, the form's own "cancelled" screen.

Each form keeps its own callback data and state names (people have its buttons and
half-filled forms in their chats), its own texts and keyboards; the form's FSM data
holds only primitives, and the database is written once, when the summary is saved.

The engine's handlers, and the form's own, take the form's screens' context as
`form_context` (built once per update by handlers.kit.context on the form's router).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from aiogram import Router
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.core.i18n import Translator
from handlers.kit.context import with_context
from handlers.kit.reask import explain_and_ask_again
from handlers.kit.render import Target, send_new, show

FormData = dict[str, Any]
Screen = tuple[str, InlineKeyboardMarkup]

# The name the form's context reaches its handlers under.
FORM_CONTEXT = "form_context"
# Set while one value is being changed from the summary: the summary comes back after it.
RETURNING = "ret"
# The item a repeated step is asking about.
INDEX = "index"


class FormContext(Protocol):
    """What every form's screens have: the person's language."""

    @property
    def t(self) -> Translator: ...


Ctx = TypeVar("Ctx", bound=FormContext)


@dataclass(frozen=True, slots=True)
class Step:
    """One question of a form."""

    state: State
    key: str | None = None  # the form value it fills; None: it fills none of its own
    typed: bool = False  # answered by typing; otherwise with a button
    skippable: bool = False  # "Пропустить" leaves it empty
    # Asked once for each item of a list (a trip's questions): the item's number is
    # kept in the form as INDEX, and "Назад" goes to the item before.
    repeated: bool = False


class FormSpec(ABC, Generic[Ctx]):
    """A form's declaration: its steps, its summary, its screens and its own rules."""

    def __init__(
        self,
        *,
        group: type[StatesGroup],
        steps: tuple[Step, ...],
        summary: State | None,
        saved_key: str | None = None,
        side_steps: tuple[Step, ...] = (),
        returning_key: str = RETURNING,
        back_from_summary: bool = True,
    ) -> None:
        self.group = group
        self.steps = steps  # the main steps, in order
        self.side_steps = side_steps  # asked from inside a main step
        # None: a one-question form whose answer is saved at once (nothing comes after).
        self.summary = summary
        # The form value that holds a saved thing's id when its edit starts at the
        # summary (None: an edit walks the steps as a new one does).
        self.saved_key = saved_key
        self.returning_key = returning_key
        # False: "Назад" on the summary stays there (its answers are changed from it).
        self.back_from_summary = back_from_summary

    @abstractmethod
    async def screen(self, ctx: Ctx, step: State, data: FormData) -> Screen:
        """The step's question (or the summary) with its buttons."""

    async def cancelled(self, ctx: Ctx, data: FormData) -> Screen:
        """What "Отмена" leaves on the screen (the form's data is already gone)."""
        raise LookupError(f"{self.group.__name__} has no Отмена")

    async def count(self, ctx: Ctx, data: FormData, step: Step) -> int:
        """How many times a repeated step is asked."""
        raise LookupError(step.state.state)

    async def left(self, ctx: Ctx, data: FormData) -> Screen | None:
        """What "Назад" at the very first question leaves on the screen when it leaves
        the form; None: it stays at the first question."""
        return None

    def steps_in(self, data: FormData) -> tuple[Step, ...]:
        """The main steps this form's data walks (a form may skip some by its mode)."""
        return self.steps

    def has(self, data: FormData, step: Step) -> bool:
        """Whether the step's value is in the form (False and "" count as given)."""
        return step.key is not None and data.get(step.key) is not None

    def clash(self, data: FormData) -> tuple[State, str] | None:
        """A complete form's values that do not go together: the step to ask again and
        the text key that says why; None when they all fit."""
        return None

    def skipped(self, data: FormData, step: Step) -> FormData:
        """The values "Пропустить" leaves: the step's value empty."""
        return {step.key: ""} if step.key else {}

    def leaving(self, data: FormData, step: State) -> FormData:
        """The values "Назад" takes away as it leaves `step` (the answer being undone)."""
        return {}

    def back_from_side(self, data: FormData, step: State) -> State:
        """Where "Назад" leads from a side step."""
        raise LookupError(step.state)


class Form(Generic[Ctx]):
    """Runs one form declared by its spec."""

    def __init__(self, spec: FormSpec[Ctx]) -> None:
        self.spec = spec
        self._main = {step.state.state: step for step in spec.steps}
        self._all = {step.state.state: step for step in (*spec.steps, *spec.side_steps)}

    # Where the form stands

    def step(self, name: str | None) -> State:
        """The form's step or summary the person is in."""
        summary = self.spec.summary
        if summary is not None and name == summary.state:
            return summary
        return self._all[name].state

    def _summary(self) -> State:
        summary = self.spec.summary
        if summary is None:
            raise LookupError(f"{self.spec.group.__name__} saves its one answer at once")
        return summary

    def editing(self, data: FormData) -> bool:
        """Whether a saved thing is being edited from its summary."""
        key = self.spec.saved_key
        return key is not None and data.get(key) is not None

    def _behind_summary(self, data: FormData) -> bool:
        """Whether "Назад" on the summary leads to a step (not for a saved thing's edit,
        which starts there, nor for a form whose answers are changed from the summary)."""
        return self.spec.back_from_summary and not self.editing(data)

    def returning(self, data: FormData) -> bool:
        return bool(data.get(self.spec.returning_key))

    def first_gap(self, data: FormData) -> tuple[State, str | None]:
        """Where a form that returns to its summary must stop: the first value missing,
        then the first that clashes; else the summary."""
        for step in self.spec.steps_in(data):
            if not self.spec.has(data, step):
                return step.state, None
        clash = self.spec.clash(data)
        if clash is not None:
            return clash
        return self._summary(), None

    def after(self, data: FormData, current: State) -> tuple[State, str | None]:
        """The step after a good answer (and a note that says why, when it is asked
        again)."""
        if self.returning(data):
            return self.first_gap(data)
        steps = self.spec.steps_in(data)
        index = [step.state for step in steps].index(current)
        return (steps[index + 1].state if index + 1 < len(steps) else self._summary()), None

    def before(self, data: FormData, current: State) -> State:
        """Where "Назад" leads."""
        spec = self.spec
        if spec.summary is not None and current == spec.summary:
            if not self._behind_summary(data):
                return spec.summary
            return spec.steps_in(data)[-1].state
        if current.state not in self._main:
            return spec.back_from_side(data, current)
        if self.returning(data):
            return self._summary()
        states = [step.state for step in spec.steps_in(data)]
        return states[max(states.index(current) - 1, 0)]

    # Showing

    async def show(
        self,
        target: Target,
        state: FSMContext,
        ctx: Ctx,
        step: State,
        *,
        new: bool = False,
        note: str | None = None,
        data: FormData | None = None,
    ) -> None:
        """Ask the step (or show the summary); `note` (a text) goes on top: why this
        step is asked again. `data`: the form's data, when the caller has just read it."""
        await state.set_state(step)
        if data is None:
            data = await state.get_data()
        text, markup = await self.spec.screen(ctx, step, data)
        if note:
            text = f"{note}\n\n{text}"
        if new:
            await send_new(target, text, markup)
        else:
            await show(target, text, markup)

    async def start(
        self,
        target: Target,
        state: FSMContext,
        ctx: Ctx,
        data: FormData,
        *,
        at: State,
        new: bool = False,
    ) -> None:
        """A new form (or a saved thing's edit) with its data, at the given step."""
        await state.set_data(data)
        await self.show(target, state, ctx, at, new=new, data=data)

    # Moving

    async def answered(
        self, target: Target, state: FSMContext, ctx: Ctx, current: State, values: FormData
    ) -> None:
        """A good answer to `current`: keep its values and go on."""
        await state.update_data(values)
        data = await state.get_data()
        main = self._main.get(current.state)
        if main is not None and main.repeated and not self.returning(data):
            index = int(data.get(INDEX) or 0) + 1
            if index < await self.spec.count(ctx, data, main):  # the next item
                await state.update_data({INDEX: index})
                await self.show(target, state, ctx, current, new=isinstance(target, Message))
                return
        step, why = self.after(data, current)
        note = ctx.t(why) if why else None
        new = isinstance(target, Message)
        await self.show(target, state, ctx, step, new=new, note=note, data=data)

    async def change(self, target: Target, state: FSMContext, ctx: Ctx, step: State) -> None:
        """A value's button on the summary: that step alone, then the summary again."""
        await state.update_data({self.spec.returning_key: True})
        await self.show(target, state, ctx, step)

    async def wrong(self, message: Message, state: FSMContext, ctx: Ctx, explanation: str) -> None:
        """A wrong answer: say why, then the same question again with its buttons."""
        step = self.step(await state.get_state())
        await explain_and_ask_again(
            message, explanation, lambda: self.show(message, state, ctx, step, new=True)
        )

    # The engine's own handlers

    async def _back(self, callback: CallbackQuery, state: FSMContext, form_context: Ctx) -> None:
        current = self.step(await state.get_state())
        data = await state.get_data()
        main = self._main.get(current.state)
        if main is not None and not self.returning(data):
            index = int(data.get(INDEX) or 0)
            if main.repeated and index > 0:  # the item before
                await state.update_data({INDEX: index - 1})
                await self.show(callback, state, form_context, current)
                return
            if main.state == self.spec.steps_in(data)[0].state:
                left = await self.spec.left(form_context, data)
                if left is not None:  # "Назад" at the first question leaves the form
                    await state.clear()
                    await show(callback, *left)
                    return
        step = self.before(data, current)
        undone = self.spec.leaving(data, current)
        if undone:
            await state.update_data(undone)
        await self.show(callback, state, form_context, step)

    async def _keep(self, callback: CallbackQuery, state: FSMContext, form_context: Ctx) -> None:
        current = self.step(await state.get_state())
        data = await state.get_data()
        main = self._main.get(current.state)
        if main is None or not self.spec.has(data, main):
            await self.show(callback, state, form_context, current)  # nothing to keep
            return
        await self.answered(callback, state, form_context, current, {})

    async def _skip(self, callback: CallbackQuery, state: FSMContext, form_context: Ctx) -> None:
        current = self.step(await state.get_state())
        main = self._main.get(current.state)
        if main is None or not main.skippable:
            await self.show(callback, state, form_context, current)  # nothing to skip here
            return
        values = self.spec.skipped(await state.get_data(), main)
        await self.answered(callback, state, form_context, current, values)

    async def _cancel(self, callback: CallbackQuery, state: FSMContext, form_context: Ctx) -> None:
        data = await state.get_data()
        await state.clear()
        text, markup = await self.spec.cancelled(form_context, data)
        await show(callback, text, markup)

    async def _expect_text(self, message: Message, state: FSMContext, form_context: Ctx) -> None:
        """A photo, a sticker or a file where a typed answer is asked."""
        await self.wrong(message, state, form_context, form_context.t("error-text-expected"))

    async def _expect_button(self, message: Message, state: FSMContext, form_context: Ctx) -> None:
        """Typed text where a choice is asked: say so and show the choice again."""
        await self.wrong(message, state, form_context, form_context.t("error-choice"))

    def router(self, name: str, context: type[Ctx]) -> Router:
        """The form's router: its handlers get `form_context`, built from `context`."""
        return with_context(Router(name=f"{name}.form"), FORM_CONTEXT, context)

    def register(
        self,
        router: Router,
        *,
        back: Filter | None = None,
        cancel: Filter | None = None,
        keep: Filter | None = None,
        skip: Filter | None = None,
    ) -> None:
        """The navigation buttons the form has, and the catch-alls for a wrong kind of
        answer. Register the form's own answers first: the catch-alls take what they leave.
        """
        within = StateFilter(self.spec.group)
        button = router.callback_query.register
        if back is not None:
            button(self._back, within, back)
        if cancel is not None:
            button(self._cancel, within, cancel)
        if keep is not None:
            button(self._keep, within, keep)
        if skip is not None:
            button(self._skip, within, skip)
        steps = (*self.spec.steps, *self.spec.side_steps)
        typed = [step.state for step in steps if step.typed]
        chosen = [step.state for step in steps if not step.typed]
        if self.spec.summary is not None:
            chosen.append(self.spec.summary)
        if typed:
            router.message.register(self._expect_text, StateFilter(*typed))
        if chosen:
            router.message.register(self._expect_button, StateFilter(*chosen))
