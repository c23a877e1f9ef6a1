"""The chat page's chain panel: ``/chain/<action>`` on the stand-in's app, passed on to the local
TRON node's ``/control/<action>`` (sandbox.tron), so the page needs one origin only.

The node is linked after both are started (``link_chain(tg, node_url, hot_wallet=...)``); until
then, or in a stand-in started alone, ``/chain/info`` says ``{"linked": false}`` and the panel
stays hidden. Only the actions the panel uses are passed on: sending from an outside wallet,
mining, heights, balances and the transactions that reached the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from .sandbox import TelegramSandbox

PASSED_ON = frozenset({"status", "balance", "send_usdt", "send_trx", "mine", "transactions"})


@dataclass
class ChainLink:
    url: str | None = None  # the node's base URL (ends with "/")
    hot_wallet: str | None = None  # the platform's hot wallet: what it sends are withdrawals


CHAIN_KEY: web.AppKey[ChainLink] = web.AppKey("chain_link", ChainLink)


def link_chain(tg: TelegramSandbox, node_url: str, *, hot_wallet: str | None = None) -> None:
    """Point the page's chain panel at a running local TRON node."""
    link = tg.app[CHAIN_KEY]
    link.url = node_url if node_url.endswith("/") else node_url + "/"
    link.hot_wallet = hot_wallet


async def _control(link: ChainLink, action: str, body: dict[str, Any]) -> tuple[int, Any]:
    assert link.url is not None
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.post(f"{link.url}control/{action}", json=body) as resp:
            return resp.status, await resp.json(content_type=None)


async def info(request: web.Request) -> web.Response:
    link = request.app[CHAIN_KEY]
    if link.url is None:
        return web.json_response({"linked": False})
    _, status = await _control(link, "status", {})
    return web.json_response({"linked": True, "hot_wallet": link.hot_wallet, **status})


async def withdrawals(request: web.Request) -> web.Response:
    """What the hot wallet sent that reached the chain, newest first (withdrawals, and the TRX it
    sends to deposit addresses as gas for sweeping)."""
    link = request.app[CHAIN_KEY]
    if link.url is None or link.hot_wallet is None:
        return web.json_response({"transactions": []})
    _, body = await _control(link, "transactions", {"address": link.hot_wallet})
    sent = [tx for tx in body.get("transactions", []) if tx.get("from") == link.hot_wallet]
    return web.json_response({"transactions": sent[::-1][:50]})


async def control(request: web.Request) -> web.Response:
    link = request.app[CHAIN_KEY]
    action = request.match_info["action"]
    if link.url is None:
        return web.json_response({"error": "no local TRON node is linked to this page"}, status=404)
    if action not in PASSED_ON:
        return web.json_response({"error": f"{action} is not available from the page"}, status=404)
    body = await request.json() if request.can_read_body else {}
    if not isinstance(body, dict):
        return web.json_response({"error": "expected a JSON object"}, status=400)
    status, answer = await _control(link, action, body)
    return web.json_response(answer, status=status)


def setup_chain(app: web.Application) -> None:
    app[CHAIN_KEY] = ChainLink()
    app.router.add_get("/chain/info", info)
    app.router.add_get("/chain/withdrawals", withdrawals)
    app.router.add_post("/chain/{action}", control)
