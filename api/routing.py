"""Routes declared once: the aiohttp handler and its OpenAPI description come from the same
``@route(...)`` declaration, so the document at /api/openapi.json lists exactly what is served.

A handler takes a ``Call``: the signed-in user (for ``auth=True``), their language, the request's
JSON body and one database session whose transaction commits when the handler returns (a
refusal rolls it back). It returns what becomes the JSON answer (or a ready web.StreamResponse).
A route declared with ``form=`` also takes a multipart/form-data body (an upload), which its
handler reads itself (api.uploads).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api import problems, tokens
from api.context import ApiContext
from api.ratelimit import check_rate
from botkit.i18n import pick_language
from core.errors import DomainError
from core.users import User

log = logging.getLogger(__name__)
CONTEXT = web.AppKey("api", ApiContext)
Handler = Callable[[Any], Awaitable[Any]]  # takes a Call (a raw route: the web.Request)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # under /api, with {name} parameters
    handler: Handler
    summary: str
    tag: str
    auth: bool
    body: dict[str, Any] | None  # the JSON schema of the request body
    form: dict[str, Any] | None  # the schema of a multipart/form-data body (an upload; the handler reads it)
    query: dict[str, str]  # query parameter -> description
    headers: dict[str, str]  # request header -> description
    answer: dict[str, Any]  # the JSON schema of a success
    status: int
    cost: int  # rate-limit weight: a call that moves money counts more
    raw: bool  # the handler takes the web.Request and does its own authentication (the WebSocket)
    writes: bool  # False (a GET that only reads): no transaction around it, the user loaded only if refused
    replica: bool  # a read that may be a moment stale (browsing): on DATABASE_REPLICA_URL when set


ROUTES: list[Route] = []


def route(method: str, path: str, *, summary: str, tag: str, auth: bool = True, body: dict[str, Any] | None = None,
          form: dict[str, Any] | None = None, query: dict[str, str] | None = None, headers: dict[str, str] | None = None,
          answer: dict[str, Any] | None = None, status: int = 200, cost: int = 1,
          raw: bool = False, writes: bool | None = None, replica: bool = False) -> Callable[[Handler], Handler]:  # fmt: skip
    writes = method != "GET" if writes is None else writes
    assert not (replica and writes), "a route on the replica only reads"

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, path, handler, summary, tag, auth, body, form, query or {}, headers or {},
                            answer or {"type": "object"}, status, cost, raw, writes, replica))  # fmt: skip
        return handler

    return register


@dataclass
class Call:
    request: web.Request
    ctx: ApiContext
    session: AsyncSession
    lang: str
    user_id: int = 0  # the signed-in user (auth=True)
    me: User | None = None  # loaded for the routes that write
    _body: Any = field(default=None)
    idempotency_key: str | None = None  # claimed by api.idempotency

    @property
    def user(self) -> User:
        assert self.me is not None, "an auth=True route that writes"
        return self.me

    def param(self, name: str) -> int:
        """A numeric path parameter (an id): anything else is a thing that does not exist."""
        raw = self.request.match_info[name]
        if not raw.isdigit() or len(raw) > 18:
            raise problems.Problem(404, "not_found")
        return int(raw)

    def body(self) -> dict[str, Any]:
        if not isinstance(self._body, dict):
            raise problems.Problem(422, "invalid_json")
        return self._body


def client_ip(request: web.Request) -> str:
    return request.remote or "unknown"


def request_lang(request: web.Request) -> str:
    return pick_language(request.headers.get("Accept-Language", "")[:8] or None)


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _json(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    raw = await request.read()
    try:
        return json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        raise problems.Problem(422, "invalid_json") from None


def to_aiohttp(spec: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    if spec.raw:
        return spec.handler

    async def handle(request: web.Request) -> web.StreamResponse:
        ctx = request.app[CONTEXT]
        lang = request_lang(request)
        user_id = None
        try:
            if spec.auth:
                try:
                    user_id = tokens.read(ctx.settings, bearer(request), "access").user_id
                except tokens.TokenInvalid:
                    raise problems.Problem(401, "unauthorized") from None
            await check_rate(ctx, ip=client_ip(request), user_id=user_id, cost=spec.cost)
            upload = spec.form is not None and request.content_type == "multipart/form-data"
            body = await _json(request) if spec.body is not None and not upload else None
            if spec.replica:
                result = await _on_replica(spec, ctx, request, lang, user_id, body)
            else:
                result = await _run(spec, ctx, ctx.session_factory if spec.writes else ctx.read_factory,
                                    request, lang, user_id, body)  # fmt: skip
                if spec.writes and user_id is not None:
                    await ctx.wrote(user_id)
        except problems.Problem as problem:  # signing in, the rate limit, the body
            return problems.from_problem(problem, await _language(ctx, user_id, lang) if not spec.writes else lang)
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result, status=spec.status)

    return handle


async def _run(spec: Route, ctx: ApiContext, factory: async_sessionmaker[AsyncSession], request: web.Request,
               lang: str, user_id: int | None, body: Any) -> Any:  # fmt: skip
    """The handler with one session of ``factory``, committed when it returns (a write route); a
    refusal in the user's language."""
    try:
        async with factory() as session:
            me = await session.get(User, user_id) if user_id is not None and spec.writes else None
            if spec.auth and spec.writes and me is None:
                raise problems.Problem(401, "unauthorized")
            if me is not None:
                lang = me.language or pick_language(me.telegram_language)
            call = Call(request, ctx, session, lang, user_id or 0, me, body)
            try:
                result = await spec.handler(call)
            except BaseException:
                if session.in_transaction():
                    await session.rollback()
                raise
            if session.in_transaction():
                await session.commit()
    except DomainError as error:
        return problems.from_domain(error, lang if spec.writes else await _language(ctx, user_id, lang))
    except problems.Problem as problem:
        return problems.from_problem(problem, lang if spec.writes else await _language(ctx, user_id, lang))
    return result


async def _on_replica(spec: Route, ctx: ApiContext, request: web.Request, lang: str, user_id: int | None,
                      body: Any) -> Any:  # fmt: skip
    """A replica=True route: on the replica (the primary for a user who has just written); a
    replica that cannot be reached is read around, on the primary (the route only reads)."""
    factory = await ctx.browse_factory(user_id)
    if factory is ctx.read_factory:
        return await _run(spec, ctx, factory, request, lang, user_id, body)
    try:
        return await _run(spec, ctx, factory, request, lang, user_id, body)
    except (OSError, DBAPIError) as error:
        if not _unreachable(error):
            raise
        log.warning("replica unreachable (%s), reading the primary", type(error).__name__)
        return await _run(spec, ctx, ctx.read_factory, request, lang, user_id, body)


def _unreachable(error: OSError | DBAPIError) -> bool:
    """The replica refused, dropped or did not answer the connection, or is starting up or
    shutting down (SQLSTATE classes 08 and 57); not a mistake in the statement."""
    if isinstance(error, OSError):  # refused, or no answer in time (TimeoutError)
        return True
    return error.connection_invalidated or str(getattr(error.orig, "sqlstate", "") or "")[:2] in ("08", "57")


async def _language(ctx: ApiContext, user_id: int | None, fallback: str) -> str:
    """The user's language for a refusal of a route that did not load them."""
    if user_id is None:
        return fallback
    async with ctx.read_factory() as session:
        me = await session.get(User, user_id)
    return (me.language or pick_language(me.telegram_language)) if me is not None else fallback


# --- the OpenAPI document ------------------------------------------------------------------------------


def openapi(routes: list[Route]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for spec in routes:
        operation: dict[str, Any] = {
            "summary": spec.summary,
            "tags": [spec.tag],
            "operationId": spec.handler.__name__,
            "responses": {
                str(spec.status): {"description": "success",
                                   "content": {"application/json": {"schema": spec.answer}}},
                "default": {"description": "refused", "content": {problems.CONTENT_TYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}},
            },
        }  # fmt: skip
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in _path_params(spec.path)]  # fmt: skip
        parameters += [{"name": n, "in": "query", "required": False, "description": d, "schema": {"type": "string"}}
                       for n, d in spec.query.items()]  # fmt: skip
        parameters += [{"name": n, "in": "header", "required": True, "description": d, "schema": {"type": "string"}}
                       for n, d in spec.headers.items()]  # fmt: skip
        if parameters:
            operation["parameters"] = parameters
        content = {media: {"schema": schema} for media, schema in (("application/json", spec.body),
                                                                   ("multipart/form-data", spec.form)) if schema}
        if content:
            operation["requestBody"] = {"required": True, "content": content}
        if spec.auth:
            operation["security"] = [{"bearer": []}]
        paths.setdefault(f"/api{spec.path}", {})[spec.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "KOXX P2P API", "version": "1",
                 "description": "Crypto amounts are decimal strings (\"12.5\"), never JSON numbers. Errors are "
                                "application/problem+json with a stable code."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {"Problem": {"type": "object", "required": ["code", "status", "detail"], "properties": {
                "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                "code": {"type": "string"}, "detail": {"type": "string"}, "params": {"type": "object"}}}},
        },
    }  # fmt: skip


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
