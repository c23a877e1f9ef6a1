"""Trades through the API: the same core calls as the bot, so the same rules and the same money."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from core.escrow.models import Trade
from core.money import MICRO
from tests.api.conftest import Api, available, fund, sell_offer
from tests.e2e.harness import Market, eventually
from tests.market.flows import send, step

T = "7100000001:test-traders-token"


def key() -> str:
    return uuid.uuid4().hex


async def _take(buyer: Api, offer_id: int, fiat: str = "131000", **extra: Any) -> tuple[int, Any]:
    status, q = await buyer.call("POST", f"/offers/{offer_id}/quote", json={"fiat_amount": fiat})
    assert status == 200, q
    return await buyer.call("POST", "/trades/initiate", key=key(),
                            json={"offer_id": offer_id, "fiat_amount": fiat, "price": q["price"], **extra})


async def _trades(market: Market) -> int:
    async with market.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Trade)) or 0)


async def test_a_whole_trade_through_the_api(market: Market, clients: Any) -> None:
    seller, buyer = await clients("Seller"), await clients("Buyer")
    await fund(market.session_factory, seller.user.id, 150)
    offer = await sell_offer(seller)
    assert offer["remaining"] == "100" and offer["price"] == "1310"
    status, page = await buyer.call("GET", "/offers?side=sell&asset=USDT&fiat=IQD&amount=131000&method=zaincash")
    assert status == 200 and [o["id"] for o in page["items"]] == [offer["id"]]
    assert page["items"][0]["maker"]["completed_trades"] == 0
    status, q = await buyer.call("POST", f"/offers/{offer['id']}/quote", json={"fiat_amount": "١٣١٬٠٠٠"})
    assert status == 200 and q["crypto_amount"] == "100" and q["fiat_amount"] == "131000"
    idem = key()
    body = {"offer_id": offer["id"], "fiat_amount": "131000", "price": q["price"]}
    status, trade = await buyer.call("POST", "/trades/initiate", json=body, key=idem)
    assert status == 201 and trade["status"] == "awaiting_payment" and trade["role"] == "buyer"
    again = await buyer.call("POST", "/trades/initiate", json=body, key=idem)  # a retry: the same trade
    assert again == (201, trade)
    status, problem = await buyer.call("POST", "/trades/initiate", json=body | {"fiat_amount": "20000"}, key=idem)
    assert status == 409 and problem["code"] == "idempotency_key_reused"
    assert await _trades(market) >= 1
    status, mine = await buyer.call("GET", "/trades?open=1")
    assert [t["id"] for t in mine["items"]] == [trade["id"]]
    tid = trade["id"]
    assert (await buyer.call("POST", f"/trades/{tid}/messages", json={"text": "Sending now"}))[0] == 201
    status, chat = await seller.call("GET", f"/trades/{tid}/messages")
    assert [(m["text"], m["mine"]) for m in chat["items"]] == [("Sending now", False)]
    status, paid = await buyer.call("PUT", f"/trades/{tid}/confirm", json={"action": "paid"})
    assert status == 200 and paid["status"] == "paid"
    status, problem = await seller.call("PUT", f"/trades/{tid}/dispute", json={"reason": "Not received yet"})
    assert status == 409 and problem["code"] == "dispute_too_early"  # core's rule: talk first
    status, problem = await seller.call("PUT", f"/trades/{tid}/confirm", json={"action": "release"})
    assert status == 422 and problem["code"] == "confirmation_required"
    status, problem = await buyer.call("PUT", f"/trades/{tid}/confirm", json={"action": "release", "received": True})
    assert status == 403 and problem["code"] == "not_your_role"
    status, done = await seller.call("PUT", f"/trades/{tid}/confirm", json={"action": "release", "received": True})
    assert status == 200 and done["status"] == "completed"
    fee = 100 * MICRO * 2 // 1000  # 0.2 %
    assert await available(market.session_factory, buyer.user.id) == 100 * MICRO - fee
    status, bal = await buyer.call("GET", "/wallet/balance")
    assert bal["USDT"]["available"] == "99.8"


async def test_another_users_trade_is_404_and_nothing_changes(market: Market, clients: Any) -> None:
    seller, buyer, stranger = await clients("S2"), await clients("B2"), await clients("X2")
    await fund(market.session_factory, seller.user.id, 150)
    offer = await sell_offer(seller)
    status, trade = await _take(buyer, offer["id"])
    assert status == 201
    tid = trade["id"]
    missing = await stranger.call("GET", "/trades/999999999")
    for method, path, body in (("GET", f"/trades/{tid}", None), ("GET", f"/trades/{tid}/messages", None),
                               ("PUT", f"/trades/{tid}/cancel", None),
                               ("PUT", f"/trades/{tid}/confirm", {"action": "release", "received": True}),
                               ("PUT", f"/trades/{tid}/dispute", {"reason": "mine"}),
                               ("POST", f"/trades/{tid}/messages", {"text": "hello"})):  # fmt: skip
        status, problem = await stranger.call(method, path, json=body)
        assert status == 404 and problem["code"] == "trade_not_found", (path, problem)
        assert problem["detail"] == missing[1]["detail"]
    status, same = await buyer.call("GET", f"/trades/{tid}")
    assert same["status"] == "awaiting_payment"
    assert (await buyer.call("GET", f"/trades/{tid}/messages"))[1]["items"] == []
    assert await available(market.session_factory, stranger.user.id) == 0


async def test_bad_input_is_refused_and_moves_nothing(market: Market, clients: Any) -> None:
    seller, buyer = await clients("S3"), await clients("B3")
    await fund(market.session_factory, seller.user.id, 150)
    offer = await sell_offer(seller)
    before = await available(market.session_factory, seller.user.id)
    trades_before = await _trades(market)
    status, q = await buyer.call("POST", f"/offers/{offer['id']}/quote", json={"fiat_amount": "131000"})
    price = q["price"]
    base = {"offer_id": offer["id"], "price": price}
    refused = [
        ({"fiat_amount": "-131000"}, "amount_negative"),
        ({"fiat_amount": 131000.0}, "number_not_text"),  # a JSON float
        ({"fiat_amount": 131000}, "number_not_text"),  # a JSON number at all
        ({"crypto_amount": "100000000000"}, "amount_too_large"),
        ({"crypto_amount": "1.0000001"}, "amount_too_many_decimals"),
        ({"fiat_amount": "1,5"}, "amount_ambiguous"),
        ({"fiat_amount": "1.5k"}, "amount_shorthand"),
        ({"fiat_amount": "5000"}, "amount_out_of_limits"),  # below the offer's minimum: core's rule
        ({"fiat_amount": "131000", "price": "1300"}, "price_moved"),
        ({"fiat_amount": "131000", "offer_id": "1"}, "field_invalid"),
    ]
    for change, code in refused:
        status, problem = await buyer.call("POST", "/trades/initiate", json=base | change, key=key())
        assert status in (409, 422), (change, problem)
        assert problem["code"] == code, (change, problem)
        assert problem["detail"]
    status, problem = await buyer.call("POST", "/trades/initiate", json=base | {"fiat_amount": "131000"})
    assert status == 422 and problem["code"] == "idempotency_key_required"
    bad = await buyer.http.post(f"{buyer.base}/api/trades/initiate", data=b"{not json",
                                headers={"Authorization": f"Bearer {buyer.token}", "Idempotency-Key": key()})
    assert bad.status == 422 and (await bad.json(content_type=None))["code"] == "invalid_json"
    assert await _trades(market) == trades_before
    assert await available(market.session_factory, seller.user.id) == before
    # Arabic-Indic digits are valid: ١٣١٬٠٠٠ is 131,000
    status, trade = await buyer.call("POST", "/trades/initiate", key=key(),
                                     json=base | {"fiat_amount": "١٣١٬٠٠٠"})
    assert status == 201 and trade["fiat_amount"] == "131000" and trade["crypto_amount"] == "100"
    # the same for publishing: a float amount moves nothing from the seller's balance
    status, problem = await seller.call("POST", "/offers", json={
        "side": "sell", "asset": "USDT", "fiat": "IQD", "amount": 10.5, "price": "1310", "min_fiat": "10000",
        "max_fiat": "13100", "payment_methods": ["zaincash"]})  # fmt: skip
    assert status == 422 and problem["code"] == "number_not_text"
    assert await available(market.session_factory, seller.user.id) == before


async def test_half_through_the_api_half_through_the_bot(market: Market, clients: Any) -> None:
    """The buyer takes and pays in the app; the seller, who uses the bot, is told and releases there."""
    seller_user = await market.newcomer("SellerBot", lang="en", username=f"sb{uuid.uuid4().hex[:6]}")
    seller = Api(market, seller_user)
    try:
        assert (await seller.login()).status == 200
        buyer = await clients("BuyerApp")
        await fund(market.session_factory, seller_user.id, 150)
        offer = await sell_offer(seller)
        status, trade = await _take(buyer, offer["id"])
        assert status == 201
        tid = trade["id"]
        await seller_user.wait_for(T, contains=f"#{tid}")  # the bot's notice of the new trade
        await buyer.call("POST", f"/trades/{tid}/messages", json={"text": "Paying by ZainCash now"})
        await seller_user.wait_for(T, contains="Paying by ZainCash now")  # relayed into the chat
        status, paid = await buyer.call("PUT", f"/trades/{tid}/confirm", json={"action": "paid"})
        assert paid["status"] == "paid"
        told = await seller_user.wait_for(T, match=lambda m: f"#{tid}" in m.text and "paid" in m.text
                                          and "Release USDT" in str(m.buttons))
        await send(seller_user, "Received, thanks")  # the bot's relay reaches the app's chat
        await eventually(lambda: _has_message(buyer, tid, "Received, thanks"))
        await step(seller_user, "Release USDT", "Release 100 USDT to the buyer?", message=told)
        await step(seller_user, "Yes, I received 131,000 IQD", "You released 100 USDT")

        async def completed() -> bool:
            return (await buyer.call("GET", f"/trades/{tid}"))[1]["status"] == "completed"

        await eventually(completed, timeout=10)
    finally:
        await seller.close()


async def _has_message(api: Api, trade_id: int, text: str) -> bool:
    _, chat = await api.call("GET", f"/trades/{trade_id}/messages")
    return any(m["text"] == text for m in chat["items"])


async def test_the_same_take_sent_five_times_at_once_opens_one_trade(market: Market, clients: Any) -> None:
    """A client retrying before the first answer came (a flaky phone network): the key's row
    serialises them on PostgreSQL, one trade opens, every answer is that trade."""
    import asyncio

    seller, buyer = await clients("S5"), await clients("B5")
    await fund(market.session_factory, seller.user.id, 150)
    offer = await sell_offer(seller)
    before = await _trades(market)
    _, q = await buyer.call("POST", f"/offers/{offer['id']}/quote", json={"fiat_amount": "65500"})
    body = {"offer_id": offer["id"], "fiat_amount": "65500", "price": q["price"]}
    idem = key()
    answers = await asyncio.gather(*(buyer.call("POST", "/trades/initiate", json=body, key=idem) for _ in range(5)))
    assert {status for status, _ in answers} == {201}
    assert len({trade["id"] for _, trade in answers}) == 1
    assert await _trades(market) == before + 1
    _, now = await buyer.call("GET", f"/offers/{offer['id']}")
    assert now["remaining"] == "50"  # 50 USDT left: taken once
