"""Every button checks who pressed it and whether it still applies: another user's trade, a
stale button of a finished trade, forged or malformed callback_data change nothing."""

from __future__ import annotations

from core.escrow import get_offer, get_trade
from core.ledger import audit
from core.money import MICRO
from tests.e2e.harness import Market
from tests.market.conftest import available
from tests.market.flows import T, forge, open_trade, press, step


async def trade_state(market: Market, trade_id: int) -> str:
    async with market.session_factory() as s:
        return (await get_trade(s, trade_id)).status


async def test_buttons_of_other_users_stale_and_forged_change_nothing(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    stranger = await market.newcomer("Stranger", lang="en")
    offer_id, trade_id = await open_trade(market, seller, buyer)

    # A stranger names the trade in every action; the buyer tries the seller's release.
    for action in ("release_yes", "paid_yes", "cancel_yes", "release", "view", "dispute"):
        assert await forge(market, stranger, f"td:{action}:{trade_id}") == "This trade is not yours."
    assert await forge(market, buyer, f"td:release_yes:{trade_id}") == "Only the seller can do this."
    assert await forge(market, seller, f"td:cancel_yes:{trade_id}") == "Only the buyer can do this."
    assert await forge(market, stranger, f"fb:{trade_id}:1:1") == "This trade is not yours."
    assert await forge(market, stranger, f"pf:block:{trade_id}:0") == "This trade is not yours."
    # Someone else's offer management, a trade that does not exist.
    assert await forge(market, stranger, f"of:close_yes:{offer_id}") == "This offer is not yours."
    assert await forge(market, stranger, f"of:pause:{offer_id}") == "This offer is not yours."
    assert await forge(market, stranger, "td:release_yes:999999999") == "That trade does not exist."
    # Malformed or unknown callback_data reaches the fallback.
    for junk in ("td:release_yes:abc", "td:release_yes", "zz:1:2", "of:take:", "nw:price:9"):
        assert await forge(market, stranger, junk) == "This button is no longer active."
    # A forged quote with an absurd amount or price is refused like a typed one; one without a
    # price (a button from before quotes carried it) is no longer active.
    for amount in ("99999999999999999:c", "abc:f", "-5:f", "1e9:f", "131000:f:-1310"):
        data = f"tk:confirm:{offer_id}:{amount}" + ("" if amount.count(":") == 2 else ":1310")
        assert await forge(market, stranger, data) == "The amount must be more than zero."
    for stale in ("131000:f", "131000:f:Infinity"):
        assert await forge(market, stranger, f"tk:confirm:{offer_id}:{stale}") == "This button is no longer active."
    assert await trade_state(market, trade_id) == "awaiting_payment"

    # The buyer cancels; the old "I have paid" button is now stale.
    card = next(m for m in buyer.chat(T) if "Trade opened" in m.text)
    await step(buyer, "Cancel trade", "Cancel this trade?", message=card)
    await step(buyer, "Yes, cancel the trade", "You cancelled the trade")
    await seller.wait_for(T, contains="The buyer cancelled the trade")
    assert await forge(market, buyer, f"td:paid_yes:{trade_id}") == \
        "This trade is already cancelled; nothing was changed."
    stale = await press(seller, "Release USDT")  # on the trade's first card
    assert (await stale.answer()).text == "This trade is already cancelled; nothing was changed."
    assert await trade_state(market, trade_id) == "cancelled"
    async with market.session_factory() as s:
        assert (await get_offer(s, offer_id)).remaining == 200 * MICRO  # refunded into the offer
        assert (await audit(s)).ok
    assert await available(market.session_factory, buyer.id) == 0


async def test_a_forged_half_market_asks_for_the_rest(market: Market) -> None:
    """A market button naming the asset but not the currency (or the other way round), as an old
    client or a modified one could send, asks for what is missing instead of failing."""
    trader = await market.newcomer("Half", lang="en")
    await trader.send(T, "/offers")
    await trader.wait_for(T, contains="Do you want to buy or to sell?")
    assert await forge(market, trader, "br:sell:USDT::::0:") is None
    await trader.wait_for(T, contains="For which currency?")
    assert await forge(market, trader, "br:sell::IQD:::0:") is None
    await trader.wait_for(T, contains="Which asset?")
