"""The HTTP session to the Bot API: JSON request bodies, response models kept alive.

A session of our own through aiogram's public extension point (`BaseSession`: its
abstract `make_request`, `stream_content` and `close`), not a changed copy of aiogram's
aiohttp session:

- Requests without files go as one JSON body (the Bot API takes JSON) instead of a
  multipart form: aiogram's form is built field by field, JSON-encoding every nested
  value on its own, then aiohttp writes the parts; one `json.dumps` of the whole call
  (aiogram's public `prepare_value` of the call's fields, which resolves the bot's
  defaults) costs a fraction of that, and Cyrillic travels as UTF-8, not as `\\uXXXX`.
  Every request goes over aiogram's own aiohttp client session (`AiohttpSession`'s
  public `create_session`: its connection limits, DNS cache, User-Agent and proxy), and
  uploads and downloads through that session's own methods, unchanged.
- aiogram parses every answer with `Response[method.__returning__]`. pydantic keeps
  such parametrised models only in a weak cache, so after a garbage collection the
  next call builds the model class again (several milliseconds of schema building,
  with the event loop blocked). The session holds each one it has used; anything but
  a plain success is reported by aiogram's `check_response`, as aiogram reports it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from functools import partial
from http import HTTPStatus
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError, ClientTimeout
from pydantic import ValidationError

_JSON = {"Content-Type": "application/json"}


class BotSession(BaseSession):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("json_dumps", partial(json.dumps, ensure_ascii=False))
        super().__init__(**kwargs)
        # aiogram's own session, with the same server and limits: its HTTP client
        # carries every request, and it sends the files up and down.
        self._aiohttp = AiohttpSession(
            api=self.api, json_dumps=self.json_dumps, timeout=self.timeout
        )
        self._response_models: dict[Any, type[Response[Any]]] = {}

    def call_as_json(
        self, bot: Bot, method: TelegramMethod[TelegramType], *, with_method: bool = False
    ) -> bytes | None:
        """The call as a JSON object, or None when it uploads a file. `with_method`: with
        the method's name in `method`, as a webhook's answer carries a call."""
        files: dict[str, Any] = {}
        # As in aiogram's form: absent and empty values are left out.
        fields = {
            key: value
            for key, value in method.model_dump(warnings=False).items()
            if value is not None and value != ""
        }
        if with_method:
            fields["method"] = method.__api_method__
        body = self.prepare_value(fields, bot=bot, files=files)
        if files:
            return None
        return cast(str, body).encode()

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = self.call_as_json(bot, method)
        if body is None:
            return await self._aiohttp.make_request(bot, method, timeout)
        session = await self._aiohttp.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=body,
                headers=_JSON,
                # A number is the whole request's limit, as aiohttp takes it.
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        return self._result(bot, method, resp.status, raw_result)

    def _result(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> TelegramType:
        returning = method.__returning__
        model = self._response_models.get(returning)
        if model is None:
            # A generic model made at run time for the method's result type.
            model = self._response_models[returning] = Response[returning]  # type: ignore[valid-type]
        if HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            try:
                response = model.model_validate_json(content, context={"bot": bot})
            except ValidationError:
                pass  # aiogram's own path below raises its ClientDecodeError
            else:
                if response.ok:
                    return cast(TelegramType, response.result)
        # Errors (and anything odd) the way aiogram reports them.
        checked = self.check_response(
            bot=bot, method=method, status_code=status_code, content=content
        )
        return cast(TelegramType, checked.result)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        async for chunk in self._aiohttp.stream_content(
            url, headers, timeout, chunk_size, raise_for_status
        ):
            yield chunk

    async def close(self) -> None:
        await self._aiohttp.close()
