"""A wrong answer in a form: the explanation, then the same question again.

Every form's wrong-input path (a sticker, an empty text, a date like 31.02, text where a
button is expected) goes through `explain_and_ask_again`, so the last thing the person
sees is the question they are answering, with its buttons ("Назад", "Отмена", the
choices), and not a bare explanation they cannot act on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import Message

AskAgain = Callable[[], Awaitable[Any]]


async def explain_and_ask_again(message: Message, explanation: str, ask_again: AskAgain) -> None:
    """Say what is wrong, then send the form's current question anew, with its keyboard."""
    await message.answer(explanation)
    await ask_again()
