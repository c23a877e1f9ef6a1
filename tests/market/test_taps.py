"""Fewer taps (issue 21): each journey counted from the main menu through the Telegram stand-in,
every message sent and every button pressed being one interaction (market.interactions).

Before this work: publishing a sell offer took 16, listing offers 4, take and mark paid 7,
release 2; there was no express trade."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from botkit import fmt
from botkit.i18n import translate
from core.escrow.models import Offer, Trade
from core.money import MICRO
from sandbox.telegram import SimUser
from tests.e2e.harness import Market, eventually
from tests.market.conftest import fund
from tests.market.flows import T, press, publish_sell_offer, say, step

MAX_PUBLISH, MAX_LIST, MAX_TAKE_PAID, MAX_RELEASE = 8, 2, 5, 2


async def _trades_of(market: Market, buyer: SimUser) -> list[Trade]:
    async with market.session_factory() as s:
        return list((await s.execute(select(Trade).where(Trade.buyer_id == buyer.id))).scalars())


async def test_publish_a_sell_offer_in_eight_then_six_with_the_last_offer_remembered(market: Market) -> None:
    seller = await market.newcomer("Sadiq", lang="en")
    await fund(market.session_factory, seller.id, 500)
    taps = market.interactions(seller)
    await step(seller, "➕ New offer", "Do you want to sell crypto or buy it?")
    await step(seller, "Sell crypto", "Which asset, for which currency?")  # a first offer: the market is asked
    price = await step(seller, "USDT · IQD", "Reference rate now: 1,310 IQD per 1 USDT")
    assert ["1,284 IQD (-2%)", "1,297 IQD (-1%)", "= 1,310 IQD"] in price.buttons
    await step(seller, "1,323 IQD (+1%)", "How much USDT do you want to sell in total? Available: 500 USDT.")
    await say(seller, "200", "Which payment methods")
    await press(seller, "ZainCash")
    await seller.wait_for(T, match=lambda m: "✅ ZainCash" in str(m.buttons))
    summary = await step(seller, "Done", "Your new offer")
    # The optional steps keep their defaults: limits from a small trade to the whole offer, 30 minutes.
    assert "Price: 1,323 IQD per 1 USDT" in summary.text and "Per trade: 10,000 IQD – 264,600 IQD" in summary.text
    assert "Payment window: 30 minutes" in summary.text and "More options" in str(summary.buttons)
    await step(seller, "Publish", "Your offer is published")
    assert taps.count <= MAX_PUBLISH

    # The next one starts from it: market, methods (and window, terms) remembered.
    taps.restart()
    await say(seller, "/newoffer", "Do you want to sell crypto or buy it?")
    await step(seller, "Sell crypto", "Reference rate now")
    await step(seller, "= 1,310 IQD", "How much USDT do you want to sell")
    await say(seller, "50", "Which payment methods")
    await step(seller, "Done", "ZainCash")
    await step(seller, "Publish", "Your offer is published")
    assert taps.count <= 6

    # "Repeat": one tap from the offers list, the same settings at the price of now, then Publish
    # (here the offer just closed, as a sold-out one would be).
    await step(seller, "🗑 Close offer", "for good?")
    await step(seller, "Yes, close it", "Offer closed")
    await step(seller, "📋 My offers", "Your offers")
    taps.restart()
    summary = await step(seller, "🔁 Repeat my last offer", "Your new offer")
    assert "Price: 1,310 IQD per 1 USDT" in summary.text and "Amount: 50 USDT" in summary.text
    assert "Payment methods: ZainCash" in summary.text
    await step(seller, "Publish", "Your offer is published")
    assert taps.count == 2
    async with market.session_factory() as s:
        prices = (await s.execute(select(Offer.price).where(Offer.maker_id == seller.id).order_by(Offer.id))).scalars()
        assert list(prices) == [Decimal(1323), Decimal(1310), Decimal(1310)]


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


async def test_take_and_mark_paid_in_five_from_the_list(market: Market) -> None:
    seller = await market.newcomer("Said", lang="en")
    buyer = await market.newcomer("Bakr", lang="en")
    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)
    await step(buyer, "🛒 Buy / Sell", "Do you want to buy or to sell?")
    listing = await step(buyer, "I want to buy", "Buy USDT with IQD")
    assert [f"#{offer_id} · 1,310 IQD"] in listing.buttons  # the offer's number and price, not a position

    taps = market.interactions(buyer)
    card = await step(buyer, f"#{offer_id} ·", f"Offer #{offer_id}")
    assert ["Min 50,000 IQD", "Max 262,000 IQD"] in card.buttons  # the most this trader may take
    await step(buyer, "Max 262,000 IQD", "Check before you confirm")
    await step(buyer, "Confirm and open the trade", "Trade opened")
    await step(buyer, "I have paid", "Send a photo of your payment receipt now if you have one (optional)")
    await step(buyer, "Yes, I have paid", "Marked as paid")
    assert taps.count <= MAX_TAKE_PAID

    async def paid() -> bool:
        trades = await _trades_of(market, buyer)
        return len(trades) == 1 and trades[0].status == "paid" and trades[0].fiat_amount == Decimal(262000)

    await eventually(paid)


async def test_the_filter_amount_is_carried_into_the_trade(market: Market) -> None:
    seller = await market.newcomer("Sahir", lang="en")
    buyer = await market.newcomer("Bahir", lang="en")
    await fund(market.session_factory, seller.id, 500)
    offer_id = await publish_sell_offer(market, seller)
    await step(buyer, "🛒 Buy / Sell", "Do you want to buy or to sell?")
    await step(buyer, "I want to buy", "Buy USDT with IQD")
    await step(buyer, "🔎 Amount", "Type the amount you want to trade")
    await say(buyer, "131,000", "Filter: 131,000 IQD")
    taps = market.interactions(buyer)
    await step(buyer, f"#{offer_id} ·", f"Offer #{offer_id}")
    quote = await step(buyer, "🤝 131,000 IQD", "Check before you confirm")  # not typed again
    assert "You pay: 131,000 IQD" in quote.text and "You buy: 100 USDT" in quote.text
    await step(buyer, "Confirm and open the trade", "Trade opened")
    await step(buyer, "I have paid", "Did you really transfer the money?")
    await step(buyer, "Yes, I have paid", "Marked as paid")
    assert taps.count <= MAX_TAKE_PAID


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


async def test_the_short_journeys_in_arabic_read_right_to_left(market: Market) -> None:
    from tests.market.test_arabic import ar, rtl_problems

    seller = await market.newcomer("سالم", lang="ar")
    buyer = await market.newcomer("باسل", lang="ar")
    await fund(market.session_factory, seller.id, 500)
    taps = market.interactions(seller)
    await step(seller, ar("➕ New offer"), ar("<b>New offer</b>\nDo you want to sell crypto or buy it?")[:8])
    await step(seller, ar("🔴 Sell crypto"), ar("Which asset, for which currency?"))
    await step(seller, fmt.code("USDT", "ar") + " · " + fmt.code("IQD", "ar"), ar("Reference rate now: {price}"))
    assert rtl_problems(seller) == []  # the price buttons (each screen is checked while it shows)
    await step(seller, "= " + fmt.fiat(Decimal(1310), "IQD", "ar"), ar("How much {asset} do you want to sell in total? Available: {available}."))
    await say(seller, "٢٠٠", ar("Which payment methods do you accept? Tap to choose one or more, then Done."))
    await press(seller, translate("ar", "ZainCash"))
    await seller.wait_for(T, match=lambda m: "✅ " + translate("ar", "ZainCash") in str(m.buttons))
    await step(seller, ar("Done ➡️"), ar("<b>Your new offer</b>"))
    assert rtl_problems(seller) == []
    await step(seller, ar("⚙️ More options"), ar("More options: change what you need; the rest keeps the values shown."))
    assert rtl_problems(seller) == []
    await step(seller, ar("⬅️ Back"), ar("<b>Your new offer</b>"))
    await step(seller, ar("✅ Publish"), ar("✅ Your offer is published."))
    assert taps.count <= MAX_PUBLISH + 2  # the look at More options and back
    assert rtl_problems(seller) == []

    await step(buyer, ar("🛒 Buy / Sell"), ar("Do you want to buy or to sell?"))
    listing = await step(buyer, ar("🟢 I want to buy"), ar("Buy {asset} with {fiat}", asset=fmt.code("USDT", "ar"),
                                                            fiat=fmt.code("IQD", "ar")))
    offer_label = listing.buttons[0][0]
    card = await step(buyer, offer_label, ar("Payment window: {window}"))
    assert translate("ar", "Max {fiat}", fiat=fmt.fiat(Decimal(262000), "IQD", "ar")) in str(card.buttons)
    assert rtl_problems(buyer) == []  # the list was, the card with its quick amounts is
    await step(buyer, ar("⬅️ Back"), ar("Buy {asset} with {fiat}",
               asset=fmt.code("USDT", "ar"), fiat=fmt.code("IQD", "ar")))
    await say(buyer, "/start", "KOXX P2P")
    await step(buyer, translate("ar", "⚡ Buy USDT"), ar("⚡ How much {asset} do you want to buy? Tap an amount or type one, for example {example}."))
    await step(buyer, fmt.crypto(100 * MICRO, "USDT", "ar"), ar("<b>Check before you confirm</b>"))
    assert rtl_problems(buyer) == []
