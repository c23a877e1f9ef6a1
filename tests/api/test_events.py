"""Live events over /api/ws: public offer events to everyone, a trade's to its parties only, from
the outbox through the worker's publisher and Redis; a reconnecting client asks for what it missed."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.api.conftest import Api, fund, sell_offer
from tests.api.test_trades import _take
from tests.e2e.harness import Market


async def _until(ws: aiohttp.ClientWebSocketResponse, event: str, match: Any = None, timeout: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads((await ws.receive()).data)
            if message["event"] == event and (match is None or match(message["data"])):
                return dict(message)


async def _connect(api: Api, *, first_message: bool = False, last: str | None = None) -> aiohttp.ClientWebSocketResponse:
    url = f"{api.base}/api/ws"
    if first_message:
        ws = await api.http.ws_connect(url)
        await ws.send_json({"token": api.token, "last_event_id": last})
    else:
        ws = await api.http.ws_connect(url + (f"?last_event_id={last}" if last else ""),
                                       protocols=("koxx.v1", f"bearer.{api.token}"))  # fmt: skip
        assert ws.protocol == "koxx.v1"
    assert (await _until(ws, "ready"))["data"]["user_id"] == api.user.id
    return ws


async def test_offer_and_trade_events_reach_whom_they_concern(market: Market, clients: Any) -> None:
    seller, buyer, watcher = await clients("EvS"), await clients("EvB"), await clients("EvW")
    await fund(market.session_factory, seller.user.id, 150)
    sockets = {name: await _connect(api, first_message=name == "buyer")
               for name, api in (("seller", seller), ("buyer", buyer), ("watcher", watcher))}
    try:
        offer = await sell_offer(seller)
        created = await _until(sockets["watcher"], "offer.created", lambda d: d["id"] == offer["id"])
        assert created["data"]["price"] == "1310" and created["data"]["remaining"] == "100"
        status, trade = await _take(buyer, offer["id"], fiat="65500")
        assert status == 201
        updated = await _until(sockets["watcher"], "offer.updated", lambda d: d["id"] == offer["id"])
        assert updated["data"]["remaining"] == "50"
        for name in ("seller", "buyer"):
            changed = await _until(sockets[name], "trade.status_changed", lambda d: d["trade_id"] == trade["id"])
            assert changed["data"]["status"] == "awaiting_payment"
        last_seen = changed["id"]
        await sockets["buyer"].close()
        await buyer.call("PUT", f"/trades/{trade['id']}/cancel")  # while the buyer is away
        await _until(sockets["seller"], "trade.status_changed", lambda d: d["status"] == "cancelled")
        again = await _connect(buyer, last=last_seen)  # back: what was missed comes first
        missed = await _until(again, "trade.status_changed", lambda d: d["trade_id"] == trade["id"])
        assert missed["data"]["status"] == "cancelled"
        await again.close()
        seen = []  # the watcher, no party, never sees the trade's events
        while True:
            try:
                seen.append(json.loads((await sockets["watcher"].receive(timeout=0.5)).data)["event"])
            except TimeoutError:
                break
        assert "trade.status_changed" not in seen and "notification.new" not in seen
    finally:
        for ws in sockets.values():
            await ws.close()


async def test_a_socket_without_a_valid_token_is_closed(market: Market, clients: Any) -> None:
    api = await clients("EvX")
    ws = await api.http.ws_connect(f"{api.base}/api/ws")
    await ws.send_json({"token": "forged"})
    message = await ws.receive()
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED) and ws.close_code == 4401
