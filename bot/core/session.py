"""The HTTP session to the Bot API: JSON request bodies, response models kept alive."""

from __future__ import annotations

import json
from functools import partial
from http import HTTPStatus
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile
from aiohttp import ClientError, ClientTimeout
from pydantic import ValidationError

_JSON = {"Content-Type": "application/json"}


class BotSession(AiohttpSession):
    """aiogram's aiohttp session with two changes for a bot under load.

    Requests without files go as one JSON body (the Bot API takes JSON) instead of a
    multipart form: aiogram builds a form field by field, JSON-encoding every nested
    value on its own, then aiohttp writes the parts; a single `json.dumps` of the call
    costs a fraction of that, and Cyrillic text travels as UTF-8, not as `\\uXXXX`.
    Uploads still go as multipart forms.

    aiogram parses every answer with `Response[method.__returning__]`. pydantic keeps
    such parametrised models only in a weak cache, so after a garbage collection the
    next call builds the model class again (several milliseconds of schema building,
    with the event loop blocked). The session holds each one it has used, and lets
    pydantic parse the answer's JSON itself.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("json_dumps", partial(json.dumps, ensure_ascii=False))
        super().__init__(**kwargs)
        self._response_models: dict[Any, type[Response[Any]]] = {}

    def _json_body(self, bot: Bot, method: TelegramMethod[TelegramType]) -> bytes | None:
        """The call as a JSON object, or None when it uploads a file."""
        files: dict[str, InputFile] = {}
        body = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            # As in the form: absent and empty values are left out.
            if prepared is None or prepared == "":
                continue
            body[key] = prepared
        if files:
            return None
        return self.json_dumps(body).encode()

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = self._json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
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
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
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
                    return cast(Response[TelegramType], response)
        # Errors (and anything odd) the way aiogram reports them.
        return super().check_response(bot, method, status_code, content)
