"""GET /api/ws: live events over a WebSocket.

Sign in with the access token as a subprotocol (``Sec-WebSocket-Protocol: koxx.v1, bearer.<token>``)
or in the first message (``{"token": "...", "last_event_id": "..."}``). Then each message is
``{"id", "event", "data"}``: public offer events and the user's own. ``last_event_id`` (in the
first message, or the query) replays what was missed since that id, as far as the stream keeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import WSMsgType, web

from api import tokens
from api.problems import Problem
from api.ratelimit import check_rate
from api.routing import CONTEXT, client_ip, route
from api.stream import Hub, LiveEvent

PROTOCOL = "koxx.v1"
HUB = web.AppKey("api_hub", Hub)
FIRST_MESSAGE_WAIT = 10  # seconds
QUEUE = 1000  # events waiting for one slow client before it is dropped


def _from_subprotocol(request: web.Request) -> str | None:
    for part in request.headers.get("Sec-WebSocket-Protocol", "").split(","):
        part = part.strip()
        if part.startswith("bearer."):
            return part.removeprefix("bearer.")
    return None


@route("GET", "/ws", summary="Live events (WebSocket): offer.created, offer.updated, trade.status_changed, "
       "wallet.deposit_detected, notification.new", tag="events", auth=False, raw=True,
       query={"last_event_id": "replay what came after this event id"},
       answer={"type": "object", "properties": {"id": {"type": "string"}, "event": {"type": "string"},
                                                "data": {"type": "object"}}})  # fmt: skip
async def websocket(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    try:
        await check_rate(ctx, ip=client_ip(request), user_id=None)
    except Problem:
        raise web.HTTPTooManyRequests() from None
    ws = web.WebSocketResponse(protocols=(PROTOCOL,), heartbeat=30)
    await ws.prepare(request)
    token, last_id = _from_subprotocol(request), request.query.get("last_event_id")
    if token is None:
        try:
            first = await ws.receive_json(timeout=FIRST_MESSAGE_WAIT)
        except (TimeoutError, ValueError, TypeError):
            first = {}
        if isinstance(first, dict):
            token, last_id = first.get("token"), first.get("last_event_id") or last_id
    try:
        user_id = tokens.read(ctx.settings, token if isinstance(token, str) else None, "access").user_id
    except tokens.TokenInvalid:
        await ws.close(code=4401, message=b"unauthorized")
        return ws
    queue: asyncio.Queue[LiveEvent] = asyncio.Queue(QUEUE)

    def deliver(item: LiveEvent) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a client this far behind reconnects with its last id
            queue.put_nowait(item)

    hub = request.app[HUB]
    subscription = hub.subscribe(user_id, deliver)
    try:
        await ws.send_str(json.dumps({"event": "ready", "data": {"user_id": user_id}}))
        if isinstance(last_id, str) and last_id:
            for item in await ctx.stream.since(last_id):
                if item.visible_to(user_id):
                    await ws.send_str(item.wire())
        reader = asyncio.create_task(_drain(ws))
        while not reader.done():
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                await ws.send_str(getter.result().wire())
            else:
                getter.cancel()
    finally:
        hub.unsubscribe(subscription)
        await ws.close()
    return ws


async def _drain(ws: web.WebSocketResponse) -> None:
    """Until the client goes away (what it sends after signing in is ignored)."""
    async for message in ws:
        if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
            break
