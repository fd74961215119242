"""Free text that people type and other people read: one rule for cleaning it.

A name, an organisation, a school's name and address, a telebridge's topic, note and
reasons, a trip's or an event's title, an answer in a registration, a roadmap note: each
shows to someone else, so none may be blank. Telegram refuses an empty message, but not
one made of characters that draw nothing: zero-width spaces and joiners, direction marks
and overrides, the byte order mark, Hangul fillers (U+3164 and its kin are letters to
Unicode, yet blank on screen), the blank braille pattern. `clean_text` removes the
invisible format characters, turns the blank "letters" into spaces, folds whitespace and
then demands one visible letter, digit or emoji ("🎉" is a name some people use). The
zero-width joiner stays where it joins emoji (👨‍👩‍👧), and tag characters stay where they
spell a flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿), since there they draw something.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.errors import UserError

ZWJ = "\u200d"
# Characters Unicode calls letters or symbols that nevertheless draw nothing.
BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_TAGS = range(0xE0020, 0xE0080)
_BLACK_FLAG = "\U0001f3f4"
_SPACES = re.compile(r"\s+")


def _emoji_part(char: str) -> bool:
    """A character an emoji sequence is built of (a pictograph, a skin tone, the emoji
    presentation selector, a keycap)."""
    return unicodedata.category(char) in {"So", "Sk", "Me"} or char == "\ufe0f"


def _keep_format(text: str, index: int) -> bool:
    """Whether the format character at `index` is part of an emoji sequence."""
    char = text[index]
    before = text[index - 1] if index else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    if char == ZWJ:
        return bool(before and after) and _emoji_part(before) and _emoji_part(after)
    if ord(char) in _TAGS:
        return before == _BLACK_FLAG or (bool(before) and ord(before) in _TAGS)
    return False


def strip_invisible(text: str, *, keep_newlines: bool = False) -> str:
    """Control and format characters removed (but those inside emoji), blank lookalikes
    made spaces; whitespace not folded yet."""
    kept = []
    for index, char in enumerate(text):
        if char in BLANK_LOOKALIKES:
            kept.append(" ")
        elif unicodedata.category(char) == "Cc":
            if keep_newlines and char == "\n":
                kept.append(char)
            elif char in "\t\r\n\x0b\x0c":
                kept.append(" ")
        elif unicodedata.category(char) != "Cf" or _keep_format(text, index):
            kept.append(char)
    return "".join(kept)


def has_visible(text: str) -> bool:
    """At least one letter, digit or emoji (a pictograph) that draws something."""
    return any(
        unicodedata.category(char)[0] in "LN" or unicodedata.category(char) == "So"
        for char in text
        if char not in BLANK_LOOKALIKES
    )


def clean_text(text: str | None, *, limit: int, keep_newlines: bool = False) -> str:
    """Cleaned text of at most `limit` characters, or a UserError that says what is wrong:
    not text, nothing visible in it, a command, or too long."""
    if text is None:
        raise UserError("error-text-expected")
    cleaned = strip_invisible(text, keep_newlines=keep_newlines)
    if keep_newlines:
        lines = [_SPACES.sub(" ", line).strip() for line in cleaned.split("\n")]
        cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    else:
        cleaned = _SPACES.sub(" ", cleaned).strip()
    if not has_visible(cleaned):
        raise UserError("error-text-empty")
    if cleaned.startswith("/"):
        # An unknown command typed in the middle of a form, not an answer.
        raise UserError("error-text-command")
    if len(cleaned) > limit:
        raise UserError("error-text-too-long", limit=limit, length=len(cleaned))
    return cleaned


# What trips, programmes and events share: a title on one line, a description with its
# paragraphs (the import checks the same limits).
TITLE_MAX = 150
DESCRIPTION_MAX = 3000


def clean_title(text: str | None) -> str:
    return clean_text(text, limit=TITLE_MAX)


def clean_description(text: str | None) -> str:
    return clean_text(text, limit=DESCRIPTION_MAX, keep_newlines=True)
