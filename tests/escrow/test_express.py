"""Express trades: the best offer a trader may take for N USDT (price, then the maker's
reputation), never their own, never a blocked maker, never one whose limits or requirements do
not allow the amount. (Only this module trades USDT against USD, so the market is its own.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core import escrow
from core.escrow.express import best_offer
from core.money import MICRO, Asset, Fiat
from tests.escrow.conftest import World

USDT_USD: dict[str, Any] = {
    "fiat": Fiat.USD,
    "amount": 500 * MICRO,
    "min_fiat": Decimal("10"),
    "max_fiat": Decimal("500"),
    "payment_methods": ("zaincash",),
}


async def _completed_trade(world: World, seller: int) -> None:
    """One completed trade of ``seller`` (in the IQD market): reputation for the tie on price."""
    offer = await world.sell_offer(seller)
    buyer = await world.user()
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"))
    async with world.tx() as s:
        await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer)
    async with world.tx() as s:
        await escrow.release(s, trade_id=trade.id, actor_id=seller)
        await escrow.close_offer(s, offer_id=offer.id, actor_id=seller)


async def test_express_buy_picks_the_best_offer_the_trader_may_take(world: World) -> None:
    trader, blocked_maker, newcomer, veteran = [await world.user() for _ in range(4)]
    await _completed_trade(world, veteran)

    async def sell(price: str, **fields: Any) -> int:
        maker = fields.pop("maker", None) or await world.user()
        return (await world.sell_offer(maker, **(USDT_USD | {"price": Decimal(price)} | fields))).id

    async with world.factory() as s:  # an empty market: nothing to take
        assert await best_offer(s, taker_id=trader, buy=True, asset=Asset.USDT, fiat=Fiat.USD,
                                crypto_amount=100 * MICRO) is None  # fmt: skip

    await sell("0.95", maker=trader)  # the trader's own: never
    await sell("0.96", maker=blocked_maker)  # blocked: never
    await sell("0.97", max_fiat=Decimal("50"))  # 100 USDT = 97 USD, above its maximum per trade
    await sell("0.97", min_fiat=Decimal("200"))  # below its minimum
    await sell("0.98", min_trades=3)  # the trader has no completed trade
    await sell("0.98", amount=60 * MICRO)  # only 60 USDT left
    await sell("0.99", maker=newcomer)
    best = await sell("0.99", maker=veteran)  # same price, better reputation
    await sell("1.00")
    async with world.tx() as s:
        await escrow.block(s, user_id=trader, blocked_id=blocked_maker)

    async with world.factory() as s:
        q = await best_offer(s, taker_id=trader, buy=True, asset=Asset.USDT, fiat=Fiat.USD, crypto_amount=100 * MICRO)
        assert q is not None
        assert (q.offer_id, q.price, q.crypto_amount, q.fiat_amount) == (best, Decimal("0.99"), 100 * MICRO,
                                                                        Decimal("99.00"))
        assert q.buyer_id == trader and q.seller_id == veteran
        # 600 USDT fits no offer's limits: none.
        assert await best_offer(s, taker_id=trader, buy=True, asset=Asset.USDT, fiat=Fiat.USD,
                                crypto_amount=600 * MICRO) is None  # fmt: skip

    # The quote opens the trade at its price (as the express screen's Confirm does).
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=q.offer_id, taker_id=trader, crypto_amount=100 * MICRO,
                                  expected_price=q.price)  # fmt: skip
    assert trade.seller_id == veteran and trade.fiat_amount == Decimal("99.00")


async def test_express_sell_picks_the_highest_buy_offer(world: World) -> None:
    seller = await world.user()
    await world.fund(seller, 300 * MICRO)
    low = await world.buy_offer(**(USDT_USD | {"price": Decimal("0.98")}))
    high = await world.buy_offer(**(USDT_USD | {"price": Decimal("1.02")}))
    async with world.factory() as s:
        q = await best_offer(s, taker_id=seller, buy=False, asset=Asset.USDT, fiat=Fiat.USD, crypto_amount=50 * MICRO)
    assert q is not None and q.offer_id == high.id and q.offer_id != low.id and q.seller_id == seller
    async with world.tx() as s:
        for offer in (low, high):
            await escrow.close_offer(s, offer_id=offer.id, actor_id=offer.maker_id)
