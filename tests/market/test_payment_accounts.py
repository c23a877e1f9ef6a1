"""Where to pay, who is paying, how long is left, through the Telegram stand-in: the seller saves
a ZainCash account once, the buyer's trade card shows it (number, holder, exact amount, time
left in Baghdad time) and the public offer does not; the buyer pays from an account in another
person's name and the seller's release screen warns; admins see the flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from admin_bot import views as admin_views
from bot.views.trade_details import clock, countdown
from botkit.i18n import use_locale
from core.admin.cases import dispute_case
from core.escrow import get_trade, open_dispute
from core.escrow.models import Trade
from core.users import User
from sandbox.telegram import SimUser
from tests.e2e.harness import Market
from tests.market.conftest import fund
from tests.market.flows import T, publish_sell_offer, say, step, take_offer


def plain(text: str) -> str:
    """Without the direction isolates (U+2066..U+2069) names and numbers are wrapped in."""
    return "".join(c for c in text if c not in "\u2066\u2067\u2068\u2069")


async def _save_account(user: SimUser, method: str, number: str, holder: str) -> None:
    await say(user, "/accounts", "Your payment accounts")
    await step(user, "Add an account", "Which kind of account?")
    await step(user, method, "mobile number")
    await say(user, number, "account holder's full name")
    await say(user, holder, "Saved")


async def test_buyer_sees_where_to_pay_and_the_seller_is_warned_of_a_stranger_payer(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    await fund(market.session_factory, seller.id, 500)
    await say(seller, "/nickname", "Choose your public nickname")
    await say(seller, "SamirFX", "Your nickname is now")

    # The seller saves their ZainCash account once; a wrong number changes nothing.
    await say(seller, "/accounts", "None yet")
    await step(seller, "Add an account", "Which kind of account?")
    await step(seller, "ZainCash", "mobile number")
    await say(seller, "12345", "does not look right for ZainCash")
    await say(seller, "٠٧٧٠ ١٢٣ ٤٥٦٧", "account holder's full name")  # Arabic-Indic digits
    await say(seller, "Ali Hassan", "Saved: ZainCash ·4567")

    # Numbers in the public terms are refused with a pointer to /accounts.
    offer_id = await publish_sell_offer(market, seller)
    public = await say(buyer, f"/start offer_{offer_id}", f"Offer #{offer_id}")
    assert "07701234567" not in public.text and "Ali Hassan" not in public.text
    assert "SamirFX" in public.text  # offers name their maker by nickname

    # The buyer (verified as Karim Jasim) saves an account in another person's name.
    async with market.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == buyer.id).values(verified_name="Karim Jasim", kyc_level=2))
    await _save_account(buyer, "ZainCash", "07809876543", "Someone Else")

    trade_id = await take_offer(market, buyer, offer_id, "131000")
    opened = next(m for m in buyer.chat(T) if "Trade opened" in m.text)
    card = plain(opened.text)
    assert "Pay to the seller's ZainCash" in opened.text
    assert "<code>07701234567</code>" in opened.html and "Holder: Ali Hassan" in card
    assert "Exact amount: 131000 IQD" in card
    assert "Seller: SamirFX" in card
    assert "left, until" in card and "Baghdad" in card

    await step(buyer, "I have paid", "Press the account you paid from", message=opened)
    marked = await step(buyer, "Yes, paid from ZainCash ·6543", "Marked as paid")
    assert "a dispute can be opened from" in marked.text

    notice = await seller.wait_for(T, contains="another person's name")
    assert "Buyer says" not in notice.text
    release = await step(seller, "Release USDT", "Release", message=notice)
    assert "The buyer paid from an account in another person's name" in release.text
    assert "Account holder: Someone Else" in plain(release.text)
    async with market.session_factory() as s:
        trade = await get_trade(s, trade_id)
        assert trade.payer_name_check == "mismatch" and trade.status == "paid"

    # Admins: the dispute card names the accounts and carries the flag.
    async with market.session_factory() as s, s.begin():
        await s.execute(update(Trade).where(Trade.id == trade_id)
                        .values(paid_at=datetime.now(UTC) - timedelta(hours=1)))  # fmt: skip
    async with market.session_factory() as s, s.begin():
        dispute = await open_dispute(s, trade_id=trade_id, actor_id=seller.id, reason="Paid by someone else")
    async with market.session_factory() as s:
        case = await dispute_case(s, dispute.id)
        with use_locale("en"):
            text = plain(admin_views.dispute_case(case, "en", viewer_id=1))
    assert "Paid to (seller): ZainCash · 07701234567 · Ali Hassan" in text
    assert "Paid from (buyer): ZainCash · 07809876543 · Someone Else" in text
    assert "🚩 The buyer paid from an account in another name (verified name: Karim Jasim)" in text
    assert "SamirFX" in text  # people by nickname
    assert "method: ZainCash" in text


async def test_terms_with_a_phone_number_are_refused(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    await fund(market.session_factory, seller.id, 500)
    await say(seller, "/newoffer", "Do you want to sell crypto or buy it?")
    await step(seller, "Sell crypto", "Which asset, for which currency?")
    await step(seller, "USDT · IQD", "Reference rate now")
    await say(seller, "1310", "How much USDT do you want to sell")
    await say(seller, "100", "Which payment methods")
    await step(seller, "ZainCash", "Which payment methods")
    await step(seller, "Done", "Your new offer")
    await step(seller, "More options", "More options:")
    await step(seller, "Terms", "Type your terms")
    await say(seller, "Send to 0770 123 4567 only", "Save them once in /accounts")
    await say(seller, "Pay from your own account.", "Your new offer")


def test_countdown_in_both_languages() -> None:
    now = datetime(2026, 12, 5, 14, 33, 30, tzinfo=UTC)  # 17:33:30 in Baghdad (UTC+3)
    deadline = now + timedelta(minutes=28, seconds=30)
    with use_locale("en"):
        assert countdown(deadline, now=now, lg="en") == "⏳ 29 minutes left, until 18:02 Baghdad"
        assert clock(deadline, "en") == "18:02 Baghdad"
    with use_locale("ar"):
        text = countdown(deadline, now=now, lg="ar")
    assert text == "⏳ باقي ٢٩ دقيقة، حتى الساعة ١٨:٠٢ بتوقيت بغداد"
    assert not any(c.isascii() and c.isdigit() for c in text)


async def test_the_market_filters_cash_offers_by_city(market: Market) -> None:
    from decimal import Decimal

    from core.db import transaction
    from core.escrow import OfferDraft, Side, publish_offer
    from core.money import MICRO, Asset, Fiat

    buyer = await market.newcomer("Bilal", lang="en")
    for name, city, price in (("Basim", "Basra", "1300"), ("Erfan", "Erbil", "1320")):
        maker = await market.newcomer(name, lang="en")
        await fund(market.session_factory, maker.id, 500)
        async with transaction(market.session_factory) as s:
            await publish_offer(s, maker_id=maker.id, draft=OfferDraft(
                side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=100 * MICRO, price=Decimal(price),
                min_fiat=Decimal(50000), max_fiat=Decimal(131000), payment_methods=("cash",), city=city))
    await say(buyer, "/offers", "Do you want to buy or to sell?")
    page = await step(buyer, "I want to buy", "1,320")
    await step(buyer, "Payment method", "Which payment method?", message=page)
    cash = await step(buyer, "Cash in person", "1,320")
    assert ["📍 Basra", "📍 Erbil"] in cash.buttons
    basra = await step(buyer, "📍 Basra", "Cash in", message=cash)
    assert "1,300" in basra.text and "1,320" not in basra.text
