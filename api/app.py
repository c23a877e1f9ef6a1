"""The API as an aiohttp sub-application under /api, and the Mini App's files under /app/.

``mount`` is called by bootstrap for the web role; the worker runs ``api.stream.Publisher`` on the
same ``event_stream``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram import Bot
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api import handlers, texts
from api.context import ApiContext
from api.handlers.events import HUB
from api.routing import CONTEXT, ROUTES, Call, openapi, route, to_aiohttp
from api.stream import EventStream, Hub, MemoryStream, RedisStream
from core.config import Settings
from core.kv import KeyValue

STATIC = Path(__file__).resolve().parent / "static" / "app"


def event_stream(settings: Settings, redis: Redis | None) -> EventStream:
    """Redis when there is one (every web worker reads it), else in this process's memory (the
    process then runs both roles: the same object is given to ``mount`` and ``Publisher``)."""
    return RedisStream(redis, settings.redis_prefix) if redis is not None else MemoryStream()


@route("GET", "/openapi.json", summary="This document", tag="meta", auth=False, answer={"type": "object"})
async def openapi_document(call: Call) -> dict[str, Any]:
    return openapi(ROUTES)


@route("GET", "/texts", summary="The Mini App's texts in a language", tag="meta", auth=False,
       query={"lang": "ar or en"}, answer={"type": "object", "additionalProperties": {"type": "string"}})
async def app_texts(call: Call) -> dict[str, Any]:
    lang = call.request.query.get("lang") or call.lang
    return texts.catalog(lang if lang in ("ar", "en") else call.lang)


def build(ctx: ApiContext) -> web.Application:
    handlers.load()
    api = web.Application(client_max_size=12 * 1024 * 1024)  # a JSON body (uploads: api.uploads)
    api[CONTEXT] = ctx
    api[HUB] = Hub(ctx.stream)
    for spec in ROUTES:
        api.router.add_route(spec.method, spec.path, to_aiohttp(spec))

    async def forget_markets_on_offer_events(app: web.Application) -> None:
        app[HUB].subscribe(0, lambda item: ctx.market.forget() if item.event.startswith("offer.") else None)

    async def close_hub(app: web.Application) -> None:
        await app[HUB].close()

    api.on_startup.append(forget_markets_on_offer_events)
    api.on_cleanup.append(close_hub)
    return api


def mount(app: web.Application, *, settings: Settings, session_factory: async_sessionmaker[AsyncSession],
          redis: Redis | None, stream: EventStream, kv: KeyValue, bot: Bot,
          replica_factory: async_sessionmaker[AsyncSession] | None = None) -> ApiContext:  # fmt: skip
    ctx = ApiContext(settings, session_factory, redis, stream, bot, replica_factory, kv)
    app.add_subapp("/api", build(ctx))

    async def app_index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def app_root(request: web.Request) -> web.Response:
        raise web.HTTPFound("/app/")

    app.router.add_get("/app", app_root)
    app.router.add_get("/app/", app_index)
    app.router.add_static("/app/", STATIC, append_version=False)
    return ctx
