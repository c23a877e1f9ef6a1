"""Browsing: best price first, then promoted, then reputation; own, blocked, paused and
banned makers' offers left out; amount and payment-method filters; pages with a total.
(Only this module trades TRX against IQD, so the market it browses is its own.) The API's
market cache pages exactly as browse does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import update

from core import escrow
from core.accounts import names
from core.escrow import MarketQuery
from core.escrow.market_cache import MarketCache
from core.escrow.models import Offer, Side
from core.money import MICRO, Asset, Fiat
from core.users import User
from tests.escrow.conftest import World

TRX_IQD: dict[str, Any] = {
    "asset": Asset.TRX,
    "fiat": Fiat.IQD,
    "amount": 1000 * MICRO,
    "min_fiat": Decimal("10000"),
    "max_fiat": Decimal("300000"),
}


async def test_browse_orders_filters_and_pages(world: World) -> None:
    viewer, blocked_maker, banned_maker = await world.user(), await world.user(), await world.user()
    async with world.tx() as s:
        await escrow.set_reference_rate(s, asset=Asset.TRX, fiat=Fiat.IQD, rate=Decimal("300"), actor_id=None)

    async def sell(price: str | None, **fields: Any) -> Offer:
        maker = fields.pop("maker", None) or await world.user()
        await world.fund(maker, 3000 * MICRO, Asset.TRX)
        values = TRX_IQD | {"price": Decimal(price) if price else None} | fields
        return await world.sell_offer(maker, fund=False, **values)

    dear = await sell("310", max_fiat=Decimal("100000"))
    mid = await sell("305", payment_methods=("cash",))
    floating = await sell(None, margin_pct=Decimal("1"))  # 300 * 1.01 = 303
    promoted = await sell("305")
    async with world.tx() as s:
        await s.execute(update(Offer).where(Offer.id == promoted.id).values(is_promoted=True))
    await sell("301", maker=blocked_maker)
    await sell("301", maker=banned_maker)
    await sell("302", maker=viewer)
    paused = await sell("300")
    sold_out = await sell("300", amount=50 * MICRO)  # 15,000 IQD ...
    async with world.tx() as s:  # ... of which 10,000 are taken: less than the minimum is left
        await escrow.take(s, offer_id=sold_out.id, taker_id=await world.user(), fiat_amount=Decimal("10000"))
    async with world.tx() as s:
        await escrow.block(s, user_id=viewer, blocked_id=blocked_maker)
        await s.execute(update(User).where(User.id == banned_maker).values(is_banned=True))
        await escrow.pause_offer(s, offer_id=paused.id, actor_id=paused.maker_id)
    buy_maker = await world.user()
    await world.buy_offer(buy_maker, **(TRX_IQD | {"price": Decimal("299")}))
    await world.buy_offer(None, **(TRX_IQD | {"price": Decimal("297")}))

    async with world.factory() as s:
        page = await escrow.browse(s, viewer_id=viewer, side=Side.SELL, asset=Asset.TRX, fiat=Fiat.IQD)
        assert [row.offer.id for row in page.items] == [floating.id, promoted.id, mid.id, dear.id]
        assert [row.price for row in page.items] == [
            Decimal("303"),
            Decimal("305"),
            Decimal("305"),
            Decimal("310"),
        ]
        assert page.total == 4 and not page.has_more
        first = page.items[0]
        assert first.max_fiat == Decimal("300000") and first.maker.account_age_days == 400
        assert first.maker.completed_trades == 0 and first.maker_name.startswith("u")

        # the blocked maker does not see the viewer's offers either
        theirs = await escrow.browse(
            s, viewer_id=blocked_maker, side=Side.SELL, asset=Asset.TRX, fiat=Fiat.IQD
        )
        assert viewer not in [row.offer.maker_id for row in theirs.items]

        big = await escrow.browse(
            s, viewer_id=viewer, side=Side.SELL, asset=Asset.TRX, fiat=Fiat.IQD, fiat_amount=Decimal("200000")
        )
        assert [row.offer.id for row in big.items] == [floating.id, promoted.id, mid.id]  # dear: max 100,000
        cash = await escrow.browse(
            s, viewer_id=viewer, side=Side.SELL, asset=Asset.TRX, fiat=Fiat.IQD, payment_method="cash"
        )
        assert [row.offer.id for row in cash.items] == [mid.id]

        first_two = await escrow.browse(
            s, viewer_id=viewer, side=Side.SELL, asset=Asset.TRX, fiat=Fiat.IQD, limit=2
        )
        next_two = await escrow.browse(
            s, viewer_id=viewer, side=Side.SELL, asset=Asset.TRX, fiat=Fiat.IQD, offset=2, limit=2
        )
        assert [r.offer.id for r in first_two.items + next_two.items] == [
            floating.id,
            promoted.id,
            mid.id,
            dear.id,
        ]
        assert first_two.has_more and first_two.total == 4 and not next_two.has_more
        past_the_end = await escrow.browse(  # a stale "Next" after the market shrank
            s, viewer_id=viewer, side=Side.SELL, asset=Asset.TRX, fiat=Fiat.IQD, offset=6, limit=2
        )
        assert past_the_end.items == [] and past_the_end.total == 4

        # a seller browsing buy offers sees the highest price first
        buys = await escrow.browse(s, viewer_id=viewer, side=Side.BUY, asset=Asset.TRX, fiat=Fiat.IQD)
        assert [row.price for row in buys.items] == [Decimal("299"), Decimal("297")]
        assert buys.items[0].offer.maker_id == buy_maker


async def test_reputation_breaks_a_price_tie(world: World) -> None:
    veteran, newcomer, viewer, buyer = (
        await world.user(),
        await world.user(),
        await world.user(),
        await world.user(),
    )
    for maker in (veteran, newcomer):
        await world.fund(maker, 600 * MICRO, Asset.TRX)
    base = TRX_IQD | {
        "fiat": Fiat.USD,
        "price": Decimal("0.26"),
        "min_fiat": Decimal("5.00"),
        "max_fiat": Decimal("100.00"),
        "amount": 500 * MICRO,
    }
    async with world.tx() as s:
        await escrow.set_reference_rate(
            s, asset=Asset.TRX, fiat=Fiat.USD, rate=Decimal("0.25"), actor_id=None
        )
    new_offer = await world.sell_offer(newcomer, fund=False, **base)
    old_offer = await world.sell_offer(veteran, fund=False, **base)
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=old_offer.id, taker_id=buyer, fiat_amount=Decimal("10.00"))
        await escrow.release(s, trade_id=trade.id, actor_id=veteran)
    async with world.factory() as s:
        page = await escrow.browse(s, viewer_id=viewer, side=Side.SELL, asset=Asset.TRX, fiat=Fiat.USD)
    ids = [row.offer.id for row in page.items]
    assert ids.index(old_offer.id) < ids.index(new_offer.id)
    assert page.items[ids.index(old_offer.id)].maker.completed_trades == 1


async def test_the_market_cache_pages_as_browse_does_and_is_at_most_seconds_old(world: World) -> None:
    """core.escrow.market_cache (the API's GET /api/offers): the same page as browse for each
    viewer from one reading of the market; a new offer shows only once the market is forgotten or
    ``seconds`` have passed; a viewer's block counts once they are read again."""
    viewer, other, maker, trusting = await world.user(), await world.user(), await world.user(), await world.user()
    async with world.tx() as s:
        await escrow.set_reference_rate(s, asset=Asset.TRX, fiat=Fiat.IQD, rate=Decimal("300"), actor_id=None)
        await names.set_nickname(s, user_id=other, nickname=f"cache_{other}")
        await escrow.trust(s, user_id=trusting, nickname=f"cache_{other}")
    for someone in (maker, trusting, viewer):
        await world.fund(someone, 3000 * MICRO, Asset.TRX)
    public = await world.sell_offer(maker, fund=False, **(TRX_IQD | {"price": Decimal("290")}))
    trusted_only = await world.sell_offer(trusting, fund=False, visibility="trusted",
                                          **(TRX_IQD | {"price": Decimal("291")}))  # fmt: skip
    own = await world.sell_offer(viewer, fund=False, **(TRX_IQD | {"price": Decimal("289")}))
    now = [1000.0]
    cache = MarketCache(2, clock=lambda: now[0])
    query = MarketQuery.of(Side.SELL, Asset.TRX, Fiat.IQD)

    async def pages(who: int) -> tuple[list[int], list[int], int]:
        async with world.factory() as s:
            cached = await cache.browse(s, viewer_id=who, query=query, limit=50)
            fresh = await escrow.browse(s, viewer_id=who, side=Side.SELL, asset=Asset.TRX, fiat=Fiat.IQD, limit=50)
        assert cached.total == len(cached.items)
        return [r.offer.id for r in cached.items], [r.offer.id for r in fresh.items], cached.total

    seen_by_viewer, fresh, _ = await pages(viewer)
    assert seen_by_viewer == fresh and public.id in fresh and own.id not in fresh and trusted_only.id not in fresh
    seen_by_other, fresh, _ = await pages(other)  # the same reading of the market, another viewer
    assert seen_by_other == fresh and own.id in fresh and trusted_only.id in fresh

    newer = await world.sell_offer(maker, fund=False, **(TRX_IQD | {"price": Decimal("288")}))
    async with world.tx() as s:
        await escrow.block(s, user_id=viewer, blocked_id=maker)
    stale, fresh, _ = await pages(viewer)
    assert stale == seen_by_viewer and newer.id not in stale  # within the 2 seconds: as read before
    cache.forget()  # an offer event
    after_event, fresh, _ = await pages(viewer)
    assert newer.id in after_event and public.id in after_event  # the viewer's block is not read yet
    cache.forget_viewer(viewer)  # the viewer wrote (the block)
    blocked, fresh, _ = await pages(viewer)
    assert blocked == fresh and newer.id not in blocked and public.id not in blocked

    async with world.tx() as s:
        await escrow.pause_offer(s, offer_id=newer.id, actor_id=maker)
    assert newer.id in (await pages(other))[0]  # still within the 2 seconds
    now[0] += 2
    expired, fresh, _ = await pages(other)
    assert expired == fresh and newer.id not in expired
