"""Fewer taps (issue 21): each journey counted from the main menu through the Telegram stand-in,
every message sent and every button pressed being one interaction (market.interactions).

Before this work: publishing a sell offer took 16, listing offers 4, take and mark paid 7,
release 2; there was no express trade."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from botkit import fmt
from botkit.i18n import translate
from core.escrow.models import Trade
from core.money import MICRO
from sandbox.telegram import SimUser
from tests.e2e.harness import Market, eventually
from tests.market.conftest import fund
from tests.market.flows import T, publish_sell_offer, say, step

MAX_PUBLISH, MAX_LIST, MAX_TAKE_PAID, MAX_RELEASE = 8, 2, 5, 2


async def _trades_of(market: Market, buyer: SimUser) -> list[Trade]:
    async with market.session_factory() as s:
        return list((await s.execute(select(Trade).where(Trade.buyer_id == buyer.id))).scalars())


async def test_offers_listed_in_two_taps_on_the_remembered_market(market: Market) -> None:
    seller = await market.newcomer("Salim", lang="en")
    buyer = await market.newcomer("Basim", lang="en")
    await fund(market.session_factory, seller.id, 500)
    await publish_sell_offer(market, seller)

    taps = market.interactions(buyer)
    await step(buyer, "🛒 Buy / Sell", "Do you want to buy or to sell?")
    listing = await step(buyer, "I want to buy", "Buy USDT with IQD")  # a newcomer: USDT for IQD
    assert "1,310 IQD per 1 USDT" in listing.text
    assert taps.count <= MAX_LIST

    # Another market chosen once is the one opened next time.
    await step(buyer, "💱 USDT · IQD: change", "Which asset?")
    await step(buyer, "USDT", "For which currency?")
    await step(buyer, "USD", "Buy USDT with USD")
    await step(buyer, "⬅️ Back", "Do you want to buy or to sell?")
    taps.restart()
    await step(buyer, "I want to buy", "Buy USDT with USD")
    assert taps.count == 1


async def test_express_buy_from_the_menu_and_as_a_command(market: Market) -> None:
    seller = await market.newcomer("Sami", lang="en")
    other = await market.newcomer("Omar", lang="en")
    buyer = await market.newcomer("Bashar", lang="en")
    await fund(market.session_factory, seller.id, 500)
    await fund(market.session_factory, other.id, 500)
    dear = await publish_sell_offer(market, other, price="1,320", max_fiat="260000")
    cheap = await publish_sell_offer(market, seller, price="1,300", max_fiat="260000")

    taps = market.interactions(buyer)
    await step(buyer, "⚡ Buy USDT", "How much USDT do you want to buy?")
    quote = await step(buyer, "100 USDT", "Check before you confirm")
    assert f"The best offer for you: #{cheap}" in quote.text and f"#{dear}" not in quote.text
    assert "You buy: 100 USDT" in quote.text and "You pay: 130,000 IQD" in quote.text
    opened = await step(buyer, "Confirm and open the trade", "Trade opened")
    assert taps.count <= 3
    assert f"Trade #{opened.text.split('Trade #')[1].split(' ')[0]}" in opened.text

    async def one_trade() -> bool:
        trades = await _trades_of(market, buyer)
        return len(trades) == 1 and trades[0].offer_id == cheap and trades[0].price == Decimal("1300")

    await eventually(one_trade)
    # An amount no offer can fill says so and changes nothing.
    none = await say(buyer, "/buy 100000", "No offer can fill 100,000 USDT")
    assert "See the offers" in str(none.buttons)
    assert len(await _trades_of(market, buyer)) == 1


async def test_express_in_arabic_with_arabic_indic_digits(market: Market) -> None:
    seller = await market.newcomer("Saad", lang="en")
    buyer = await market.newcomer("بشير", lang="ar")
    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)
    taps = market.interactions(buyer)
    check = translate("ar", "<b>Check before you confirm</b>").replace("<b>", "").replace("</b>", "")
    quote = await say(buyer, "/buy ١٠٠", check)
    assert f"#{offer_id}" in quote.text
    assert translate("ar", "You pay: {fiat}", fiat=fmt.fiat(Decimal(131000), "IQD", "ar")) in quote.text
    await step(buyer, translate("ar", "✅ Confirm and open the trade"),
               translate("ar", "✅ Trade opened. The coins are locked in escrow."))
    assert taps.count == 2

    async def opened() -> bool:
        trades = await _trades_of(market, buyer)
        return len(trades) == 1 and trades[0].crypto_amount == 100 * MICRO

    await eventually(opened)


async def test_release_in_two(market: Market) -> None:
    seller = await market.newcomer("Sabir", lang="en")
    buyer = await market.newcomer("Badr", lang="en")
    await fund(market.session_factory, seller.id, 500)
    await publish_sell_offer(market, seller)
    await say(buyer, "/buy 100", "Check before you confirm")
    await step(buyer, "Confirm and open the trade", "Trade opened")
    await step(buyer, "I have paid", "Did you really transfer the money?")
    await step(buyer, "Yes, I have paid", "Marked as paid")
    paid = await seller.wait_for(T, contains="says the payment was sent")
    taps = market.interactions(seller)
    await step(seller, "Release USDT", "Release 100 USDT to the buyer?", message=paid)
    await step(seller, "Yes, I received 131,000 IQD", "You released 100 USDT")
    assert taps.count <= MAX_RELEASE
