"""The API against the running marketplace (tests/market's database with reference rates, the
real Runtime with the stand-in, PostgreSQL and Redis): ``Api`` signs a stand-in user in with
initData signed as Telegram signs it and calls the endpoints over HTTP."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from PIL import Image

from sandbox.telegram import SimUser
from sandbox.telegram.webapp import init_data
from tests.e2e.harness import TRADERS_TOKEN, Market
from tests.market.conftest import available, close_all_offers, fund, market, market_db  # noqa: F401

__all__ = ["Api", "available", "fund", "open_trade", "png", "post_form", "post_photo", "sell_offer"]


class Api:
    """One client (its own cookie jar: the refresh cookie) of one user."""

    def __init__(self, market: Market, user: SimUser) -> None:  # noqa: F811
        self.market, self.user = market, user
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.token: str | None = None
        self.headers: Any = None  # of the last answer

    @property
    def base(self) -> str:
        assert self.market.runtime.web_url
        return self.market.runtime.web_url

    async def login(self, *, data: str | None = None) -> aiohttp.ClientResponse:
        data = data if data is not None else init_data(TRADERS_TOKEN, self.user)
        answer = await self.http.post(f"{self.base}/api/auth/login", json={"init_data": data})
        if answer.status == 200:
            self.token = (await answer.json())["access_token"]
        return answer

    async def call(self, method: str, path: str, *, json: Any = None, key: str | None = None,
                   headers: dict[str, str] | None = None, raw: bool = False) -> tuple[int, Any]:  # fmt: skip
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if key is not None:
            sent["Idempotency-Key"] = key
        async with self.http.request(method, f"{self.base}/api{path}", json=json, headers=sent) as answer:
            self.headers = answer.headers
            if raw:
                return answer.status, await answer.read()
            body = await answer.json(content_type=None)
            return answer.status, body

    async def close(self) -> None:
        await self.http.close()


@pytest.fixture
async def clients(market: Market) -> AsyncIterator[Any]:  # noqa: F811
    made: list[Api] = []

    async def client(name: str, *, lang: str = "en") -> Api:
        user = market.user(name, lang=lang, username=f"{name.lower()}{uuid.uuid4().hex[:6]}")
        api = Api(market, user)
        made.append(api)
        assert (await api.login()).status == 200
        return api

    yield client
    for api in made:
        await api.close()


SELL_OFFER = {"side": "sell", "asset": "USDT", "fiat": "IQD", "amount": "100", "price": "1310",
              "min_fiat": "10000", "max_fiat": "131000", "payment_methods": ["zaincash"], "payment_window": 30}


async def sell_offer(seller: Api, **changes: Any) -> dict[str, Any]:
    status, offer = await seller.call("POST", "/offers", json=SELL_OFFER | changes)
    assert status == 201, offer
    return dict(offer)


def png() -> bytes:
    """A small PNG no other test sends (random pixels): the reuse check compares the bytes."""
    image = Image.frombytes("RGB", (24, 16), os.urandom(24 * 16 * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def post_photo(api: Api, trade_id: int, data: bytes, *, text: str | None = None,
                     content_type: str = "image/png") -> tuple[int, Any]:  # fmt: skip
    """A photo into a trade's chat, as the Mini App sends it (multipart: photo, text)."""
    form = aiohttp.FormData()
    form.add_field("photo", data, filename="receipt.png", content_type=content_type)
    if text is not None:
        form.add_field("text", text)
    return await post_form(api, trade_id, form)


async def post_form(api: Api, trade_id: int, data: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {api.token}"}
    async with api.http.post(f"{api.base}/api/trades/{trade_id}/messages", data=data, headers=headers) as answer:
        return answer.status, await answer.json(content_type=None)


async def open_trade(buyer: Api, offer_id: int, fiat: str = "65500") -> int:
    """A trade of ``fiat`` IQD on the offer (65,500 IQD: 50 USDT of a SELL_OFFER) at its quote."""
    status, q = await buyer.call("POST", f"/offers/{offer_id}/quote", json={"fiat_amount": fiat})
    assert status == 200, q
    status, trade = await buyer.call("POST", "/trades/initiate", key=uuid.uuid4().hex,
                                     json={"offer_id": offer_id, "fiat_amount": fiat, "price": q["price"]})  # fmt: skip
    assert status == 201, trade
    return int(trade["id"])
