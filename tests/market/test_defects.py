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
