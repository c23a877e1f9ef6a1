"""The one module that leans on aiogram's (and pydantic's) internals, each where aiogram 3.31
offers no public API. tests/foundation/test_aiogram_compat.py fails, naming the piece, when an
upgrade breaks one of them: mend it here, nowhere else.

- ``detach_routers``: aiogram includes a router in a parent but cannot take it out again; the
  feature routers are module-level objects that the next Dispatcher in the same process (tests,
  benchmarks) must include anew. Resets ``Router._parent_router``.
- ``JsonReplyHandler``: the webhook reply as a JSON object instead of aiogram's multipart form.
  Overrides ``SimpleRequestHandler._build_response_writer`` and calls
  ``BaseSession.prepare_value(..., _dumps_json=False)`` so that nested objects stay objects.
- ``KeepResponseModels``: pydantic keeps the parametrised ``Response[T]`` that aiogram builds for
  every reply only in a weak cache; holding them avoids rebuilding one per call.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import JsonPayload, Payload


def detach_routers(root: Router) -> None:
    """Free every router under ``root`` (a Dispatcher), so that another can include them again."""

    def walk(router: Router) -> None:
        for child in router.sub_routers:
            walk(child)
            child._parent_router = None
        router.sub_routers.clear()

    walk(root)


class JsonReplyHandler(SimpleRequestHandler):
    """The method a handler returns goes back in the webhook's reply (no round trip to Telegram)
    as a JSON object, which Telegram accepts there and which costs a fraction of the multipart
    form aiogram builds. A reply that uploads a file keeps the form."""

    def _build_response_writer(self, bot: Bot, result: TelegramMethod[Any] | None) -> Payload:
        if not result:
            return super()._build_response_writer(bot, result)
        files: dict[str, Any] = {}
        body: dict[str, Any] = {"method": result.__api_method__}
        for key, value in result.model_dump(warnings=False).items():
            prepared = bot.session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared:  # as aiogram's form: empty values are left out
                body[key] = prepared
        if files:
            return super()._build_response_writer(bot, result)
        return JsonPayload(body, dumps=bot.session.json_dumps)


class KeepResponseModels(BaseRequestMiddleware):
    """aiogram parses each Bot API reply as the pydantic model ``Response[T]``. pydantic keeps such
    generic models only in a weak cache, so once collected each is rebuilt, which costs
    milliseconds per call; holding them here builds each once."""

    def __init__(self) -> None:
        self.models: dict[Any, type[Response[Any]]] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Response[Any]:  # fmt: skip
        returning = method.__returning__
        if returning not in self.models:
            self.models[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
