"""Texts in Fluent files (bot/locales/<lang>/*.ftl) and the translator handlers use.

Every string argument is HTML-escaped when a message is formatted, because message
texts are sent with parse_mode=HTML and arguments are mostly what people typed.
Button labels are not parsed as HTML, so `button()` formats without escaping.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = ("ru", "be")
_FLUENT_SAFE_LENGTH = 1000
POPUP_MAX = 200  # Telegram refuses a longer answerCallbackQuery text (400 MESSAGE_TOO_LONG)
ELLIPSIS = "…"


def _utf16_len(text: str) -> int:
    # Telegram counts text in UTF-16 code units; counting so, an emoji cannot tip it over.
    return len(text.encode("utf-16-le")) // 2


def fit_popup(text: str) -> str:
    """The text cut to fit a pop-up, with an ellipsis (the last resort: `popup()` shortens
    the values in a text instead, so its words stay whole)."""
    if _utf16_len(text) <= POPUP_MAX:
        return text
    cut = text[: POPUP_MAX - 1]
    while _utf16_len(cut) > POPUP_MAX - 1:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


class Html(str):
    """A fragment already rendered as safe HTML: passed through without escaping."""

    __slots__ = ()


def load_message_ids(language: str, directory: Path = LOCALES_DIR) -> set[str]:
    """Message ids defined for a language (used by the completeness test)."""
    ids: set[str] = set()
    parser = FluentParser()
    for path in sorted((directory / language).glob("*.ftl")):
        for entry in parser.parse(path.read_text("utf-8")).body:
            if isinstance(entry, fluent_ast.Message | fluent_ast.Term):
                prefix = "-" if isinstance(entry, fluent_ast.Term) else ""
                ids.add(prefix + entry.id.name)
            elif isinstance(entry, fluent_ast.Junk):
                raise ValueError(f"{path}: syntax error near {(entry.content or '')[:40]!r}")
    return ids


def _bundle(language: str, directory: Path) -> FluentBundle:
    # use_isolating=False: Unicode isolation marks would show up in Telegram as junk.
    bundle = FluentBundle([language], use_isolating=False)
    files = sorted((directory / language).glob("*.ftl"))
    if not files:
        raise FileNotFoundError(f"no translation files for {language!r} in {directory}")
    # Without source positions (fluent.runtime's FluentResource keeps them): the bundle
    # lives as long as the bot, and the positions only served error messages.
    parser = FluentParser(with_spans=False)
    for path in files:
        bundle.add_resource(parser.parse(path.read_text("utf-8")))
    return bundle


@dataclass(frozen=True, slots=True)
class Translator:
    """Texts in one language."""

    language: str
    _bundle: FluentBundle

    def _format(self, key: str, args: Mapping[str, Any]) -> str:
        if not self._bundle.has_message(key):
            logger.error("Missing translation %s for %s", key, self.language)
            return key
        message = self._bundle.get_message(key)
        if message.value is None:  # a message with attributes only: none of ours
            logger.error("Translation %s for %s has no value", key, self.language)
            return key
        # fluent.runtime replaces any argument longer than 2500 characters with "{???}"
        # (a guard against expansion attacks). Our long arguments are descriptions and
        # answers, so they go in as short tokens and are put back after formatting.
        values = dict(args)
        long_values: dict[str, str] = {}
        for name, value in args.items():
            if isinstance(value, str) and len(value) > _FLUENT_SAFE_LENGTH:
                token = f"\x00{len(long_values)}\x00"
                long_values[token] = value
                values[name] = token
        formatted, errors = self._bundle.format_pattern(message.value, values)
        for error in errors:
            logger.error("Translation %s/%s: %s", self.language, key, error)
        # A pattern that failed outright formats to FluentNone; its text is its name.
        text = formatted if isinstance(formatted, str) else formatted.name or key
        for token, value in long_values.items():
            text = text.replace(token, value)
        return text

    def has(self, key: str) -> bool:
        """Whether a text exists (for names other capabilities may leave untranslated)."""
        return self._bundle.has_message(key)

    def __call__(self, key: str, /, **args: Any) -> str:
        """A message text (HTML): string arguments are escaped unless marked `Html`."""
        safe = {
            name: value
            if isinstance(value, Html) or not isinstance(value, str)
            else html.escape(value, quote=False)
            for name, value in args.items()
        }
        return self._format(key, safe)

    def button(self, key: str, /, **args: Any) -> str:
        """A button label or other plain text: no HTML, no escaping."""
        return self._format(key, args)

    def popup(self, key: str, /, **args: Any) -> str:
        """A pop-up of a pressed button (plain text, at most POPUP_MAX characters).

        A topic or a name may be as long as a pop-up: the longest values are shortened
        with "…" until the whole text fits, so what the pop-up says stays readable.
        """
        values = dict(args)
        text = self._format(key, values)
        done: set[str] = set()
        while _utf16_len(text) > POPUP_MAX:
            names = [
                name
                for name, value in values.items()
                if isinstance(value, str) and name not in done and len(value) > 1
            ]
            if not names:
                break
            longest = max(names, key=lambda name: len(values[name]))
            value = values[longest]
            keep = max(1, len(value) - (_utf16_len(text) - POPUP_MAX) - len(ELLIPSIS))
            shorter = value[:keep].rstrip() + ELLIPSIS
            if len(shorter) >= len(value):
                done.add(longest)
                continue
            values[longest] = shorter
            text = self._format(key, values)
        return fit_popup(text)


class Translations:
    """All languages, loaded once at start-up."""

    def __init__(self, default_language: str = "ru", directory: Path = LOCALES_DIR) -> None:
        self.default_language = default_language
        self._translators = {
            language: Translator(language, _bundle(language, directory)) for language in LANGUAGES
        }

    def get(self, language: str | None) -> Translator:
        return self._translators.get(language or "", self._translators[self.default_language])

    def all(self) -> list[Translator]:
        return [self._translators[language] for language in LANGUAGES]
