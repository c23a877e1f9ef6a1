"""Publishing an offer through the API as the app does it (the form's choices, a preview that
changes nothing, then publish), the maker's own offers (pause, resume, close), and bad input that
stores nothing: the same core calls as the bot's offer journey, so the same rules and money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.accounts import payment_accounts
from core.db import transaction
from core.escrow.models import Offer
from core.money import MICRO
from tests.api.conftest import Api, available, fund
from tests.e2e.harness import Market
from tests.market.flows import say, step

NEW = {"side": "sell", "asset": "USDT", "fiat": "IQD", "amount": "200", "price": "1,320",
       "payment_methods": ["zaincash"], "payment_window": 30, "terms": "Pay from an account in your own name."}  # fmt: skip


async def _offers_of(market: Market, user_id: int) -> int:
    async with market.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Offer).where(Offer.maker_id == user_id)) or 0)


async def _listed(buyer: Api) -> list[int]:
    status, page = await buyer.call("GET", "/offers?side=sell&asset=USDT&fiat=IQD")
    assert status == 200, page
    return [o["id"] for o in page["items"]]


async def test_preview_then_publish_and_it_is_in_the_app_and_the_bots_market(market: Market, clients: Any) -> None:
    seller, buyer = await clients("Maker1"), await clients("Taker1")
    await fund(market.session_factory, seller.user.id, 500)
    async with transaction(market.session_factory) as s:  # saved once, as with /accounts in the bot
        account = await payment_accounts.add_account(s, user_id=seller.user.id, method="zaincash",
                                                     number="07701234567", holder_name="Maker One")  # fmt: skip
    status, form = await seller.call("GET", "/offers/form")
    assert status == 200 and form["payment_windows"] == [15, 30, 45, 60] and "zaincash" in form["payment_methods"]
    assert form["reference_rates"]["USDT-IQD"] == "1310" and form["visibilities"] == ["public", "private", "trusted"]

    # The preview: what buyers will see (the limits the bot's form would give) and what leaves the
    # balance; nothing is stored and nothing moves.
    status, preview = await seller.call("POST", "/offers/preview", json=NEW)
    assert status == 200, preview
    shown = preview["offer"]
    assert (shown["price"], shown["min_fiat"], shown["max_fiat"]) == ("1320", "10000", "264000")
    assert shown["payment_methods"] == ["zaincash"] and shown["terms"] == NEW["terms"]
    assert (preview["reserve"], preview["available"], preview["maker_fee_pct"]) == ("200.4", "500", "0.2")
    assert preview["accounts"] == 1  # the buyer of a trade is shown the saved ZainCash account
    assert await _offers_of(market, seller.user.id) == 0
    assert await available(market.session_factory, seller.user.id) == 500 * MICRO

    status, offer = await seller.call("POST", "/offers", json=NEW)
    assert status == 201, offer
    assert (offer["price"], offer["remaining"], offer["max_fiat"], offer["status"]) == ("1320", "200", "264000", "active")
    assert await available(market.session_factory, seller.user.id) == 500 * MICRO - 200 * MICRO - 400_000
    async with market.session_factory() as s:
        stored = await s.get(Offer, offer["id"])
    assert stored is not None and stored.payment_account_ids == [account.id]
    status, mine = await seller.call("GET", "/offers/mine")
    assert status == 200 and [o["id"] for o in mine["items"]] == [offer["id"]]
    assert await _listed(buyer) == [offer["id"]]

    # The bot's market shows the same offer.
    await say(buyer.user, "/offers", "Do you want to buy or to sell?")
    listing = await step(buyer.user, "I want to buy", "Buy USDT with IQD")
    assert f"#{offer['id']} ·" in str(listing.buttons) and "1,320 IQD per 1 USDT" in listing.text


async def test_bad_input_is_refused_and_stores_nothing(market: Market, clients: Any) -> None:
    seller = await clients("Maker2")
    await fund(market.session_factory, seller.user.id, 300)
    for bad, code in (({"amount": "-5"}, "amount_negative"), ({"amount": "9" * 20}, "amount_too_large"),
                      ({"amount": 100.5}, "number_not_text"), ({"price": 1320}, "number_not_text"),
                      ({"amount": "lots"}, "amount_not_a_number"), ({"price": "9,999,999"}, "price_out_of_range"),
                      ({"min_fiat": "1,000,000"}, "limits_invalid"),
                      ({"min_fiat": "1,000,000", "max_fiat": "2,000,000"}, "limits_exceed_amount"),
                      ({"payment_methods": ["paypal"]}, "payment_method_unknown"),
                      ({"payment_window": 7}, "payment_window_invalid"), ({"visibility": "secret"}, "field_invalid"),
                      ({"terms": "Call me on 07701234567"}, "number_in_public_text"),
                      ({"amount": "600"}, "insufficient_funds"),
                      ({"price": None, "margin_pct": "1.5"}, None)):  # fmt: skip
        body = {k: v for k, v in (NEW | bad).items() if v is not None}
        for path in ("/offers/preview", "/offers"):
            status, problem = await seller.call("POST", path, json=body)
            if code is None:  # the control: a floating price is fine
                assert status in (200, 201), problem
                continue
            assert status in (409, 422) and problem["code"] == code, (bad, problem)
            assert problem["detail"] and seller.headers["Content-Type"].startswith("application/problem+json")
    assert await _offers_of(market, seller.user.id) == 1  # the control alone
    status, mine = await seller.call("GET", "/offers/mine")
    [floating] = mine["items"]
    assert (floating["price_type"], Decimal(floating["margin_pct"]), floating["price"]) == ("floating", Decimal("1.5"), "1330")
    assert await available(market.session_factory, seller.user.id) == 300 * MICRO - 200 * MICRO - 400_000

    # Arabic-Indic digits are amounts as the bot reads them.
    arabic = NEW | {"amount": "٥٠", "price": "١٬٣١٠", "min_fiat": "١٠٬٠٠٠", "max_fiat": "٦٥٥٠٠"}
    status, offer = await seller.call("POST", "/offers", json=arabic)
    assert status == 201, offer
    assert (offer["amount"], offer["price"], offer["min_fiat"], offer["max_fiat"]) == ("50", "1310", "10000", "65500")


async def test_pause_resume_close_own_offers_only(market: Market, clients: Any) -> None:
    seller, buyer = await clients("Maker3"), await clients("Taker3")
    await fund(market.session_factory, seller.user.id, 250)
    status, offer = await seller.call("POST", "/offers", json=NEW | {"visibility": "trusted"})
    assert status == 201 and offer["visibility"] == "trusted"
    assert offer["id"] not in await _listed(buyer)  # only the maker's trusted traders see it
    status, offer = await seller.call("POST", "/offers", json=NEW | {"amount": "40"})
    oid = offer["id"]
    assert await _listed(buyer) == [oid]

    for method, path in (("PUT", f"/offers/{oid}/pause"), ("DELETE", f"/offers/{oid}")):
        status, problem = await buyer.call(method, path)  # somebody else's offer: as if it did not exist
        assert status == 404 and problem["code"] == "offer_not_found", problem
    status, paused = await seller.call("PUT", f"/offers/{oid}/pause")
    assert status == 200 and paused["status"] == "paused"
    assert await _listed(buyer) == []
    status, problem = await seller.call("PUT", f"/offers/{oid}/pause")
    assert status == 409 and problem["code"] == "offer_state"
    status, resumed = await seller.call("PUT", f"/offers/{oid}/resume")
    assert status == 200 and resumed["status"] == "active"
    assert await _listed(buyer) == [oid]

    before = await available(market.session_factory, seller.user.id)
    status, closed = await seller.call("DELETE", f"/offers/{oid}")
    assert status == 200 and closed["status"] == "closed" and closed["remaining"] == "0"
    assert await available(market.session_factory, seller.user.id) == before + 40 * MICRO + 80_000  # amount and fee part
    assert await _listed(buyer) == []
    status, mine = await seller.call("GET", "/offers/mine")
    assert [o["status"] for o in mine["items"]] == ["active"]  # the trusted-only one; closed ones are not listed
    status, problem = await seller.call("DELETE", f"/offers/{oid}")
    assert status == 409 and problem["code"] == "offer_closed"
