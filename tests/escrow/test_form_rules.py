"""The rules the traders' bot asks before a form's next step, in core (one rule, one place): who
may start taking an offer and for how much, when a trade may be disputed, an offer's price at
the price step, and what a sell offer takes from the maker's balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core import escrow
from core.errors import DomainError
from core.money import MICRO, Asset, Fiat, fee_for
from core.users import User
from tests.escrow.conftest import World


async def test_take_range_refuses_a_closed_offer_and_ones_own_and_gives_the_most_fiat(world: World) -> None:
    offer = await world.sell_offer(amount=50 * MICRO)
    buyer = await world.user()
    async with world.tx() as s:
        found, most = await escrow.take_range(s, offer_id=offer.id, taker_id=buyer)
    assert found.id == offer.id and most == Decimal("65500")  # 50 USDT at 1310, under max_fiat 500,000
    with pytest.raises(DomainError, match="own_offer"):
        async with world.tx() as s:
            await escrow.take_range(s, offer_id=offer.id, taker_id=offer.maker_id)
    async with world.tx() as s:
        await escrow.pause_offer(s, offer_id=offer.id, actor_id=offer.maker_id)
    with pytest.raises(DomainError, match="offer_unavailable"):
        async with world.tx() as s:
            await escrow.take_range(s, offer_id=offer.id, taker_id=buyer)


async def test_disputable_only_by_a_party_of_a_paid_trade_after_the_wait(world: World) -> None:
    offer = await world.sell_offer()
    buyer, stranger = await world.user(), await world.user()
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"))
    with pytest.raises(DomainError, match="trade_state"):  # not paid yet
        async with world.tx() as s:
            await escrow.disputable(s, trade_id=trade.id, actor_id=buyer)
    paid_at = datetime.now(UTC)
    async with world.tx() as s:
        await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer, now=paid_at)
        wait = (await escrow.rules(s)).dispute_after
    with pytest.raises(DomainError, match="dispute_too_early") as early:
        async with world.tx() as s:
            await escrow.disputable(s, trade_id=trade.id, actor_id=buyer, now=paid_at + wait - timedelta(seconds=1))
    assert early.value.params["allowed_at"] == (paid_at + wait).isoformat()
    with pytest.raises(DomainError, match="not_party"):
        async with world.tx() as s:
            await escrow.disputable(s, trade_id=trade.id, actor_id=stranger, now=paid_at + wait)
    async with world.tx() as s:
        assert (await escrow.disputable(s, trade_id=trade.id, actor_id=offer.maker_id, now=paid_at + wait)).id == trade.id


async def test_offer_price_at_the_price_step_is_the_rule_publishing_applies(world: World) -> None:
    async with world.tx() as s:
        assert await escrow.offer_price(s, asset=Asset.USDT, fiat=Fiat.IQD, price=Decimal("1441")) == Decimal("1441")
        assert await escrow.offer_price(s, asset=Asset.USDT, fiat=Fiat.USD, margin_pct=Decimal("1.5")) == Decimal(
            "1.02"
        )
        with pytest.raises(DomainError, match="price_out_of_range"):
            await escrow.offer_price(s, asset=Asset.USDT, fiat=Fiat.IQD, price=Decimal("1450"))
        with pytest.raises(DomainError, match="price_out_of_range"):
            await escrow.offer_price(s, asset=Asset.USDT, fiat=Fiat.USD, margin_pct=Decimal("12"))


async def test_sell_reserve_charges_a_member_the_members_fee(world: World) -> None:
    """The offer form used to add the market's fee even for a member, refusing an amount that
    publishing accepts; now the form and publishing share one rule."""
    maker = await world.user()
    await world.fund(maker, 100 * MICRO)
    async with world.tx() as s:
        rules = await escrow.rules(s)
        needed, available = await escrow.sell_reserve(s, maker_id=maker, asset=Asset.USDT, amount=50 * MICRO)
        assert (needed, available) == (50 * MICRO + fee_for(50 * MICRO, rules.maker_fee_pct), 100 * MICRO)
        user = await s.get(User, maker)
        assert user is not None
        user.premium_until = datetime.now(UTC) + timedelta(days=30)
    async with world.tx() as s:
        member_needed, _ = await escrow.sell_reserve(s, maker_id=maker, asset=Asset.USDT, amount=50 * MICRO)
        preview = await escrow.preview_offer(s, maker_id=maker, draft=escrow.OfferDraft(
            side=escrow.Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=50 * MICRO, price=Decimal("1310"),
            min_fiat=Decimal("50000"), max_fiat=Decimal("60000"), payment_methods=("zaincash",),
        ))  # fmt: skip
    assert member_needed == preview.reserve < needed


async def test_the_maximum_per_trade_may_not_exceed_what_the_offer_is_worth(world: World) -> None:
    async with world.tx() as s:
        worth = await escrow.check_max_per_trade(
            s,
            asset=Asset.USDT,
            fiat=Fiat.IQD,
            amount=100 * MICRO,
            max_fiat=Decimal("131000"),
            price=Decimal(1310),
        )
        assert worth == Decimal("131000")
        with pytest.raises(DomainError, match="max_exceeds_amount") as refused:
            await escrow.check_max_per_trade(
                s, asset=Asset.USDT, fiat=Fiat.IQD, amount=100 * MICRO, max_fiat=Decimal("131001"),
                price=Decimal(1310),
            )  # fmt: skip
    assert refused.value.params == {"max_fiat": "131001", "amount_fiat": "131000", "fiat": "IQD"}
