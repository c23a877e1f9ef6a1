"""Defects a new user met on the way through a trade (issue 21), each pinned by a test."""

from __future__ import annotations

from tests.e2e.harness import Market
from tests.market.conftest import fund
from tests.market.flows import publish_sell_offer, say, step


async def test_cancelling_a_quote_leaves_a_way_back_to_the_menu(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)
    await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    await step(buyer, "🤝 Trade", "How much do you want to buy?")
    await say(buyer, "131000", "Check before you confirm")
    cancelled = await step(buyer, "✖️ Cancel", "Nothing was opened.")
    assert cancelled.buttons == [["⬅️ Main menu"]]
    await step(buyer, "⬅️ Main menu", "KOXX P2P")


async def test_the_form_refuses_a_maximum_above_what_the_offer_is_worth(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    await fund(market.session_factory, seller.id, 500)
    await say(seller, "/newoffer", "Do you want to sell crypto or buy it?")
    await step(seller, "Sell crypto", "Which asset?")
    await step(seller, "USDT", "For which currency?")
    await step(seller, "Iraqi dinar", "Fixed price, or a floating price")
    await step(seller, "Fixed price", "Type your price in IQD")
    await say(seller, "1,310", "How much USDT do you want to sell")
    await say(seller, "200", "The minimum of one trade")
    await say(seller, "50,000", "The maximum of one trade")
    refused = await say(seller, "300000", "The maximum per trade")
    assert refused.text == ("The maximum per trade (300,000 IQD) is more than the whole offer is worth "
                            "(262,000 IQD). Type at most 262,000 IQD.")  # fmt: skip
    await say(seller, "262000", "Which payment methods")  # the form is still at the maximum
