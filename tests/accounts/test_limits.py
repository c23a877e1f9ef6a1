"""KYC levels and their limits: a level-0 user hits the daily trade limit and the refusal says
how to raise it; sharing their own contact (level 1) and an approved document (level 2) raise it;
someone else's contact is refused. Open offers, withdrawals, overrides, and a race on the
daily allowance."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core import escrow, events
from core.accounts import kyc
from core.accounts.config import AccountsSettings
from core.accounts.documents import documents_key
from core.config import load_settings
from core.errors import DomainError
from core.escrow import limits
from core.escrow.models import Trade
from core.money import MICRO, Asset
from tests.accounts.conftest import Bench


async def take_checked(
    bench: Bench, offer_id: int, buyer: int, seller: int, usdt: int, release: bool = True
) -> Trade:
    """Open a trade through the marketplace, which checks both parties' limits (released
    afterwards unless ``release`` is False, so that the open-trade limit stays clear)."""
    async with bench.tx() as s:
        trade = await escrow.take(s, offer_id=offer_id, taker_id=buyer, crypto_amount=usdt * MICRO)
    if release:
        async with bench.tx() as s:
            trade = await escrow.release(s, trade_id=trade.id, actor_id=seller)
    return trade


async def test_level_zero_daily_limit_then_phone_then_documents_raise_it(
    bench: Bench, tmp_path: Path
) -> None:
    seller = await bench.user(level=2)
    buyer = await bench.user(level=0)
    offer = await bench.sell_offer(seller, 5_000 * MICRO)

    for _ in range(3):
        await take_checked(bench, offer.id, buyer, seller, 150)
    with pytest.raises(DomainError) as refused:
        await take_checked(bench, offer.id, buyer, seller, 100)
    assert refused.value.code == "limit_exceeded"
    assert refused.value.params == {
        "kind": "daily_trade",
        "level": 0,
        "asset": "USDT",
        "limit": 500 * MICRO,
        "used": 450 * MICRO,
        "left": 50 * MICRO,
        "next_level": 1,
        "next_limit": 5_000 * MICRO,
    }
    assert await bench.count(Trade, Trade.buyer_id == buyer) == 3  # the refused trade was not opened
    # Still room for 50 USDT; and a single trade above the per-trade limit is refused as such.
    await take_checked(bench, offer.id, buyer, seller, 50)
    with pytest.raises(DomainError) as too_big:
        async with bench.tx() as s:
            await limits.check_trade(s, buyer, asset=Asset.USDT, amount=250 * MICRO)
    assert too_big.value.params["kind"] == "per_trade" and too_big.value.params["limit"] == 200 * MICRO

    # Someone else's contact card does not verify anything.
    other = await bench.user()
    for contact_id in (other, None):
        with pytest.raises(DomainError) as not_yours:
            async with bench.tx() as s:
                await kyc.verify_phone(s, user_id=buyer, contact_user_id=contact_id, phone="+9647701234567")
        assert not_yours.value.code == "contact_not_yours"
    assert (await bench.get(buyer)).kyc_level == 0

    # Their own contact: level 1, and the same trade now fits.
    async with bench.tx() as s:
        await kyc.verify_phone(s, user_id=buyer, contact_user_id=buyer, phone="+964 770 123 4567")
    assert (await bench.get(buyer)).kyc_level == 1
    await take_checked(bench, offer.id, buyer, seller, 200)
    with pytest.raises(DomainError) as level_one:
        async with bench.tx() as s:
            await limits.check_trade(s, buyer, asset=Asset.USDT, amount=3_000 * MICRO)
    assert level_one.value.params["kind"] == "per_trade" and level_one.value.params["next_level"] == 2

    # Documents approved by a moderator: level 2, and the 3,000 USDT trade is allowed.
    async with bench.tx() as s:
        request = await kyc.submit_documents(
            s, user_id=buyer, document=b"\xff\xd8doc", selfie=b"\xff\xd8me", key=documents_key(load_settings())
        )
    moderator = await bench.user()
    async with bench.tx() as s:
        await kyc.approve(s, request_id=request.id, moderator_id=moderator)
    assert (await bench.get(buyer)).kyc_level == 2
    trade = await take_checked(bench, offer.id, buyer, seller, 3_000)
    assert trade.crypto_amount == 3_000 * MICRO
    await bench.audit_ok()


async def test_cancelled_trades_do_not_count(bench: Bench) -> None:
    seller, buyer = await bench.user(level=2), await bench.user(level=0)
    offer = await bench.sell_offer(seller, 1_000 * MICRO)
    trade = await take_checked(bench, offer.id, buyer, seller, 200, release=False)
    async with bench.tx() as s:
        assert await limits.traded_today(s, buyer, Asset.USDT) == 200 * MICRO
        await escrow.cancel(s, trade_id=trade.id, actor_id=buyer)
    async with bench.tx() as s:
        assert await limits.traded_today(s, buyer, Asset.USDT) == 0
        assert await limits.traded_today(s, seller, Asset.USDT) == 0


async def test_seller_limit_counts_too(bench: Bench) -> None:
    seller, buyer = await bench.user(level=0), await bench.user(level=2)
    offer = await bench.sell_offer(seller, 1_000 * MICRO)
    await take_checked(bench, offer.id, buyer, seller, 200)
    await take_checked(bench, offer.id, buyer, seller, 200)
    with pytest.raises(DomainError) as refused:
        await take_checked(bench, offer.id, buyer, seller, 200)
    # The buyer (who acts) is told it is the other side's limit, and how much they can still trade.
    assert refused.value.code == "counterparty_limit" and refused.value.params["left"] == 100 * MICRO
    async with bench.tx() as s:
        with pytest.raises(DomainError) as own:  # the seller's own check names the limit itself
            await limits.check_trade(s, seller, asset=Asset.USDT, amount=200 * MICRO)
    assert own.value.params["kind"] == "daily_trade" and own.value.params["used"] == 400 * MICRO


async def test_concurrent_trades_cannot_share_the_daily_allowance(bench: Bench) -> None:
    seller, buyer = await bench.user(level=2), await bench.user(level=0)
    offer_a = await bench.sell_offer(seller, 1_000 * MICRO)
    offer_b = await bench.sell_offer(seller, 1_000 * MICRO)
    results = await asyncio.gather(
        take_checked(bench, offer_a.id, buyer, seller, 200),
        take_checked(bench, offer_b.id, buyer, seller, 200),
        take_checked(bench, offer_a.id, buyer, seller, 150),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].code == "limit_exceeded"
    async with bench.tx() as s:
        assert await limits.traded_today(s, buyer, Asset.USDT) <= 500 * MICRO


async def test_open_offers_limit(bench: Bench) -> None:
    maker = await bench.user(level=0)
    for _ in range(2):
        async with bench.tx() as s:
            await limits.check_open_offers(s, maker)
        await bench.sell_offer(maker, 10 * MICRO)
    with pytest.raises(DomainError) as refused:
        async with bench.tx() as s:
            await limits.check_open_offers(s, maker)
    assert refused.value.params == {
        "kind": "open_offers",
        "level": 0,
        "asset": None,
        "limit": 2,
        "used": 2,
        "left": 0,
        "next_level": 1,
        "next_limit": 5,
    }


async def test_sold_out_offers_close_and_stop_counting(bench: Bench) -> None:
    """Two offers sold out and released no longer count: a level-0 maker publishes a third. A
    partly filled offer that can still be taken goes on counting."""
    maker, buyer = await bench.user(level=0), await bench.user(level=1)
    first = await bench.sell_offer(maker, 10 * MICRO)
    second = await bench.sell_offer(maker, 10 * MICRO)
    await take_checked(bench, first.id, buyer, maker, 10)  # all of it
    await take_checked(bench, second.id, buyer, maker, 8)  # 2 USDT left: below the 10,000 IQD minimum
    async with bench.tx() as s:
        assert [(await escrow.get_offer(s, o.id)).status for o in (first, second)] == ["closed", "closed"]
        assert await limits.open_offers(s, maker) == 0
        assert await escrow.my_offers(s, maker) == []
    # Funded 40; reserves 10.02 each; the second's 2 USDT and its unused fee part (0.004) came back.
    assert await bench.available(maker) == 40 * MICRO - 2 * 10_020_000 + 2_004_000
    closed = {m.payload["offer_id"] for m in await bench.outbox(events.OfferChanged, "channel:offers", change="closed")}
    assert {first.id, second.id} <= closed  # the channel deletes their posts
    taken = [m.payload for m in await bench.outbox(events.OfferChanged, "channel:offers", change="updated") if m.payload["offer_id"] == second.id]
    assert (taken[-1]["remaining"], taken[-1]["takeable"]) == (2 * MICRO, False)  # deleted at once, too

    third = await bench.sell_offer(maker, 20 * MICRO)  # publish_offer checks the limit: allowed now
    await take_checked(bench, third.id, buyer, maker, 8)  # 12 USDT left: still takeable, still counts
    await bench.sell_offer(maker, 10 * MICRO)
    async with bench.tx() as s:
        assert (await escrow.get_offer(s, third.id)).status == "active"
        assert await limits.open_offers(s, maker) == 2
    with pytest.raises(DomainError) as refused:
        await bench.sell_offer(maker, 10 * MICRO)
    assert refused.value.params["used"] == 2 and refused.value.params["left"] == 0
    await bench.audit_ok()


def test_limits_are_configurable(settings) -> None:  # type: ignore[no-untyped-def]
    settings(kyc_limits='{"0": {"daily_trade": {"USDT": 300000000}, "open_offers": 1}}')
    zero = limits.limits_for(0)
    assert zero.daily_trade[Asset.USDT] == 300 * MICRO
    assert zero.daily_trade[Asset.TRX] == 10_000 * MICRO  # not given: the default stays
    assert zero.open_offers == 1 and limits.limits_for(1).open_offers == 5
    assert limits.limits_for(7).level == 2 and limits.limits_for(-1).level == 0
    with pytest.raises(ValueError, match="unknown field"):
        AccountsSettings(kyc_limits={0: {"per_day": 1}}).limits()
