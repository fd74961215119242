"""A fake Telegram Bot API server that the real aiogram `Bot` talks to over HTTP.

It serves `{base_url}/bot{token}/{method}`, keeps what the bot sent (messages, keyboards,
commands, files), feeds updates through long-polled getUpdates and refuses requests the way
Telegram does: bad HTML, over-long texts, oversized callback data, blocked users, unchanged
edits, plus errors injected with `fail_next`.

Deliberate difference: real Telegram takes a bare `&` that starts no entity literally; the
fake refuses it (Telegram's documentation requires `&amp;`, so a bot that forgets to escape
user input fails here). Pass `strict_html=False` to get Telegram's lenient behaviour.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import (
    BodyPartReader,
    ClientError,
    ClientResponse,
    ClientSession,
    ClientTimeout,
    MultipartReader,
    web,
)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
NOT_MODIFIED = f"Bad Request: {_NOT_MODIFIED}"
BLOCKED = "Forbidden: bot was blocked by the user"

Files = dict[str, tuple[str, bytes]]
Params = dict[str, Any]


def _now() -> int:
    return int(time.time())


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# ---------------------------------------------------------------------------------------------
# Telegram's HTML parse mode, ported from tdlib's parse_html (MessageEntity.cpp)
# ---------------------------------------------------------------------------------------------


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's reason."""


_HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "tg-emoji", "code", "pre", "blockquote",
    }
)  # fmt: skip
_SIMPLE_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = frozenset(" \t\r\n\v\f")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _decode_entity(text: str, pos: int) -> tuple[str | None, int]:
    """Decode the character reference at text[pos] == "&" as tdlib does.

    Returns (character, position after it) or (None, pos) when it is no entity.
    """
    end = pos + 1
    if text[end : end + 1] == "#":
        end += 1
        hexadecimal = text[end : end + 1] == "x"
        if hexadecimal:
            end += 1
        start = end
        digits = _HEX_DIGITS if hexadecimal else frozenset("0123456789")
        while end < len(text) and text[end] in digits:
            end += 1
        code = int(text[start:end], 16 if hexadecimal else 10) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None, pos
        char = chr(code)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(text[pos + 1 : end])
        if named is None:
            return None, pos
        char = named
    if text[end : end + 1] == ";":  # the semicolon is optional for Telegram
        end += 1
    return char, end


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    out_index: int


class _HtmlParser:
    """A character-level state machine; error texts are Telegram's."""

    def __init__(self, text: str, *, strict: bool) -> None:
        self.text = text
        self.strict = strict
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "&":
                self._character_reference()
            elif char != "<":
                self._emit(char)
                self.pos += 1
            elif self.text[self.pos + 1 : self.pos + 2] == "/":
                self._end_tag()
            else:
                self._start_tag()
        if self.stack:
            name = self.stack[-1].name
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
        plain = "".join(self.out)
        if any(0xD800 <= ord(char) <= 0xDFFF for char in plain):
            raise HtmlError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        for entity in self.entities:
            entity.pop("_language", None)
        return plain, sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))

    def _byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8", "surrogatepass"))

    def _emit(self, chars: str) -> None:
        self.out.append(chars)
        self.utf16 += utf16_len(chars)

    def _skip_spaces(self, index: int) -> int:
        while index < len(self.text) and self.text[index] in _SPACES:
            index += 1
        return index

    def _character_reference(self) -> None:
        char, end = _decode_entity(self.text, self.pos)
        if char is None:
            if self.strict:
                raise HtmlError(
                    f'Character "&" must be escaped as "&amp;" at byte offset '
                    f"{self._byte_offset(self.pos)}"
                )
            char, end = "&", self.pos + 1
        self._emit(char)
        self.pos = end

    def _start_tag(self) -> None:
        begin = self.pos
        index = begin + 1
        while index < len(self.text) and self.text[index] not in _SPACES | {">"}:
            index += 1
        if index >= len(self.text):
            raise HtmlError(f"Unclosed start tag at byte offset {self._byte_offset(begin)}")
        name = self.text[begin + 1 : index].lower()
        if name not in _HTML_TAGS:
            raise HtmlError(
                f'Unsupported start tag "{name}" at byte offset {self._byte_offset(begin)}'
            )
        argument, index = self._attributes(name, index, begin)
        if name == "span" and argument != "spoiler":
            raise HtmlError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{self._byte_offset(begin)}"
            )
        if name == "tg-emoji" and not argument:
            raise HtmlError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{self._byte_offset(begin)}"
            )
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.out)))
        self.pos = index + 1

    def _attributes(self, name: str, index: int, begin: int) -> tuple[str, int]:
        """Read attributes up to the closing ">"; return the tag's argument and its index."""
        argument = ""
        while True:
            index = self._skip_spaces(index)
            if index >= len(self.text):
                raise HtmlError(
                    f'Unclosed start tag "{name}" at byte offset {self._byte_offset(begin)}'
                )
            if self.text[index] == ">":
                return argument, index
            attribute_begin = index
            while index < len(self.text) and self.text[index] not in _SPACES | {"=", ">"}:
                index += 1
            attribute = self.text[attribute_begin:index]
            if not attribute:
                raise HtmlError(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{self._byte_offset(begin)}"
                )
            index = self._skip_spaces(index)
            if self.text[index : index + 1] != "=":
                if name == "blockquote" and attribute == "expandable":
                    argument = "expandable"
                    continue
                raise HtmlError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {self._byte_offset(begin)}"
                )
            index = self._skip_spaces(index + 1)
            if index >= len(self.text):
                raise HtmlError(
                    f'Unclosed start tag "{name}" at byte offset {self._byte_offset(begin)}'
                )
            value, index = self._attribute_value(index)
            if index >= len(self.text):
                raise HtmlError(f"Unclosed start tag at byte offset {self._byte_offset(begin)}")
            argument = _tag_argument(name, attribute, value, argument)

    def _attribute_value(self, index: int) -> tuple[str, int]:
        quote = self.text[index]
        if quote not in "'\"":
            # A name token: letters, digits, periods and hyphens, case-insensitive.
            start = index
            while index < len(self.text) and (
                (self.text[index].isascii() and self.text[index].isalnum())
                or self.text[index] in ".-"
            ):
                index += 1
            if index < len(self.text) and self.text[index] not in _SPACES | {">"}:
                raise HtmlError(
                    f"Unexpected end of name token at byte offset {self._byte_offset(start)}"
                )
            return self.text[start:index].lower(), index
        index += 1
        chars: list[str] = []
        while index < len(self.text) and self.text[index] != quote:
            char, end = _decode_entity(self.text, index) if self.text[index] == "&" else (None, 0)
            if char is None:
                char, end = self.text[index], index + 1
            chars.append(char)
            index = end
        return "".join(chars), index + 1 if index < len(self.text) else index

    def _end_tag(self) -> None:
        begin = self.pos
        if not self.stack:
            raise HtmlError(f"Unexpected end tag at byte offset {self._byte_offset(begin)}")
        index = begin + 2
        while index < len(self.text) and self.text[index] not in _SPACES | {">"}:
            index += 1
        end_name = self.text[begin + 2 : index]
        index = self._skip_spaces(index)
        if self.text[index : index + 1] != ">":
            raise HtmlError(f"Unclosed end tag at byte offset {self._byte_offset(begin)}")
        tag = self.stack.pop()
        if end_name and end_name != tag.name:
            raise HtmlError(
                f"Unmatched end tag at byte offset {self._byte_offset(begin)}, "
                f'expected "</{tag.name}>", found "</{end_name}>"'
            )
        if self.utf16 > tag.utf16_offset:
            self._add_entity(tag)
        self.pos = index + 1

    def _add_entity(self, tag: _OpenTag) -> None:
        entity: dict[str, Any] = {
            "offset": tag.utf16_offset,
            "length": self.utf16 - tag.utf16_offset,
        }
        last = self.entities[-1] if self.entities else None
        same_range = last is not None and (last["offset"], last["length"]) == (
            entity["offset"],
            entity["length"],
        )
        if tag.name in _SIMPLE_ENTITIES:
            entity["type"] = _SIMPLE_ENTITIES[tag.name]
        elif tag.name == "a":
            url = tag.argument or "".join(self.out[tag.out_index :])
            if not url:
                return
            entity.update(type="text_link", url=url)
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        elif tag.name == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "pre" and same_range and last and last.get("_language"):
            # <pre><code class="language-x">: one pre entity with a language
            last.update(type="pre", language=last.pop("_language"))
            return
        elif tag.name == "code" and same_range and last and last["type"] == "pre":
            if tag.argument:
                last["language"] = tag.argument
            return
        elif tag.name == "code":
            entity.update(type="code", _language=tag.argument)
        else:
            entity["type"] = "pre"
        self.entities.append(entity)


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: (plain text, Bot API entities) or HtmlError."""
    return _HtmlParser(text, strict=strict).run()


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace, as Telegram does, and shift entities to match."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def render_text(
    text: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None = None,
    *,
    strict: bool = True,
) -> tuple[str, list[dict[str, Any]]]:
    """What Telegram stores for a text or caption: (plain text, entities).

    Markdown modes are passed through unparsed.
    """
    if parse_mode and parse_mode.lower() == "html":
        return _strip(*parse_html(text, strict=strict))
    return _strip(text, list(entities or []))


# ---------------------------------------------------------------------------------------------
# Recorded state
# ---------------------------------------------------------------------------------------------


@dataclass
class ApiCall:
    """One Bot API request as the server understood it."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    ok: bool
    result: Any
    error_code: int | None = None
    at: float = field(default_factory=time.time)  # when the request arrived (epoch seconds)
    # Carried out from the bot's answer to a webhook request, not a request of its own.
    in_webhook_reply: bool = False


_UNKNOWN_BOT = {"id": 1, "is_bot": True, "first_name": "Bot"}


@dataclass
class SentMessage:
    """The current state of a message the bot sent; edits update it in place."""

    chat_id: int
    message_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    document: tuple[str, bytes] | None
    deleted: bool = False
    photo: tuple[str, bytes] | None = None
    entities: list[dict[str, Any]] | None = None  # explicit entities instead of parse_mode
    date: int = field(default_factory=_now)
    edit_date: int | None = None
    chat: dict[str, Any] = field(default_factory=dict, repr=False)
    sender: dict[str, Any] = field(default_factory=lambda: dict(_UNKNOWN_BOT), repr=False)
    media: dict[str, Any] = field(default_factory=dict, repr=False)  # {"document": {...}}

    @property
    def is_media(self) -> bool:
        return bool(self.media)

    def content(self) -> tuple[str, list[dict[str, Any]]]:
        """Plain text and entities, as Telegram shows them."""
        if self.text is None:
            return "", []
        return render_text(self.text, self.parse_mode, self.entities, strict=False)

    def plain_text(self) -> str:
        """The text with HTML tags stripped and entities unescaped."""
        return self.content()[0]

    def buttons(self) -> list[dict[str, Any]]:
        """Inline or reply keyboard buttons, row after row."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [b if isinstance(b, dict) else {"text": b} for row in rows for b in row]

    def to_api(self) -> dict[str, Any]:
        """The Bot API Message object for this message."""
        plain, entities = self.content()
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat or {"id": self.chat_id, "type": "private", "first_name": "User"},
            "from": self.sender,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        prefix = "caption" if self.is_media else "text"
        if plain or not self.is_media:
            message[prefix] = plain
        if entities:
            message["caption_entities" if self.is_media else "entities"] = entities
        message.update(self.media)
        markup = _inline_markup(self.reply_markup)
        if markup is not None:  # Telegram returns only inline keyboards with the message
            message["reply_markup"] = markup
        return message


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    filename: str
    content: bytes
    file_path: str

    def as_document(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.filename,
            "mime_type": mimetypes.guess_type(self.filename)[0] or "application/octet-stream",
            "file_size": len(self.content),
        }

    def as_photo(self) -> list[dict[str, Any]]:
        size = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        return [{**size, "width": 320, "height": 320, "file_size": len(self.content)}]


class Hold:
    """A call stalled by `FakeTelegram.hold_next`: `arrived` is set when it comes."""

    def __init__(self, withdraw: Callable[[Hold], None]) -> None:
        self.arrived = asyncio.Event()
        self._decided = asyncio.Event()
        self._carry_out = False
        self._withdraw = withdraw

    def release(self) -> None:
        """Carry the call out now (or, if it has not come yet, do not stall it)."""
        self._carry_out = True
        self._decided.set()
        self._withdraw(self)

    def drop(self) -> None:
        """Lose the call (its sender died); one that has not come yet is not stalled."""
        self._decided.set()
        self._withdraw(self)

    async def wait(self) -> bool:
        self.arrived.set()
        await self._decided.wait()
        return self._carry_out


class ApiError(Exception):
    """A Bot API error response."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


# What puts a message in a chat (or changes one): what Telegram's flood control counts.
MESSAGE_METHODS = frozenset(
    {
        "sendmessage", "copymessage", "senddocument", "sendphoto", "editmessagetext",
        "editmessagereplymarkup", "editmessagecaption",
    }
)  # fmt: skip


class RateLimit:
    """Telegram's flood control as a bot sees it: more than `per_second` messages in any
    second, all chats together, and the next is refused with 429 and how many whole
    seconds to wait until there is room again (`FakeTelegram.rate_limit`)."""

    def __init__(self, per_second: int, *, methods: frozenset[str] = MESSAGE_METHODS) -> None:
        self.per_second = per_second
        self.methods = frozenset(method.lower() for method in methods)
        self.refused = 0
        self._window: deque[float] = deque()  # when the messages of the last second came

    def check(self, method: str) -> None:
        if method.lower() not in self.methods:
            return
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.per_second:
            self.refused += 1
            wait = max(1, math.ceil(1.0 - (now - self._window[0])))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        self._window.append(now)


class Together:
    """A rush that reaches Telegram at once however slowly the machine made it: the first
    `count` calls of the methods are stalled until all of them have come, then carried out
    together (`FakeTelegram.together`). `complete` tells a test they did; if they have not
    `within` seconds after the first came, those that came go on (and `complete` stays
    false), so a test that miscounted fails on its assertion rather than hanging."""

    def __init__(
        self, count: int, *, methods: frozenset[str] = MESSAGE_METHODS, within: float = 10.0
    ) -> None:
        self.count = count
        self.methods = frozenset(method.lower() for method in methods)
        self.within = within
        self.arrived = 0
        self.complete = False
        self._go = asyncio.Event()
        self._deadline: asyncio.TimerHandle | None = None

    def takes(self, method: str) -> bool:
        return method.lower() in self.methods and self.arrived < self.count

    async def wait(self) -> None:
        self.arrived += 1
        if self.arrived >= self.count:
            self.complete = True
            self.release()
        elif self._deadline is None:
            self._deadline = asyncio.get_running_loop().call_later(self.within, self.release)
        await self._go.wait()

    def release(self) -> None:
        """Let every stalled call go on (and the calls still to come pass)."""
        if self._deadline is not None:
            self._deadline.cancel()
        self.arrived = max(self.arrived, self.count)
        self._go.set()


def _webhook_failure(outcome: int | str) -> str:
    """How getWebhookInfo describes a failed delivery (an HTTP status or the error)."""
    if isinstance(outcome, int):
        try:
            reason = HTTPStatus(outcome).phrase
        except ValueError:
            reason = ""
        return f"Wrong response from the webhook: {outcome} {reason}".rstrip()
    if outcome == "TimeoutError":
        return "Connection timed out"
    return "Connection refused"


# ---------------------------------------------------------------------------------------------
# Request decoding and validation
# ---------------------------------------------------------------------------------------------

# aiogram sends every field as a string; these hold JSON, integers or booleans.
_JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "scope", "commands",
        "link_preview_options", "reply_parameters", "allowed_updates", "menu_button",
        "media", "results", "options", "permissions", "input_message_content",
    }
)  # fmt: skip
_INT_FIELDS = frozenset(
    {
        "chat_id", "from_chat_id", "message_id", "user_id", "offset", "limit", "timeout",
        "cache_time", "max_connections", "message_thread_id", "reply_to_message_id",
        "duration", "width", "height", "video_start_timestamp",
    }
)  # fmt: skip
_BOOL_FIELDS = frozenset(
    {
        "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
        "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
        "disable_content_type_detection", "show_caption_above_media", "allow_paid_broadcast",
        "remove_caption",
    }
)  # fmt: skip
_INT_RE = re.compile(r"-?\d+")
_PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


def decode_params(raw: Mapping[str, Any]) -> Params:
    """Turn form strings into the values they stand for (JSON objects, ints, booleans)."""
    params: Params = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in _JSON_FIELDS:
            try:
                value = json.loads(value)  # noqa: PLW2901
            except ValueError:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise _bad(f"can't parse {what} JSON object") from None
        elif isinstance(value, str) and key in _INT_FIELDS and _INT_RE.fullmatch(value):
            value = int(value)  # noqa: PLW2901
        elif isinstance(value, str) and key in _BOOL_FIELDS and value in ("true", "false"):
            value = value == "true"  # noqa: PLW2901
        params[key] = value
    return params


def _inline_markup(markup: Any) -> dict[str, Any] | None:
    """The inline keyboard of a markup, or None (an empty one counts as none)."""
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return markup
    return None


def _rows(markup: dict[str, Any], key: str) -> list[list[Any]]:
    rows = markup[key]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad(f'field "{key}" must be an Array of Arrays')
    return rows


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not button["text"]:
        raise _bad("can't parse inline keyboard button: Text must be non-empty")
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url or any(char.isspace() for char in url):
            raise _bad("BUTTON_URL_INVALID")


def check_reply_markup(markup: Any) -> None:
    """Refuse keyboards Telegram would refuse."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        buttons = [b for row in _rows(markup, "inline_keyboard") for b in row]
        if len(buttons) > 100:
            raise _bad("reply markup is too long")
        for button in buttons:
            _check_inline_button(button)
    elif "keyboard" in markup:
        for button in (b for row in _rows(markup, "keyboard") for b in row):
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise _bad("can't parse keyboard button: Text must be non-empty")
    elif not {"remove_keyboard", "force_reply"} & markup.keys():
        raise _bad("can't parse reply keyboard markup JSON object")


def _scope_key(scope: Any) -> str:
    """Key of a scope: default, all_private_chats, ..., chat:<id>, chat_member:<chat>:<user>."""
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise _bad("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope.get('chat_id')}"
    if kind == "chat_member":
        return f"chat_member:{scope.get('chat_id')}:{scope.get('user_id')}"
    return kind


def _check_commands(commands: Any) -> list[dict[str, Any]]:
    if not isinstance(commands, list) or len(commands) > 100:
        raise _bad("commands must be an Array of at most 100 BotCommand")
    for command in commands:
        name = command.get("command") if isinstance(command, dict) else None
        if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
            raise _bad("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise _bad("command description must be non-empty")
    return commands


def _default_description(code: int, retry_after: int | None) -> str:
    if code == 429:
        return f"Too Many Requests: retry after {retry_after}"
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------

Handler = Callable[[Params, Files], Any]


class FakeTelegram:
    """A Bot API server on 127.0.0.1 that remembers what the bot did."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        bot_id: int | None = None,
        username: str = "pobratim_test_bot",
        first_name: str = "Pobratim",
        strict_html: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = bot_id if bot_id is not None else int(token.partition(":")[0])
        self.username = username
        self.first_name = first_name
        self.strict_html = strict_html

        self.calls: list[ApiCall] = []
        self.get_updates_calls = 0
        self.blocked_chats: set[int] = set()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None
        # Webhook mode: where updates are POSTed while a webhook is set (the bot's local
        # address stands in for the public URL it gave), and each attempt's outcome as
        # (update_id, HTTP status or the error's name).
        self.webhook_address: str | None = None
        self.webhook_attempts: list[tuple[int, int | str]] = []
        self.webhook_retry_after = 0.5  # seconds; Telegram waits longer, the tests cannot
        # The last failed delivery to the webhook, as getWebhookInfo reports it:
        # (unix time, Telegram's English description). Tests may set it.
        self.webhook_last_error: tuple[int, str] | None = None
        self._pushes: set[asyncio.Task[None]] = set()
        self._push_slots: asyncio.Semaphore | None = None
        self._client: ClientSession | None = None

        self._sent: dict[int, dict[int, SentMessage]] = {}
        self._incoming: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_numbers = itertools.count(1)
        self._failures: dict[str, list[ApiError]] = {}
        self._chat_failures: dict[tuple[str, int], list[ApiError]] = {}
        self._delays: dict[str, list[float]] = {}
        self._answer_delays: dict[str, list[float]] = {}
        self._holds: dict[str, Hold] = {}
        self._every_hold: list[Hold] = []
        # A hook that sees every call (method, decoded params) before it is served and
        # may raise ApiError: benchmarks use it for rate limits and random failures.
        self.gate: Callable[[str, dict[str, Any]], None] | None = None
        # Telegram's flood control (RateLimit): None, no limit.
        self.rate_limit: RateLimit | None = None
        # Calls held back until a rush has all come (Together): None, none held.
        self.together: Together | None = None
        # A local Bot API server (started with --local) keeps files in a folder of its own:
        # getFile answers a file's absolute path there (the file is written to it) instead
        # of a path to download, without the 20 MB limit, and nothing is served over HTTP.
        self.local_dir: Path | None = None
        # False: the local server's folder is not mounted where the bot runs (the paths
        # it hands out lead nowhere on the bot's machine).
        self.local_dir_mounted = True
        self.downloads: list[str] = []  # file paths asked for over HTTP (/file/bot.../...)

        self._updates: list[dict[str, Any]] = []
        self._last_update_id = 0
        self._wakeup = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "editmessagecaption": self._edit_message_caption,
            "answercallbackquery": self._answer_callback_query,
            "deletemessage": self._delete_message,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "copymessage": self._copy_message,
            "sendchataction": self._send_chat_action,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands,
            "getfile": self._get_file,
            "setchatmenubutton": lambda params, files: True,
        }

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a poll whose client went away stops waiting.
        runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._closing = False
        host, port = runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Answer waiting polls with [] and shut the server down."""
        self._closing = True
        self._wake()
        for hold in self._every_hold:
            hold.drop()
        if self.together is not None:
            self.together.release()
        for push in list(self._pushes):
            push.cancel()
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._base_url

    # -- what tests read and set ----------------------------------------------------------------

    def calls_of(self, method: str, *, chat_id: int | None = None) -> list[ApiCall]:
        """Calls of one method (case-insensitive), optionally to one chat."""
        return [
            call
            for call in self.calls
            if call.method.lower() == method.lower()
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in a chat that are not deleted, oldest first."""
        chat = self._sent.get(chat_id, {})
        return [chat[key] for key in sorted(chat) if not chat[key].deleted]

    def last_message(self, chat_id: int) -> SentMessage:
        messages = self.messages(chat_id)
        assert messages, f"the bot sent nothing (left) in chat {chat_id}"
        return messages[-1]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """A bot message by id, deleted or not."""
        found = self._sent.get(chat_id, {}).get(message_id)
        assert found is not None, f"no bot message {message_id} in chat {chat_id}"
        return found

    def commands_for(self, *, scope: str = "default", language_code: str = "") -> list[str]:
        return [item["command"] for item in self.commands.get((scope, language_code), [])]

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of a method fail (429 asks to retry after 1 s);
        with `chat_id`, only the calls to that chat (as Telegram limits one chat)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        text = description or _default_description(error_code, retry_after)
        error = ApiError(error_code, text, retry_after)
        if chat_id is not None:
            self._chat_failures.setdefault((method.lower(), chat_id), []).extend([error] * times)
            return
        self._failures.setdefault(method.lower(), []).extend([error] * times)

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` calls of a method only after `seconds` (a slow network)."""
        self._delays.setdefault(method.lower(), []).extend([seconds] * times)

    def delay_answers(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Carry out the next `times` calls of a method at once but answer only after
        `seconds`: a client that dies meanwhile never learns that its message went out."""
        self._answer_delays.setdefault(method.lower(), []).extend([seconds] * times)

    def hold_next(self, method: str) -> Hold:
        """Stall the next call of a method (a network that hangs): it is neither carried
        out nor answered until `release()`, or lost with `drop()` (its sender died)."""
        key = method.lower()

        def withdraw(hold: Hold) -> None:
            if self._holds.get(key) is hold:
                del self._holds[key]

        hold = Hold(withdraw)
        self._holds[key] = hold
        self._every_hold.append(hold)
        return hold

    def add_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id.

        Incoming messages get the chat's next message id (Telegram numbers incoming and
        outgoing messages of a private chat in one sequence), so the dict is changed in place.
        """
        if "update_id" not in update:
            self._last_update_id += 1
            update["update_id"] = self._last_update_id
        self._last_update_id = max(self._last_update_id, update["update_id"])
        self._remember(update)
        if self.webhook is not None and self.webhook_address is not None:
            push = asyncio.create_task(self._push(update))
            self._pushes.add(push)
            push.add_done_callback(self._pushes.discard)
            return update["update_id"]
        self._updates.append(update)
        self._wake()
        return update["update_id"]

    async def _push(self, update: dict[str, Any]) -> None:
        """Deliver an update to the webhook as Telegram does: a POST of the update as JSON
        with the secret token header; anything but a 2xx answer in time (an error, a
        dropped connection, a worker killed mid-request) and it is sent again later,
        possibly to another of the bot's processes."""
        assert self.webhook is not None and self.webhook_address is not None
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=60))
        headers = {"Content-Type": "application/json"}
        secret = self.webhook.get("secret_token")
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(secret)
        body = json.dumps(update, ensure_ascii=False)
        # At most `max_connections` requests at a time (setWebhook's; 40 by default).
        if self._push_slots is None:
            self._push_slots = asyncio.Semaphore(int(self.webhook.get("max_connections") or 40))
        async with self._push_slots:
            await self._push_until_taken(update, body, headers)

    async def _push_until_taken(
        self, update: dict[str, Any], body: str, headers: dict[str, str]
    ) -> None:
        assert self._client is not None
        for _ in range(20):
            if self._closing or self.webhook is None:
                return
            address = self.webhook_address
            if address is None:
                return
            try:
                async with self._client.post(address, data=body, headers=headers) as response:
                    outcome: int | str = response.status
                    if 200 <= response.status < 300:
                        await self._carry_out_reply(response)  # reads the body
                    else:
                        await response.read()
            except (ClientError, TimeoutError) as exc:
                outcome = type(exc).__name__
            self.webhook_attempts.append((update["update_id"], outcome))
            if not (isinstance(outcome, int) and 200 <= outcome < 300):
                self.webhook_last_error = (int(time.time()), _webhook_failure(outcome))
            if isinstance(outcome, int) and 200 <= outcome < 300:
                return
            await asyncio.sleep(self.webhook_retry_after)

    def add_file(
        self, filename: str, content: bytes, *, file_id: str | None = None
    ) -> dict[str, Any]:
        """Register a file (as if a user had sent it); returns its Document object."""
        return self._store_file(filename, content, "document", file_id).as_document()

    def add_photo(self, content: bytes) -> list[dict[str, Any]]:
        """Register a photo (as if a user had sent it); returns its PhotoSize list."""
        return self._store_file("photo.jpg", content, "photo").as_photo()

    # -- HTTP -----------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json(ApiError(401, "Unauthorized").payload(), 401)
        method = request.match_info["method"]
        try:
            raw, files = await _read_request(request)
        except ApiError as error:
            return _json(error.payload(), error.code)
        if method.lower() == "getupdates":
            return await self._handle_get_updates(raw)
        payload, status = await self._perform(method, raw, files)
        return _json(payload, status)

    async def _perform(
        self, method: str, raw: dict[str, Any], files: Files, *, in_webhook_reply: bool = False
    ) -> tuple[dict[str, Any], int]:
        """Carry out one Bot API call: (the answer's JSON object, its HTTP status)."""
        hold = self._holds.pop(method.lower(), None)
        if hold is not None and not await hold.wait():
            return ApiError(502, "Bad Gateway").payload(), 502  # nobody is listening
        together = self.together
        if together is not None and together.takes(method):
            await together.wait()
        delays = self._delays.get(method.lower())
        if delays:
            await asyncio.sleep(delays.pop(0))
        call = ApiCall(method, dict(raw), files, ok=False, result=None)
        call.in_webhook_reply = in_webhook_reply
        self.calls.append(call)
        try:
            call.params = decode_params(raw)
            if self.gate is not None:
                self.gate(method, call.params)  # may raise ApiError, like Telegram's limits
            if self.rate_limit is not None:
                self.rate_limit.check(method)
            call.result = self._dispatch(method, call.params, files)
        except ApiError as error:
            call.result, call.error_code = error.description, error.code
            return error.payload(), error.code
        call.ok = True
        answer_delays = self._answer_delays.get(method.lower())
        if answer_delays:
            await asyncio.sleep(answer_delays.pop(0))
        return {"ok": True, "result": call.result}, 200

    async def _carry_out_reply(self, response: ClientResponse) -> None:
        """A webhook's answer may hold one Bot API call ("Making requests when getting
        updates" in the Bot API docs): a JSON, urlencoded or multipart body whose `method`
        field names it. Telegram carries it out and tells the bot neither its result nor
        its error; both are in `calls` here, as for any other call."""
        raw, files = await _read_body(response.content_type, response)
        method = raw.pop("method", None)
        if isinstance(method, str) and method and method.lower() != "getupdates":
            await self._perform(method, raw, files, in_webhook_reply=True)

    def _dispatch(self, method: str, params: Params, files: Files) -> Any:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and self._chat_failures.get((method.lower(), chat_id)):
            raise self._chat_failures[method.lower(), chat_id].pop(0)
        failures = self._failures.get(method.lower())
        if failures:
            raise failures.pop(0)
        handler = self._handlers.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler(params, files)

    async def _handle_get_updates(self, raw: Mapping[str, Any]) -> web.Response:
        self.get_updates_calls += 1
        try:
            failures = self._failures.get("getupdates")
            if failures:
                raise failures.pop(0)
            result = await self._get_updates(decode_params(raw))
        except ApiError as error:
            return _json(error.payload(), error.code)
        return _json({"ok": True, "result": result}, 200)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json(ApiError(401, "Unauthorized").payload(), 401)
        path = request.match_info["path"]
        self.downloads.append(path)
        if self.local_dir is not None:  # a local server hands out paths, not downloads
            return _json(ApiError(404, "Not Found").payload(), 404)
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.content, content_type="application/octet-stream")
        return _json(ApiError(404, "Not Found").payload(), 404)

    # -- getUpdates -----------------------------------------------------------------------------

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:  # -N: only the last N updates are kept
            self._updates = self._updates[offset:]

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm(int(params.get("offset") or 0))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(int(params.get("timeout") or 0), 0)
        # A newer getUpdates terminates this one, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()
        while True:
            wakeup = self._wakeup
            if generation != self._poll_generation and not self._closing:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if self._updates or self._closing:
                return self._updates[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(wakeup.wait(), remaining)
            except TimeoutError:
                return []

    def _remember(self, update: dict[str, Any]) -> None:
        """Learn users and chats from an update; number incoming messages."""
        for kind in ("message", "callback_query", "edited_message"):
            payload = update.get(kind)
            if isinstance(payload, dict) and isinstance(payload.get("from"), dict):
                self._users[payload["from"]["id"]] = payload["from"]
        message = update.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            chat_id = message["chat"]["id"]
            message["message_id"] = self._next_message_id(chat_id)
            self._incoming[(chat_id, message["message_id"])] = message

    # -- helpers for handlers -------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}
        user = self._users.get(chat_id, {})
        chat = {"id": chat_id, "type": "private", "first_name": user.get("first_name", "User")}
        chat.update({key: user[key] for key in ("last_name", "username") if key in user})
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    @staticmethod
    def _chat_id(params: Params, key: str = "chat_id") -> int:
        value = params.get(key)
        if value is None or value == "":
            raise _bad(f"{key} is empty")
        if not isinstance(value, int) or isinstance(value, bool) or value == 0:
            raise _bad("chat not found")
        return value

    def _target_chat(self, params: Params) -> int:
        """The chat a message goes to: it must exist and not have blocked the bot."""
        chat_id = self._chat_id(params)
        if chat_id in self.blocked_chats:
            raise ApiError(403, BLOCKED)
        return chat_id

    @staticmethod
    def _message_id(params: Params) -> int:
        if "inline_message_id" in params:
            raise _bad("inline messages are not supported by the fake server")
        value = params.get("message_id")
        if not isinstance(value, int):
            raise _bad("message identifier is not specified")
        return value

    @staticmethod
    def _parse_mode(params: Params) -> str | None:
        mode = params.get("parse_mode") or None
        if mode is not None and str(mode).lower() not in _PARSE_MODES:
            raise _bad("unsupported parse_mode")
        return mode

    def _render(
        self, text: str, parse_mode: str | None, entities: Any
    ) -> tuple[str, list[dict[str, Any]]]:
        try:
            return render_text(text, parse_mode, entities, strict=self.strict_html)
        except HtmlError as error:
            raise _bad(f"can't parse entities: {error}") from None

    def _checked_text(self, params: Params) -> tuple[str, list[dict[str, Any]]]:
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise _bad("message text is empty")
        plain, entities = self._render(text, self._parse_mode(params), params.get("entities"))
        if not plain:
            raise _bad("message text is empty")
        if utf16_len(plain) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        return plain, entities

    def _checked_caption(self, params: Params) -> tuple[str, list[dict[str, Any]]]:
        caption = params.get("caption")
        if not isinstance(caption, str):
            return "", []
        mode = self._parse_mode(params)
        plain, entities = self._render(caption, mode, params.get("caption_entities"))
        if utf16_len(plain) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        return plain, entities

    @staticmethod
    def _checked_markup(params: Params) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        return markup

    def _store_message(self, message: SentMessage) -> SentMessage:
        message.chat = self._chat(message.chat_id)
        message.sender = self._bot_user()
        self._sent.setdefault(message.chat_id, {})[message.message_id] = message
        return message

    def _bot_message(self, params: Params, *, missing: str) -> SentMessage:
        found = self._sent.get(self._chat_id(params), {}).get(self._message_id(params))
        if found is None or found.deleted:
            raise _bad(missing)
        return found

    def _editable(self, params: Params) -> SentMessage:
        """The bot message an edit refers to; the user's own messages can't be edited."""
        chat_id = self._target_chat(params)
        if (chat_id, self._message_id(params)) in self._incoming:
            raise _bad("message can't be edited")
        return self._bot_message(params, missing="message to edit not found")

    def _store_file(
        self, filename: str, content: bytes, kind: str, file_id: str | None = None
    ) -> _StoredFile:
        number = next(self._file_numbers)
        suffix = mimetypes.guess_extension(mimetypes.guess_type(filename)[0] or "") or ""
        stored = _StoredFile(
            file_id=file_id or f"fake-{kind}-{number}",
            file_unique_id=f"unique-{number}",
            filename=filename,
            content=content,
            file_path=f"{kind}s/file_{number}{suffix}",
        )
        self._files[stored.file_id] = stored
        return stored

    def _input_file(self, params: Params, files: Files, key: str) -> _StoredFile:
        """The file a send method refers to: an upload (attach://) or a known file_id."""
        value = params.get(key)
        if value is None and key in files:  # uploaded under the field name itself
            value = f"attach://{key}"
        if not isinstance(value, str) or not value:
            raise _bad(f"there is no {key} in the request")
        if value.startswith("attach://"):
            part = files.get(value.removeprefix("attach://"))
            if part is None:
                raise _bad("wrong file identifier/HTTP URL specified")
            if not part[1]:
                raise _bad("file must be non-empty")
            return self._store_file(part[0], part[1], key)
        if value.startswith(("http://", "https://")):
            raise _bad("failed to get HTTP URL content")
        if value not in self._files:
            raise _bad("wrong file identifier/HTTP URL specified")
        return self._files[value]

    # -- methods --------------------------------------------------------------------------------

    def _get_me(self, params: Params, files: Files) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, params: Params, files: Files) -> bool:
        url = params.get("url") or ""
        if not url:
            self.webhook = None
        elif not str(url).startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        else:
            self.webhook = dict(params)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: Params, files: Files) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: Params, files: Files) -> dict[str, Any]:
        """Telegram's WebhookInfo: the optional fields only when they have a value (no
        webhook: url "" and the counts alone)."""
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": bool((self.webhook or {}).get("certificate")),
            "pending_update_count": len(self._updates) + len(self._pushes),
        }
        if self.webhook:
            if self.webhook.get("ip_address"):
                info["ip_address"] = self.webhook["ip_address"]
            info["max_connections"] = int(self.webhook.get("max_connections") or 40)
            if self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        if self.webhook_last_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    def _send_message(self, params: Params, files: Files) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        self._checked_text(params)
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._next_message_id(chat_id),
            text=params["text"],
            parse_mode=self._parse_mode(params),
            reply_markup=self._checked_markup(params),
            document=None,
            entities=params.get("entities"),
        )
        return self._store_message(message).to_api()

    def _send_media(self, params: Params, files: Files, kind: str) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        stored = self._input_file(params, files, kind)
        self._checked_caption(params)
        markup = self._checked_markup(params)
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._next_message_id(chat_id),
            text=params.get("caption"),
            parse_mode=self._parse_mode(params),
            reply_markup=markup,
            document=None,
            entities=params.get("caption_entities"),
        )
        if kind == "photo":
            message.photo = (stored.filename, stored.content)
            message.media = {"photo": stored.as_photo()}
        else:
            message.document = (stored.filename, stored.content)
            message.media = {"document": stored.as_document()}
        return self._store_message(message).to_api()

    def _send_document(self, params: Params, files: Files) -> dict[str, Any]:
        return self._send_media(params, files, "document")

    def _send_photo(self, params: Params, files: Files) -> dict[str, Any]:
        return self._send_media(params, files, "photo")

    def _edit_message_text(self, params: Params, files: Files) -> dict[str, Any]:
        message = self._editable(params)
        if message.is_media:
            raise _bad("there is no text in the message to edit")
        plain, entities = self._checked_text(params)
        markup = _inline_markup(self._checked_markup(params))
        if (plain, entities, markup) == (*message.content(), _inline_markup(message.reply_markup)):
            raise _bad(_NOT_MODIFIED)
        message.text = params["text"]
        message.parse_mode = self._parse_mode(params)
        message.entities = params.get("entities")
        return self._apply_edit(message, markup)

    def _edit_message_caption(self, params: Params, files: Files) -> dict[str, Any]:
        message = self._editable(params)
        if not message.is_media:
            raise _bad("there is no caption in the message to edit")
        plain, entities = self._checked_caption(params)
        markup = _inline_markup(self._checked_markup(params))
        if (plain, entities, markup) == (*message.content(), _inline_markup(message.reply_markup)):
            raise _bad(_NOT_MODIFIED)
        message.text = params.get("caption")
        message.parse_mode = self._parse_mode(params)
        message.entities = params.get("caption_entities")
        return self._apply_edit(message, markup)

    def _edit_message_reply_markup(self, params: Params, files: Files) -> dict[str, Any]:
        message = self._editable(params)
        markup = _inline_markup(self._checked_markup(params))
        if markup == _inline_markup(message.reply_markup):
            raise _bad(_NOT_MODIFIED)
        return self._apply_edit(message, markup)

    @staticmethod
    def _apply_edit(message: SentMessage, markup: dict[str, Any] | None) -> dict[str, Any]:
        # An edit without reply_markup removes the inline keyboard, as on Telegram; a reply
        # keyboard belongs to the chat and stays.
        if markup is not None or _inline_markup(message.reply_markup) is not None:
            message.reply_markup = markup
        message.edit_date = _now()
        return message.to_api()

    def _delete_message(self, params: Params, files: Files) -> bool:
        chat_id = self._chat_id(params)
        message_id = self._message_id(params)
        if self._incoming.pop((chat_id, message_id), None) is not None:
            return True
        message = self._bot_message(params, missing="message to delete not found")
        message.deleted = True
        return True

    def _copy_message(self, params: Params, files: Files) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        source = self._copy_source(params)
        copy = SentMessage(
            chat_id=chat_id,
            message_id=0,
            text=source.text,
            parse_mode=source.parse_mode,
            reply_markup=self._checked_markup(params),
            document=source.document,
            photo=source.photo,
            entities=source.entities,
            media=dict(source.media),
        )
        if "caption" in params and copy.is_media:
            self._checked_caption(params)
            copy.text = params["caption"]
            copy.parse_mode = self._parse_mode(params)
            copy.entities = params.get("caption_entities")
        copy.message_id = self._next_message_id(chat_id)
        self._store_message(copy)
        return {"message_id": copy.message_id}

    def _copy_source(self, params: Params) -> SentMessage:
        """The message to copy, a bot message or one the user sent."""
        from_chat = self._chat_id(params, "from_chat_id")
        message_id = self._message_id(params)
        found = self._sent.get(from_chat, {}).get(message_id)
        if found is not None and not found.deleted:
            return found
        incoming = self._incoming.get((from_chat, message_id))
        if incoming is None:
            raise _bad("message to copy not found")
        media = {key: incoming[key] for key in ("document", "photo") if key in incoming}
        if not media and "text" not in incoming:
            raise _bad("message can't be copied")
        stored = self._files.get(media.get("document", {}).get("file_id", ""))
        return SentMessage(
            chat_id=from_chat,
            message_id=message_id,
            text=incoming.get("caption" if media else "text"),
            parse_mode=None,
            reply_markup=None,
            document=(stored.filename, stored.content) if stored else None,
            entities=incoming.get("caption_entities" if media else "entities"),
            media=media,
        )

    def _answer_callback_query(self, params: Params, files: Files) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if not query_id:
            raise _bad("query_id is empty")
        if query_id in self.callback_answers:  # a query can be answered once
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        # "0-200 characters", counted as Telegram counts text: in UTF-16 code units.
        if utf16_len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        return True

    def _send_chat_action(self, params: Params, files: Files) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    @staticmethod
    def _commands_key(params: Params) -> tuple[str, str]:
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise _bad("invalid language code specified")
        return _scope_key(params.get("scope")), str(language)

    def _set_my_commands(self, params: Params, files: Files) -> bool:
        commands = _check_commands(params.get("commands"))
        key = self._commands_key(params)
        if commands:
            self.commands[key] = commands
        else:  # an empty list is the same as deleting them
            self.commands.pop(key, None)
        return True

    def _delete_my_commands(self, params: Params, files: Files) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: Params, files: Files) -> list[dict[str, Any]]:
        return self.commands.get(self._commands_key(params), [])

    def _get_file(self, params: Params, files: Files) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        file_path = stored.file_path
        if self.local_dir is not None:
            local = self.local_dir.resolve() / stored.file_path
            if self.local_dir_mounted:
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_bytes(stored.content)
            file_path = str(local)
        elif len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": file_path,
        }


def _json(payload: Any, status: int) -> web.Response:
    return web.json_response(payload, status=status)


async def _read_body(content_type: str, response: ClientResponse) -> tuple[dict[str, Any], Files]:
    """A webhook answer's body as a call's fields: JSON, urlencoded or multipart."""
    raw: dict[str, Any] = {}
    files: Files = {}
    if content_type == "application/json":
        body = await response.json()
        if isinstance(body, dict):
            raw.update(body)
    elif content_type == "application/x-www-form-urlencoded":
        raw.update(parse_qsl(await response.text()))
    elif content_type == "multipart/form-data":
        reader = MultipartReader.from_response(response)
        while (part := await reader.next()) is not None:
            assert isinstance(part, BodyPartReader)
            if part.name is None:
                continue
            if part.filename is not None:
                files[part.name] = (part.filename, bytes(await part.read()))
            else:
                raw[part.name] = await part.text()
    else:
        await response.read()
    return raw, files


async def _read_request(request: web.Request) -> tuple[dict[str, Any], Files]:
    """Query string plus a urlencoded, multipart or JSON body: (fields, file parts)."""
    raw: dict[str, Any] = dict(request.query)
    files: Files = {}
    if not request.can_read_body:
        return raw, files
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise _bad("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise _bad("JSON request body must be an object")
        raw.update(body)
        return raw, files
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "Request Entity Too Large") from None
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = (value.filename, value.file.read())
        else:
            raw[key] = value
    return raw, files


# ---------------------------------------------------------------------------------------------
# Building updates by hand
# ---------------------------------------------------------------------------------------------

_CALLBACK_IDS = itertools.count(4_000_000_000_000_001)
_BOT_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")


class UpdateFactory:
    """Telegram update dicts from one user in their private chat with the bot.

    Updates carry no update_id; `FakeTelegram.add_update` assigns it.
    """

    def __init__(
        self,
        user_id: int,
        *,
        first_name: str = "Иван",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> None:
        self.user_id = user_id
        names = {"first_name": first_name, "last_name": last_name, "username": username}
        names = {key: value for key, value in names.items() if value is not None}
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, **names}
        if language_code is not None:
            self.user["language_code"] = language_code
        self.chat: dict[str, Any] = {"id": user_id, "type": "private", **names}
        self._message_ids = itertools.count(1)

    def _message(self, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": _now(),
            "chat": dict(self.chat),
            "from": dict(self.user),
            **content,
        }
        return {"message": message}

    def message(self, text: str) -> dict[str, Any]:
        """A text message; a leading /command gets its bot_command entity."""
        content: dict[str, Any] = {"text": text}
        command = _BOT_COMMAND.match(text)
        if command:
            length = utf16_len(command.group())
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._message(**content)

    def document(
        self,
        filename: str,
        content: bytes,
        *,
        file_id: str | None = None,
        caption: str | None = None,
        server: FakeTelegram,
    ) -> dict[str, Any]:
        """A document message; the server learns the file so getFile and download work."""
        extra: dict[str, Any] = {"document": server.add_file(filename, content, file_id=file_id)}
        if caption is not None:
            extra["caption"] = caption
        return self._message(**extra)

    def photo(
        self,
        content: bytes,
        *,
        caption: str | None = None,
        caption_entities: list[dict[str, Any]] | None = None,
        server: FakeTelegram,
    ) -> dict[str, Any]:
        """A photo message; the server learns the file like a document's."""
        extra: dict[str, Any] = {"photo": server.add_photo(content)}
        if caption is not None:
            extra["caption"] = caption
        if caption_entities:
            extra["caption_entities"] = caption_entities
        return self._message(**extra)

    def formatted(self, text: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
        """A text message with formatting (bold, links...) as Telegram sends it: entities."""
        return self._message(text=text, entities=entities)

    def sticker(self, emoji: str = "👍") -> dict[str, Any]:
        """A sticker message (no text, no caption), as Telegram sends it."""
        unique = f"AgAD{next(self._message_ids)}"
        sticker = {
            "file_id": f"CAACAgIAAxkBAAE{unique}",
            "file_unique_id": unique,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._message(sticker=sticker)

    def callback(self, message: SentMessage, data: str) -> dict[str, Any]:
        """A press on a button of a bot message, as it looks now."""
        api_message = message.to_api()
        if message.chat_id == self.user_id:
            api_message["chat"] = dict(self.chat)
        query = {
            "id": str(next(_CALLBACK_IDS)),
            "from": dict(self.user),
            "message": api_message,
            "chat_instance": f"-{self.user_id}77",
            "data": data,
        }
        return {"callback_query": query}

    def contact(self, phone_number: str) -> dict[str, Any]:
        """The user shares their own contact."""
        contact = {
            "phone_number": phone_number,
            "first_name": self.user["first_name"],
            "user_id": self.user_id,
        }
        if "last_name" in self.user:
            contact["last_name"] = self.user["last_name"]
        return self._message(contact=contact)
