"""The HTTP face of the stand-in: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import NOT_FOUND, ApiError
from .files import by_path
from .methods import dispatch
from .params import Params, read_params
from .state import ApiCall
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
    except ApiError as exc:
        return _json(exc.body(), exc.code)
    status, description = 200, None
    params = Params({})
    try:
        params = await read_params(request)
        tg.check_rate(bot, name, params)
        result = await dispatch(tg, bot, name, params)
        response = _json({"ok": True, "result": result})
    except ApiError as exc:
        status, description = exc.code, exc.description
        response = _json(exc.body(), exc.code)
    except Exception:  # a bug in the stand-in: say so in Telegram's shape, keep serving
        log.exception("%s failed in the Telegram sandbox", name)
        status, description = 500, "Internal Server Error"
        response = _json({"ok": False, "error_code": 500, "description": description}, 500)
    if name.lower() != "getupdates":
        shown = {**params.values, **{k: f"<file {u.filename}>" for k, u in params.uploads.items()}}
        tg.api_calls.append(ApiCall(bot.id, name, shown, status, description, time.monotonic()))
    return response


async def handle_file(request: web.Request) -> web.Response:
    tg = request.app[SANDBOX_KEY]
    try:
        bot = tg.bot_for_token(request.match_info["token"])
    except ApiError as exc:
        return _json(exc.body(), exc.code)
    rec = by_path(tg, request.match_info["path"])
    if rec is None or tg.file_for_bot(bot, rec.file_id) is None:
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
