"""Rounding: for random prices, amounts and fee rates no micro unit is created or destroyed.

The pure part (pricing.trade_numbers) is checked on many examples; the database part (real
offers, takes, releases and refunds through the ledger) on a few."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import escrow
from core.errors import DomainError
from core.escrow.pricing import max_fiat_for, trade_numbers
from core.ledger import AccountRef, Purpose, balance
from core.money import MICRO, Asset, Fiat, fee_for
from tests.escrow.conftest import World

IQD_PRICES = st.integers(1000, 2000).map(Decimal)
USD_PRICES = st.integers(50, 200).map(lambda cents: Decimal(cents).scaleb(-2))
FEE_PCTS = st.integers(0, 1000).map(lambda m: Decimal(m).scaleb(-3))  # 0 .. 1 %, 3 decimals


@settings(max_examples=400, deadline=None)
@given(
    fiat=st.sampled_from([Fiat.IQD, Fiat.USD]),
    iqd_price=IQD_PRICES,
    usd_price=USD_PRICES,
    units=st.integers(1, 10**9),
    seller_pct=FEE_PCTS,
    buyer_pct=FEE_PCTS,
)
def test_a_trade_conserves_micro_units(
    fiat: Fiat, iqd_price: Decimal, usd_price: Decimal, units: int, seller_pct: Decimal, buyer_pct: Decimal
) -> None:
    price = iqd_price if fiat is Fiat.IQD else usd_price
    fiat_amount = Decimal(units).scaleb(-fiat.exponent)
    try:
        n = trade_numbers(
            price=price,
            fiat=fiat,
            fiat_amount=fiat_amount,
            seller_fee_pct=seller_pct,
            buyer_fee_pct=buyer_pct,
        )
    except DomainError as error:  # too little fiat to buy one micro unit
        assert error.code == "amount_too_small"
        assert fiat_amount * MICRO < price
        return
    # the buyer pays exactly the fiat and gets the crypto it buys, rounded down
    assert n.fiat_amount == fiat_amount
    assert n.crypto_amount * price <= fiat_amount * MICRO < (n.crypto_amount + 1) * price
    # escrow = what the buyer receives + both fees, exactly
    assert n.escrow_amount == n.buyer_receives + n.seller_fee + n.buyer_fee
    assert 0 <= n.seller_fee <= n.crypto_amount * seller_pct / 100
    assert 0 <= n.buyer_fee <= n.crypto_amount * buyer_pct / 100 and n.buyer_receives > 0


@settings(max_examples=300, deadline=None)
@given(
    price=IQD_PRICES,
    amount=st.integers(1, 10_000 * MICRO),
    pct=FEE_PCTS,
    takes=st.lists(st.integers(1, 5_000_000), min_size=1, max_size=30),
)
def test_an_offer_reserve_always_covers_its_trades(
    price: Decimal, amount: int, pct: Decimal, takes: list[int]
) -> None:
    """Takes in any sizes: the fee part of the reserve never runs out, and reserve + escrows
    always equal what was reserved when publishing."""
    fee_reserve = fee_for(amount, pct)
    funded, remaining, escrowed = amount + fee_reserve, amount, 0
    for fiat_units in takes:
        if Decimal(fiat_units) > max_fiat_for(remaining, price, Fiat.IQD):
            continue
        try:
            n = trade_numbers(
                price=price,
                fiat=Fiat.IQD,
                fiat_amount=Decimal(fiat_units),
                seller_fee_pct=pct,
                buyer_fee_pct=pct,
            )
        except DomainError:
            continue
        assert n.crypto_amount <= remaining and n.seller_fee <= fee_reserve
        remaining -= n.crypto_amount
        fee_reserve -= n.seller_fee
        escrowed += n.escrow_amount
        assert fee_reserve >= fee_for(remaining, pct)  # enough for the fees of what is left
        assert remaining + fee_reserve + escrowed == funded


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    price=st.integers(1180, 1440).map(Decimal),
    fiat_amounts=st.lists(st.integers(50_000, 200_000), min_size=1, max_size=3),
    releases=st.lists(st.booleans(), min_size=3, max_size=3),
)
async def test_real_trades_conserve_every_micro_unit(
    factory: async_sessionmaker[AsyncSession], price: Decimal, fiat_amounts: list[int], releases: list[bool]
) -> None:
    world = World(factory)
    seller = await world.user()
    buyers = [await world.user() for _ in fiat_amounts]
    offer = await world.sell_offer(seller, price=price, amount=500 * MICRO)
    funded = await world.available(seller) + await world.reserve(offer)
    fees_before = await world.fees()
    trades = []
    for buyer, fiat_units in zip(buyers, fiat_amounts, strict=True):
        async with world.tx() as s:
            trades.append(
                await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal(fiat_units))
            )
    for trade, release in zip(trades, releases, strict=False):
        async with world.tx() as s:
            if release:
                await escrow.release(s, trade_id=trade.id, actor_id=seller)
            else:
                await escrow.cancel(s, trade_id=trade.id, actor_id=trade.buyer_id)
    async with world.factory() as s:
        left = [await balance(s, AccountRef.user(b), Asset.USDT) for b in buyers]
        fees = await balance(s, AccountRef.platform(Purpose.FEES), Asset.USDT) - fees_before
    after = await world.available(seller) + await world.reserve(offer)
    # every coin the seller put up is with the seller, a buyer or the fee account
    assert after + sum(left) + fees == funded
    released = [t for t, r in zip(trades, releases, strict=False) if r]
    assert sum(left) == sum(t.buyer_receives for t in released)
    assert fees == sum(t.fee_total for t in released)
    current = await world.offer(offer.id)
    assert current.remaining == 500 * MICRO - sum(t.crypto_amount for t in released)
