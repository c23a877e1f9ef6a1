"""A level-0 buyer's bought coins on the wallet screen (held, and until when, in Baghdad time)
and a withdrawal of them refused in words that say how much is held and until when."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from botkit import fmt
from core import escrow, users
from core.db import transaction
from core.escrow import market as escrow_market
from core.escrow.models import RiskHold, Side
from core.money import MICRO, Asset, Fiat
from core.wallet.sender import Signer
from tests.e2e.harness import Market
from tests.market.flows import send
from tests.wallet_bot.conftest import fund
from tests.wallet_bot.test_withdraw import open_withdraw

DEST = Signer.from_hex("11" * 32).address  # not one of the dev wallet's deposit addresses


async def test_held_coins_on_the_wallet_screen_and_a_withdrawal_refused(market: Market) -> None:
    f = market.session_factory
    bob = await market.newcomer("Bob", lang="en")
    seller = market.user("Sami", lang="en")
    async with transaction(f) as s:
        await users.register(s, user_id=seller.id, username=None, first_name="Sami")
        await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=Decimal(1310), actor_id=None)
    await fund(f, seller.id, Asset.USDT, 300 * MICRO)
    async with transaction(f) as s:
        offer = await escrow.publish_offer(s, maker_id=seller.id, draft=escrow.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=100 * MICRO, price=Decimal("1310"),
            min_fiat=Decimal("50000"), max_fiat=Decimal("131000"), payment_methods=("zaincash",),
            payment_window=30))  # fmt: skip
    async with transaction(f) as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=bob.id, fiat_amount=Decimal("131000"),
                                  payment_method="zaincash")  # fmt: skip
    async with transaction(f) as s:
        await escrow.release(s, trade_id=trade.id, actor_id=seller.id)
    async with f() as s:
        until = await s.scalar(select(RiskHold.until).where(RiskHold.user_id == bob.id))
    assert until is not None
    when = fmt.datetime(until, "en")

    await send(bob, "/wallet")
    screen = await bob.wait_for(market.traders, contains="Your wallet")
    assert f"on hold until {when}: 99.8 USDT" in screen.text

    await open_withdraw(market, bob)
    await send(bob, DEST)  # checked for the smallest withdrawal already: all of it is held
    refused = await bob.wait_for(market.traders, contains="is on hold")
    assert f"99.8 USDT of your balance is on hold until {when}" in refused.text
    assert "up to 0 USDT" in refused.text
