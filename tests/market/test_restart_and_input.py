"""A notification survives a crash between the state change and its delivery (sent once, after
the restart); bad amounts and terms are refused with a translated message and change nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from bootstrap import Runtime
from core.escrow import get_offer, get_trade
from core.escrow.models import Offer, Trade
from core.money import MICRO
from tests.e2e.harness import Market, running_market
from tests.market.conftest import close_all_offers, fund
from tests.market.flows import T, open_trade, press, say, send, step, take_offer


async def test_notification_committed_while_notifier_down_is_delivered_once_after_restart(
    market_db: str, tmp_path: Path
) -> None:
    async with running_market(market_db, tmp_path) as market:
        seller = await market.newcomer("Samir", lang="en")
        buyer = await market.newcomer("Bilal", lang="en")
        _, trade_id = await open_trade(market, seller, buyer)
        await seller.wait_for(T, contains="New trade on your offer")

        # The notifier dies; the buyer's "paid" commits (the buyer sees it in place).
        market.stop_notifier()
        card = next(m for m in buyer.chat(T) if "Trade opened" in m.text)
        await step(buyer, "I have paid", "Send a photo of your payment receipt", message=card)
        await step(buyer, "Yes, I have paid", "Marked as paid")
        for _ in range(100):  # the reply is sent just before the update's transaction commits
            async with market.session_factory() as s:
                if (await get_trade(s, trade_id)).status == "paid":
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the trade never became paid")
        assert not [m for m in seller.chat(T) if "says the payment was sent" in m.text]

        # The whole process goes away and a new one starts on the same database.
        old = market.runtime
        settings = old.settings
        await old.stop()
        old.scheduler = old.web_runner = None  # the harness stops it again on the way out
        restarted = Runtime(settings)
        await restarted.start()
        try:
            await seller.wait_for(T, contains="says the payment was sent")
            await buyer.send(T, "/help")  # a later update: everything queued has had its turn
            await buyer.wait_for(T, contains="How KOXX P2P works")
            assert restarted.notifier is not None
            await restarted.notifier.deliver_due()
            told = [m for m in seller.chat(T) if "says the payment was sent" in m.text]
            assert len(told) == 1
        finally:
            await restarted.stop()
    await close_all_offers(market_db)


async def count(market: Market, model: type) -> int:
    async with market.session_factory() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_bad_amounts_and_terms_are_refused_and_change_nothing(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, seller.id, 500)
    offers_before, trades_before = await count(market, Offer), await count(market, Trade)

    # In the new-offer conversation.
    await say(seller, "/newoffer", "Do you want to sell crypto or buy it?")
    await step(seller, "Sell crypto", "Which asset, for which currency?")
    await step(seller, "USDT · IQD", "Reference rate now")
    await say(seller, "1310.5", "Please send a whole number without decimals")
    await say(seller, "5000", "too far from the reference rate")
    await say(seller, "١٬٣١٠", "How much USDT do you want to sell")  # Arabic-Indic digits are input
    await say(seller, "-3", "The amount must be more than zero")
    await say(seller, "0", "The amount must be more than zero")
    await say(seller, "1.1234567", "At most 6 digits after the decimal point")
    await say(seller, "1.5k", "without k, m or «thousand»")
    await say(seller, "100000001", "The most you can enter here is 100,000,000 USDT")
    await say(seller, "600", "Your available balance is 500 USDT")
    await say(seller, "٢٠٠", "Which payment methods")
    assert (await (await press(seller, "Done")).answer()).text == "Choose at least one payment method."
    await press(seller, "FastPay")
    await seller.wait_for(T, match=lambda m: "✅ FastPay" in str(m.buttons))
    await step(seller, "Done", "Your new offer")
    await step(seller, "More options", "More options:")
    await step(seller, "Limits per trade", "The minimum of one trade")
    await say(seller, "50,000", "The maximum of one trade")
    await say(seller, "40,000", "The maximum cannot be less than the minimum")
    await say(seller, "262,000", "Your new offer")
    await step(seller, "More options", "More options:")
    await step(seller, "Payment window", "How long does the buyer have to pay?")
    await step(seller, "15 min", "Your new offer")
    await step(seller, "More options", "More options:")
    await step(seller, "Terms", "Type your terms")
    await say(seller, "x" * 501, "Terms can have at most 500 characters; yours have 501")
    await say(seller, "y" * 500, "Your new offer")
    assert await count(market, Offer) == offers_before
    await step(seller, "More options", "More options:")
    await step(seller, "Requirements", "completed at least how many trades")
    await step(seller, "No minimum", "How old must their account be")
    await say(seller, "-1", "Please send a whole number")
    await say(seller, "0", "Your new offer")
    published = await step(seller, "Publish", "Your offer is published")
    offer_id = int(published.text.split("Offer #")[1].split(" ")[0])

    # Taking it: bad amounts are refused, the Arabic-Indic amount is taken.
    await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    await step(buyer, "🤝 Trade", "How much do you want to buy?")
    for typed, expected in (("-131000", "more than zero"), ("0", "more than zero"),
                            ("131000.5", "whole number without decimals"), ("1,31", "can be read two ways"),
                            ("99999999999999", "The most you can enter here is 10,000,000,000 IQD"),
                            ("10,000", "between 50,000 IQD and 262,000 IQD"),
                            ("abc", "Please send a number"), ("0.0000001 USDT", "At most 6 digits")):  # fmt: skip
        await say(buyer, typed, expected)
    assert await count(market, Trade) == trades_before
    quote = await say(buyer, "١٣١٬٠٠٠", "Check before you confirm")
    assert "You pay: 131,000 IQD" in quote.text
    await send(buyer, "100 USDT")
    quote = await buyer.wait_for(T, contains="Check before you confirm")
    assert "You buy: 100 USDT" in quote.text and "131,000 IQD" in quote.text
    async with market.session_factory() as s:
        assert (await get_offer(s, offer_id)).remaining == 200 * MICRO
    trade_id = await take_offer(market, buyer, offer_id, "65,500")
    async with market.session_factory() as s:
        assert (await get_trade(s, trade_id)).crypto_amount == 50 * MICRO
