"""The HTTP face of the stand-in: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import NOT_FOUND, ApiError
from .files import by_path
from .methods import dispatch
from .params import read_params
from .web import setup_web

if TYPE_CHECKING:
    from .sandbox import TelegramSandbox

log = logging.getLogger(__name__)
SANDBOX_KEY: web.AppKey[TelegramSandbox] = web.AppKey("telegram_sandbox")
MAX_BODY = 60 * 1024 * 1024  # Telegram takes uploads up to 50 MB


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def handle_method(request: web.Request) -> web.Response:
    tg = request.app[SANDBOX_KEY]
    name = request.match_info["method"]
    try:
        bot = tg.bot_for_token(request.match_info["token"])
        params = await read_params(request)
        tg.check_rate(bot, name, params)
        result = await dispatch(tg, bot, name, params)
    except ApiError as exc:
        log.debug("%s -> %s %s", name, exc.code, exc.description)
        return _json(exc.body(), exc.code)
    except Exception:  # a bug in the stand-in: say so in Telegram's shape, keep serving
        log.exception("%s failed in the Telegram sandbox", name)
        return _json({"ok": False, "error_code": 500, "description": "Internal Server Error"}, 500)
    return _json({"ok": True, "result": result})


async def handle_file(request: web.Request) -> web.Response:
    tg = request.app[SANDBOX_KEY]
    try:
        tg.bot_for_token(request.match_info["token"])
    except ApiError as exc:
        return _json(exc.body(), exc.code)
    path = request.match_info["path"]
    rec = by_path(tg, path)
    if rec is None:
        return _json(NOT_FOUND.body(), 404)
    return web.Response(body=rec.data, content_type=rec.mime_type or "application/octet-stream")


async def handle_unknown(request: web.Request) -> web.Response:
    return _json(NOT_FOUND.body(), 404)


def make_app(tg: TelegramSandbox) -> web.Application:
    """The aiohttp application serving one sandbox (more routes can be added, e.g. a web page)."""
    app = web.Application(client_max_size=MAX_BODY)
    app[SANDBOX_KEY] = tg
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
    app.router.add_route("*", "/bot{tail:.*}", handle_unknown)
    setup_web(app)

    async def close_deliveries(_: web.Application) -> None:
        await tg.deliverer.close()

    app.on_cleanup.append(close_deliveries)
    return app
