"""The TRON node as the wallet sees it: tronpy's AsyncTron, plus the batch endpoints tronpy has
no method for, with back-off when the API says it is overloaded (429, 403, 503, or a 200 that
says "lack of computing resources")."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
import msgspec
from tronpy import AsyncTron
from tronpy.providers import AsyncHTTPProvider

from core.config import Settings
from core.wallet.parsing import Block, Info, decode_blocks, decode_infos

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({403, 429, 503})
Sleep = Callable[[float], Awaitable[None]]


class _Provider(AsyncHTTPProvider):  # type: ignore[misc]
    """tronpy's HTTP provider, able to hand over an answer's raw bytes (the scanner decodes
    blocks into typed shapes, core.wallet.parsing) and decoding the others with msgspec."""

    async def post(self, method: str, params: Any = None) -> bytes:
        response = await self.client.post(urljoin(self.endpoint_uri, method), json=params or {})
        response.raise_for_status()
        return bytes(response.content)

    async def make_request(self, method: str, params: Any = None) -> Any:
        return decode(await self.post(method, params))


def decode(body: bytes) -> Any:
    return msgspec.json.decode(body)


class NodeUnavailable(Exception):
    """The node kept refusing (rate limit or overload) after all retries."""


@dataclass(frozen=True, slots=True)
class Heights:
    head: int
    solid: int


class Node:
    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        timeout: float = 15.0,
        retries: int = 6,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # tronpy sends TRON-PRO-API-KEY only for URLs containing "trongrid" (and then falls back to
        # keys shared by every tronpy user): set our own header on the HTTP client instead.
        headers = {"TRON-PRO-API-KEY": api_key} if api_key else {}
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
        client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), headers=headers, limits=limits)
        self.provider = _Provider(url, timeout=timeout, client=client)
        self.provider.use_api_key = False
        self.tron = AsyncTron(self.provider)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"Node({self.provider.endpoint_uri!r})"

    async def close(self) -> None:
        await self.tron.close()

    async def raw(self, endpoint: str, params: dict[str, Any] | None = None) -> bytes:
        """POST ``endpoint`` (e.g. "wallet/getblockbylimitnext") and return the answer's bytes,
        retrying with exponential back-off while the node says it is busy (429, 403, 503, or
        an error saying so)."""
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                body = await self.provider.post(endpoint, params or {})
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code not in RETRY_STATUSES or attempt == self.retries:
                    raise
                retry_after = exc.response.headers.get("Retry-After", "")
                wait = int(retry_after) if retry_after.isdigit() else delay
                log.warning(
                    "TRON node answered %s on %s; retrying in %.1fs", exc.response.status_code, endpoint, wait
                )
            else:
                if not _overloaded(body):
                    return body
                if attempt == self.retries:
                    raise NodeUnavailable(endpoint)
                wait = delay
                log.warning("TRON node overloaded on %s; retrying in %.1fs", endpoint, wait)
            await self._sleep(min(wait, self.max_backoff))
            delay = min(delay * 2, self.max_backoff)
        raise NodeUnavailable(endpoint)  # pragma: no cover (the loop returns or raises)

    async def call(self, endpoint: str, params: dict[str, Any] | None = None) -> Any:
        """Like ``raw``, decoded."""
        return decode(await self.raw(endpoint, params))

    async def heights(self) -> Heights:
        info = await self.call("wallet/getnodeinfo")
        return Heights(head=_num(info["block"]), solid=_num(info["solidityBlock"]))

    async def blocks_raw(self, start: int, end: int) -> bytes:
        """The answer of getblockbylimitnext for [start, end) (at most 100 blocks, hex form)."""
        if end <= start:
            return b"{}"
        return await self.raw(
            "wallet/getblockbylimitnext", {"startNum": start, "endNum": end, "visible": False}
        )

    async def infos_raw(self, num: int) -> bytes:
        """The answer of gettransactioninfobyblocknum (a JSON array)."""
        return await self.raw("wallet/gettransactioninfobyblocknum", {"num": num})

    async def blocks(self, start: int, end: int) -> list[Block]:
        """Blocks [start, end), at most 100, decoded (the fields the scanner reads)."""
        return decode_blocks(await self.blocks_raw(start, end))

    async def infos(self, num: int) -> list[Info]:
        return decode_infos(await self.infos_raw(num))

    async def tx_info(self, txid: str) -> dict[str, Any]:
        """Transaction info ({} until the transaction is in a block)."""
        result = await self.call("wallet/gettransactioninfobyid", {"value": txid})
        return result if isinstance(result, dict) else {}

    async def tx(self, txid: str) -> dict[str, Any]:
        """The transaction if it is in a block of the node's chain, {} if not (java-tron's
        gettransactionbyid does not look in the pool)."""
        result = await self.call("wallet/gettransactionbyid", {"value": txid})
        return result if isinstance(result, dict) else {}

    async def solid_time_ms(self) -> int:
        """The timestamp of the node's latest solidified block: no block after it can be undone,
        and none can take a transaction whose expiration is earlier."""
        block = await self.call("walletsolidity/getnowblock")
        return int(block["block_header"]["raw_data"]["timestamp"])

    async def pending(self, txid: str) -> dict[str, Any]:
        """The transaction if it waits in the node's pool, {} if not."""
        result = await self.call("wallet/gettransactionfrompending", {"value": txid})
        return result if isinstance(result, dict) else {}


def _num(text: str) -> int:
    # "Num:123,ID:0000..."
    return int(text.split(",ID:", 1)[0].replace("Num:", "", 1))


def _overloaded(body: bytes) -> bool:
    if len(body) > 2_000:  # errors are short; a block is not
        return False
    return b"lack of computing resources" in body or b'"SERVER_BUSY"' in body


def node_from_settings(settings: Settings) -> Node | None:
    """The node TRON_API_URL names (with TRON_API_KEY), or None when it is unset."""
    if not settings.tron_api_url:
        return None
    api_key = settings.tron_api_key.get_secret_value() if settings.tron_api_key else None
    return Node(settings.tron_api_url, api_key)
