"""A sell offer from the conversation to a completed trade, through the Telegram stand-in."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from botkit import fmt
from core.escrow import get_offer, get_trade, messages, user_stats
from core.escrow.models import Feedback
from core.ledger import audit
from core.money import MICRO
from tests.e2e.harness import Market
from tests.market.conftest import available, fees, fund
from tests.market.flows import T, publish_sell_offer, say, send, send_photo, step

RECEIPT = b"\xff\xd8\xff\xe0 receipt of 131000 IQD via ZainCash"


async def test_sell_offer_published_taken_paid_chatted_released(market: Market) -> None:
    factory = market.session_factory
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(factory, seller.id, 500)
    fees_before = await fees(factory)

    offer_id = await publish_sell_offer(market, seller)
    post = await market.tg.wait_for_post(market.offers_channel, contains=f"#{offer_id} ·")
    # The channel speaks Arabic (CHANNEL_LANGUAGE's default).
    assert fmt.price(Decimal(1310), "IQD", "USDT", "ar") in post.text and fmt.crypto(200 * MICRO, "USDT", "ar") in post.text
    assert post.data["reply_markup"]["inline_keyboard"][0][0]["url"].endswith(f"?start=offer_{offer_id}")
    # 200 USDT and the 0.2% maker fee moved into the offer.
    assert await available(factory, seller.id) == 500 * MICRO - 200 * MICRO - 400_000

    # The buyer finds it in /offers: buy lists the market USDT for IQD (the default), then opens it.
    await say(buyer, "/offers", "Do you want to buy or to sell?")
    listing = await step(buyer, "I want to buy", "Buy USDT with IQD")
    assert "1,310 IQD per 1 USDT" in listing.text and "ZainCash" in listing.text and "0 trades" in listing.text
    await step(buyer, f"#{offer_id} ·", f"Offer #{offer_id}")
    await step(buyer, "🤝 Trade", "How much do you want to buy?")
    quote = await say(buyer, "131,000", "Check before you confirm")
    assert "You buy: 100 USDT" in quote.text and "You pay: 131,000 IQD" in quote.text
    assert "Trading fee: 0.2 USDT (you receive 99.8 USDT)" in quote.text and "30 minutes" in quote.text
    opened = await step(buyer, "Confirm and open the trade", "Trade opened")
    trade_id = int(opened.text.split("Trade #")[1].split(" ")[0])
    told = await seller.wait_for(T, contains="New trade on your offer")
    assert f"Trade #{trade_id}" in told.text and "Release USDT" in str(told.buttons)

    # The buyer pays with a receipt photo and confirms ("did you really transfer?").
    await step(buyer, "I have paid", "Send a photo of your payment receipt")
    await send_photo(buyer, RECEIPT)
    await buyer.wait_for(T, contains="Did you really transfer the money?")
    await step(buyer, "Yes, I have paid", "Marked as paid")
    paid = await seller.wait_for(T, contains="says the payment was sent")
    assert paid.photo is not None

    # Chat both ways, marked with the trade and without names.
    await send(buyer, "Sent from my ZainCash wallet just now")
    relayed = await seller.wait_for(T, contains="Sent from my ZainCash wallet just now")
    assert f"Trade #{trade_id} · the buyer writes" in relayed.text and "Bilal" not in relayed.text
    await send(seller, "Checking, one minute")
    await buyer.wait_for(T, contains="Checking, one minute")

    # Release: the confirmation states the fiat received and the coins released.
    question = await step(seller, "Release USDT", "Release 100 USDT to the buyer?", message=paid)
    assert "131,000 IQD" in question.text and "cannot be undone" in question.text
    seller_done = await step(seller, "Yes, I received 131,000 IQD", "You released 100 USDT")
    assert "How was the other side?" in seller_done.text
    done = await buyer.wait_for(T, contains="The seller released the coins")
    assert "99.8 USDT" in done.text
    payment_post = await market.tg.wait_for_post(market.payments_channel, contains="✅")
    assert fmt.crypto(100 * MICRO, "USDT", "ar") in payment_post.text
    assert fmt.fiat(Decimal(131000), "IQD", "ar") in payment_post.text
    assert "Bilal" not in payment_post.text and "Samir" not in payment_post.text

    # Money: buyer got 99.8, the platform 0.4, the offer has 100 left; the books balance.
    assert await available(factory, buyer.id) == 99_800_000
    assert await fees(factory) - fees_before == 400_000
    async with factory() as s:
        assert (await get_offer(s, offer_id)).remaining == 100 * MICRO
        trade = await get_trade(s, trade_id)
        assert trade.status == "completed" and trade.receipt_file_unique_id is not None
        stored = [m.text for m in await messages(s, trade_id) if m.text]
        assert "Sent from my ZainCash wallet just now" in stored and "Checking, one minute" in stored
        assert (await audit(s)).ok
    channel_post = await market.tg.wait_for_post(market.offers_channel,
                                                 contains=fmt.crypto(100 * MICRO, "USDT", "ar"))
    assert f"#{offer_id} ·" in channel_post.text

    # Feedback both ways, then the profiles show it.
    # One tap saves a rating; a comment may follow.
    await step(buyer, "Positive", "Your feedback was saved. You may add a short comment", message=done)
    await seller.wait_for(T, contains="You received positive feedback")
    await say(buyer, "Fast and honest", "Your comment was saved")
    await step(seller, "Positive", "Your feedback was saved", message=seller_done)
    # The seller got one card for the release (theirs), not a second near-identical notice.
    assert sum("How was the other side?" in m.text for m in seller.chat(T)) == 1
    async with factory() as s:
        seller_stats, buyer_stats = await user_stats(s, seller.id), await user_stats(s, buyer.id)
        rows = (await s.execute(select(Feedback).where(Feedback.trade_id == trade_id))).scalars().all()
    assert seller_stats.completed_trades == 1 and buyer_stats.completed_trades == 1
    assert seller_stats.positive == 1 and buyer_stats.positive == 1 and seller_stats.avg_release_seconds is not None
    assert sorted((f.from_id, f.comment) for f in rows) == sorted([(buyer.id, "Fast and honest"), (seller.id, None)])
