"""The market: offers with the bot's filters (side, asset, fiat, amount, method, city), paged by
cursor; one offer; a quote for an amount; publishing an offer (core.escrow.publish_offer)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aiohttp import web

from api import inputs, views
from api.problems import Problem
from api.routing import Call, route
from core import escrow
from core.escrow import MarketQuery, OfferDraft, OfferStatus, Side
from core.money import Asset, Fiat

PAGE = 20
OFFER = {"type": "object", "properties": {"id": {"type": "integer"}, "price": {"type": "string"},
                                          "remaining": {"type": "string"}, "min_fiat": {"type": "string"},
                                          "max_fiat": {"type": "string"}}}  # fmt: skip
AMOUNT_BODY = {"type": "object", "description": "one of fiat_amount or crypto_amount, as text", "properties": {
    "fiat_amount": {"type": "string"}, "crypto_amount": {"type": "string"}, "payment_method": {"type": "string"}}}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Problem(422, "field_invalid", field="cursor") from None
    kind, _, value = text.partition(":")
    if kind != "o" or not value.isdigit() or len(value) > 6:
        raise Problem(422, "field_invalid", field="cursor")
    return int(value)


@route("GET", "/offers", summary="Active offers, best price first (the bot's market)", tag="offers", replica=True,
       query={"side": "sell (offers to buy from, the default) or buy", "asset": "USDT (default) or TRX",
              "fiat": "IQD (default) or USD", "amount": "a fiat amount the offer must allow",
              "method": "a payment method code", "city": "cash offers in this city",
              "cursor": "next_cursor of the previous page"},
       answer={"type": "object", "properties": {"items": {"type": "array", "items": OFFER}, "total": {"type": "integer"},
                                                "next_cursor": {"type": ["string", "null"]}}})  # fmt: skip
async def list_offers(call: Call) -> web.Response:
    asked = dict(call.request.query)
    side = inputs.choice(asked, "side", Side, required=False) or Side.SELL
    asset = inputs.choice(asked, "asset", Asset, required=False) or Asset.USDT
    fiat = inputs.choice(asked, "fiat", Fiat, required=False) or Fiat.IQD
    amount = inputs.fiat(asked, "amount", fiat, required=False)
    method = inputs.text(asked, "method", max_length=16) or None
    city = inputs.text(asked, "city", max_length=40) or None
    offset = _offset(asked.get("cursor"))
    query = MarketQuery.of(side, asset, fiat, fiat_amount=amount, payment_method=method, city=city)
    page = await call.ctx.market.browse(call.session, viewer_id=call.user_id, query=query, offset=offset, limit=PAGE)
    rest = json.dumps({"total": page.total, "next_cursor": _cursor(offset + len(page.items)) if page.has_more else None})
    items = ",".join(views.offer_row_json(row) for row in page.items)
    return web.Response(text=f'{{"items":[{items}],{rest[1:]}', content_type="application/json")


@route("GET", "/offers/{id}", summary="One offer (active, or one's own)", tag="offers", answer=OFFER,
       replica=True)
async def get_offer(call: Call) -> dict[str, Any]:
    offer = await escrow.get_offer(call.session, call.param("id"))
    if offer.status != OfferStatus.ACTIVE and offer.maker_id != call.user_id:
        raise Problem(404, "offer_not_found")
    price = await escrow.current_price(call.session, offer)
    maker = await escrow.user_stats(call.session, offer.maker_id)
    return views.offer(offer, price=price) | {"maker": views.stats(maker)}


@route("POST", "/offers/{id}/quote", summary="What taking the offer for an amount would do (changes nothing)",
       tag="offers", body=AMOUNT_BODY, answer={"type": "object"})
async def quote_offer(call: Call) -> dict[str, Any]:
    offer = await escrow.get_offer(call.session, call.param("id"))
    q = await escrow.quote(call.session, offer_id=offer.id, taker_id=call.user_id, **amounts(call.body(), offer.fiat_enum))
    return views.quote(q, call.user_id)


def amounts(body: dict[str, Any], fiat: Fiat) -> dict[str, Any]:
    """fiat_amount or crypto_amount (exactly one), and the payment method if chosen."""
    crypto = inputs.crypto(body, "crypto_amount", required=False)
    fiat_amount = inputs.fiat(body, "fiat_amount", fiat, required=crypto is None)
    if crypto is not None and fiat_amount is not None:
        raise Problem(422, "field_invalid", field="crypto_amount")
    method = inputs.text(body, "payment_method", max_length=16)
    return {"fiat_amount": fiat_amount, "crypto_amount": crypto, "payment_method": method}


@route("POST", "/offers", summary="Publish an offer (a sell offer's coins move into its reserve)", tag="offers",
       body={"type": "object", "required": ["side", "asset", "fiat", "amount", "min_fiat", "max_fiat"], "properties": {
           "side": {"enum": ["sell", "buy"]}, "asset": {"enum": ["USDT", "TRX"]}, "fiat": {"enum": ["IQD", "USD"]},
           "amount": {"type": "string"}, "price": {"type": "string"}, "margin_pct": {"type": "string"},
           "min_fiat": {"type": "string"}, "max_fiat": {"type": "string"},
           "payment_methods": {"type": "array", "items": {"type": "string"}}, "payment_window": {"type": "integer"},
           "payment_note": {"type": "string"}, "terms": {"type": "string"}, "city": {"type": "string"},
           "payment_account_ids": {"type": "array", "items": {"type": "integer"}},
           "min_trades": {"type": "integer"}, "min_account_age_days": {"type": "integer"}}},
       answer=OFFER, status=201, cost=10)  # fmt: skip
async def create_offer(call: Call) -> dict[str, Any]:
    body = call.body()
    fiat = inputs.choice(body, "fiat", Fiat)
    side, asset = inputs.choice(body, "side", Side), inputs.choice(body, "asset", Asset)
    amount = inputs.crypto(body, "amount")
    assert fiat is not None and side is not None and asset is not None and amount is not None
    min_fiat, max_fiat = inputs.fiat(body, "min_fiat", fiat), inputs.fiat(body, "max_fiat", fiat)
    assert min_fiat is not None and max_fiat is not None
    draft = OfferDraft(
        side=side, asset=asset, fiat=fiat, amount=amount, min_fiat=min_fiat, max_fiat=max_fiat,
        payment_methods=inputs.strings(body, "payment_methods"),
        payment_window=inputs.integer(body, "payment_window", low=1, high=24 * 60) or 30,
        price=inputs.price(body, "price", fiat, required=False), margin_pct=inputs.percent(body, "margin_pct"),
        payment_note=inputs.text(body, "payment_note", max_length=200), terms=inputs.text(body, "terms", max_length=1000),
        min_trades=inputs.integer(body, "min_trades", high=10_000) or 0,
        min_account_age_days=inputs.integer(body, "min_account_age_days", high=3650) or 0,
        payment_account_ids=inputs.ids(body, "payment_account_ids"), city=inputs.text(body, "city", max_length=40),
    )  # fmt: skip
    offer = await escrow.publish_offer(call.session, maker_id=call.user_id, draft=draft)
    return views.offer(offer, price=await escrow.current_price(call.session, offer))
