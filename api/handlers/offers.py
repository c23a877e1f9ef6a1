"""The market: offers with the bot's filters (side, asset, fiat, amount, method, city), paged by
cursor; one offer; a quote for an amount; the new-offer form (its choices, a preview, publishing:
core.escrow.preview_offer and publish_offer); the maker's own offers (pause, resume, close)."""

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
from core.errors import DomainError
from core.escrow import MarketQuery, Offer, OfferDraft, OfferStatus, Side
from core.escrow.trust import VISIBILITIES
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


# /offers/mine and /offers/form are declared before /offers/{id}: aiohttp tries the routes in order.
@route("GET", "/offers/mine", summary="One's own offers, active and paused, newest first (the bot's /myoffers)",
       tag="offers", answer={"type": "object", "properties": {"items": {"type": "array", "items": OFFER}}})
async def my_offers(call: Call) -> dict[str, Any]:
    return {"items": [await _own(call, offer) for offer in await escrow.my_offers(call.session, call.user_id)]}


@route("GET", "/offers/form", summary="What the new-offer form offers: payment methods, payment windows, "
       "reference rates", tag="offers", answer={"type": "object"})  # fmt: skip
async def offer_form(call: Call) -> dict[str, Any]:
    rules = await escrow.rules(call.session)
    rates = await escrow.reference_rates(call.session)
    return {"payment_methods": list(escrow.PAYMENT_METHODS), "payment_windows": list(rules.payment_windows),
            "visibilities": list(VISIBILITIES),
            "reference_rates": {f"{asset.value}-{fiat.value}": views.money(rate) for (asset, fiat), rate in rates.items()}}  # fmt: skip


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


DRAFT_BODY = {"type": "object", "required": ["side", "asset", "fiat", "amount"], "description": (
    "price (fixed) or margin_pct (floating, over the reference rate); min_fiat and max_fiat left out: "
    "a small trade up to the whole offer, as the bot's form"), "properties": {
    "side": {"enum": ["sell", "buy"]}, "asset": {"enum": ["USDT", "TRX"]}, "fiat": {"enum": ["IQD", "USD"]},
    "amount": {"type": "string"}, "price": {"type": "string"}, "margin_pct": {"type": "string"},
    "min_fiat": {"type": "string"}, "max_fiat": {"type": "string"},
    "payment_methods": {"type": "array", "items": {"type": "string"}}, "payment_window": {"type": "integer"},
    "payment_note": {"type": "string"}, "terms": {"type": "string"}, "city": {"type": "string"},
    "payment_account_ids": {"type": "array", "items": {"type": "integer"}},
    "min_trades": {"type": "integer"}, "min_account_age_days": {"type": "integer"},
    "visibility": {"enum": list(VISIBILITIES)}, "auto_reply": {"type": "string"}}}  # fmt: skip


async def _draft(call: Call) -> OfferDraft:
    """The body as core's draft, read as the bot's form reads it; the per-trade limits left out are
    the form's defaults (core.escrow.default_limits), and a sell offer accepts the maker's saved
    accounts of its methods (core.escrow.with_saved_accounts)."""
    body = call.body()
    fiat = inputs.choice(body, "fiat", Fiat)
    side, asset = inputs.choice(body, "side", Side), inputs.choice(body, "asset", Asset)
    amount = inputs.crypto(body, "amount")
    assert fiat is not None and side is not None and asset is not None and amount is not None
    price, margin = inputs.price(body, "price", fiat, required=False), inputs.percent(body, "margin_pct")
    min_fiat = inputs.fiat(body, "min_fiat", fiat, required=False)
    max_fiat = inputs.fiat(body, "max_fiat", fiat, required=False)
    if min_fiat is None or max_fiat is None:
        low, high = await escrow.default_limits(call.session, asset=asset, fiat=fiat, amount=amount, price=price,
                                                margin_pct=margin)  # fmt: skip
        min_fiat, max_fiat = low if min_fiat is None else min_fiat, high if max_fiat is None else max_fiat
    draft = OfferDraft(
        side=side, asset=asset, fiat=fiat, amount=amount, min_fiat=min_fiat, max_fiat=max_fiat,
        payment_methods=inputs.strings(body, "payment_methods"),
        payment_window=inputs.integer(body, "payment_window", low=1, high=24 * 60) or 30,
        price=price, margin_pct=margin,
        payment_note=inputs.text(body, "payment_note", max_length=200), terms=inputs.text(body, "terms", max_length=1000),
        min_trades=inputs.integer(body, "min_trades", high=10_000) or 0,
        min_account_age_days=inputs.integer(body, "min_account_age_days", high=3650) or 0,
        payment_account_ids=inputs.ids(body, "payment_account_ids"), city=inputs.text(body, "city", max_length=40),
        visibility=inputs.one_of(body, "visibility", VISIBILITIES) or "public",
        auto_reply=inputs.text(body, "auto_reply", max_length=1000),
    )  # fmt: skip
    return await escrow.with_saved_accounts(call.session, call.user_id, draft)


@route("POST", "/offers/preview", summary="What publishing would make (the offer as the other side sees it, "
       "the fee, what leaves the balance); changes nothing", tag="offers", body=DRAFT_BODY,
       answer={"type": "object", "properties": {"offer": OFFER, "maker_fee_pct": {"type": "string"},
                                                "reserve": {"type": "string"}, "available": {"type": "string"}}})  # fmt: skip
async def preview_offer(call: Call) -> dict[str, Any]:
    draft = await _draft(call)
    preview = await escrow.preview_offer(call.session, maker_id=call.user_id, draft=draft)
    return views.offer_preview(draft, preview)


@route("POST", "/offers", summary="Publish an offer (a sell offer's coins move into its reserve)", tag="offers",
       body=DRAFT_BODY, answer=OFFER, status=201, cost=10)
async def create_offer(call: Call) -> dict[str, Any]:
    offer = await escrow.publish_offer(call.session, maker_id=call.user_id, draft=await _draft(call))
    return views.offer(offer, price=await escrow.current_price(call.session, offer))


# --- the maker's own offers (the bot's /myoffers) ----------------------------------------------------


async def _own(call: Call, offer: Offer) -> dict[str, Any]:
    try:
        price = await escrow.current_price(call.session, offer)
    except DomainError:  # a floating price without a reference rate now
        price = None
    return views.offer(offer, price=price)


@route("PUT", "/offers/{id}/pause", summary="Pause one's offer: hidden from the market, its coins and trades stay",
       tag="offers", answer=OFFER)
async def pause_offer(call: Call) -> dict[str, Any]:
    return await _own(call, await escrow.pause_offer(call.session, offer_id=call.param("id"), actor_id=call.user_id))


@route("PUT", "/offers/{id}/resume", summary="Show one's paused offer again", tag="offers", answer=OFFER)
async def resume_offer(call: Call) -> dict[str, Any]:
    return await _own(call, await escrow.resume_offer(call.session, offer_id=call.param("id"), actor_id=call.user_id))


@route("DELETE", "/offers/{id}", summary="Close one's offer for good: what is left returns to the balance; open "
       "trades go on", tag="offers", answer=OFFER, cost=10)  # fmt: skip
async def close_offer(call: Call) -> dict[str, Any]:
    return await _own(call, await escrow.close_offer(call.session, offer_id=call.param("id"), actor_id=call.user_id))
