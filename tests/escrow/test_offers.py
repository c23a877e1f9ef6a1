"""Offers: validation codes with their facts, funding, editing, pausing, resuming, closing."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete

from core import escrow, events
from core.errors import DomainError, InsufficientFunds
from core.escrow.models import MarketRate, Offer, OfferStatus, Side
from core.money import MICRO, Asset, Fiat
from core.outbox import OutboxMessage
from tests.escrow.conftest import World


async def _refused(world: World, code: str, **fields: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await world.sell_offer(**fields)
    assert caught.value.code == code, caught.value
    return caught.value


async def test_price_too_far_from_the_reference_is_refused_with_the_allowed_range(world: World) -> None:
    error = await _refused(world, "price_out_of_range", price=Decimal("1450"))
    assert error.params == {
        "price": "1450",
        "reference": "1310",
        "min_price": "1179",
        "max_price": "1441",
        "deviation_pct": "10",
        "fiat": "IQD",
    }
    await world.sell_offer(price=Decimal("1441"))  # the edge of the range is allowed


async def test_floating_price_follows_the_reference_rate(world: World) -> None:
    offer = await world.sell_offer(
        price=None,
        margin_pct=Decimal("1.5"),
        fiat=Fiat.USD,
        min_fiat=Decimal("10.00"),
        max_fiat=Decimal("200.00"),
    )
    async with world.factory() as s:
        assert await escrow.current_price(s, offer) == Decimal("1.02")  # 1.00 * 1.015, half up
    await _refused(world, "price_out_of_range", price=None, margin_pct=Decimal("12"))
    maker = await world.user()
    await world.fund(maker, 600 * MICRO)
    async with world.tx() as s:
        await s.execute(delete(MarketRate).where(MarketRate.asset == "USDT", MarketRate.fiat == "USD"))
        draft = escrow.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.USD, amount=10 * MICRO, margin_pct=Decimal("1"),
            min_fiat=Decimal("1.00"), max_fiat=Decimal("2.00"), payment_methods=("cash",),
        )
        with pytest.raises(DomainError, match="no_reference_rate"):
            await escrow.publish_offer(s, maker_id=maker, draft=draft)
        with pytest.raises(DomainError, match="no_reference_rate"):  # a floating price needs the rate
            await escrow.current_price(s, await escrow.get_offer(s, offer.id))
        await s.rollback()  # the rate stays for the other tests


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"price": None}, "price_required"),
        ({"margin_pct": Decimal("1")}, "price_required"),  # both a price and a margin
        ({"price": Decimal("1310.5")}, "fiat_precision"),  # IQD has no decimals
        ({"amount": 0}, "amount_invalid"),
        ({"min_fiat": Decimal("600000")}, "limits_invalid"),
        ({"amount": 10 * MICRO}, "limits_exceed_amount"),  # 10 USDT = 13,100 IQD < the 50,000 minimum
        ({"payment_methods": ("paypal",)}, "payment_method_unknown"),
        ({"payment_methods": ()}, "payment_method_required"),
        ({"payment_window": 20}, "payment_window_invalid"),
        ({"terms": "x" * 501}, "terms_too_long"),
        ({"min_trades": -1}, "requirement_invalid"),
    ],
)
async def test_validation_codes(world: World, fields: dict[str, Any], code: str) -> None:
    maker = await world.user()
    await _refused(world, code, maker=maker, **fields)
    assert await world.count(Offer, Offer.maker_id == maker) == 0
    assert await world.available(maker) == 600 * MICRO  # nothing was reserved


async def test_free_text_payment_method_alone_is_enough(world: World) -> None:
    offer = await world.sell_offer(payment_methods=(), payment_note="Western Union, Erbil")
    assert offer.payment_methods == [] and offer.payment_note == "Western Union, Erbil"


async def test_a_sell_offer_without_the_balance_is_not_published(world: World) -> None:
    maker = await world.user()
    await world.fund(maker, 100 * MICRO)
    with pytest.raises(InsufficientFunds) as caught:
        await world.sell_offer(maker, fund=False)
    assert caught.value.params["needed"] == 300_600_000 and caught.value.params["available"] == 100 * MICRO
    assert await world.count(Offer, Offer.maker_id == maker) == 0  # no ghost offer
    assert await world.count(OutboxMessage, OutboxMessage.recipient == f"user:{maker}") == 0
    assert await world.available(maker) == 100 * MICRO


async def test_a_buy_offer_needs_no_balance(world: World) -> None:
    maker = await world.user()
    offer = await world.buy_offer(maker)
    assert offer.side == Side.BUY and offer.remaining == 300 * MICRO and offer.fee_reserve == 0
    assert await world.reserve(offer) == 0 and await world.available(maker) == 0


async def test_edit_amount_takes_or_returns_the_difference(world: World) -> None:
    maker = await world.user()
    offer = await world.sell_offer(maker)  # maker funded with 600, 300.6 reserved
    async with world.tx() as s:
        bigger = await escrow.edit_offer(
            s,
            offer_id=offer.id,
            actor_id=maker,
            patch=escrow.OfferPatch(amount=500 * MICRO, price=Decimal("1320")),
        )
    assert (bigger.remaining, bigger.fee_reserve, bigger.price) == (500 * MICRO, 1_000_000, Decimal("1320"))
    assert await world.reserve(offer) == 501 * MICRO
    assert await world.available(maker) == 99 * MICRO
    with pytest.raises(InsufficientFunds):
        async with world.tx() as s:
            await escrow.edit_offer(
                s, offer_id=offer.id, actor_id=maker, patch=escrow.OfferPatch(amount=700 * MICRO)
            )
    async with world.tx() as s:
        smaller = await escrow.edit_offer(
            s, offer_id=offer.id, actor_id=maker, patch=escrow.OfferPatch(amount=100 * MICRO)
        )
    assert (smaller.remaining, smaller.fee_reserve) == (100 * MICRO, 200_000)
    assert await world.reserve(offer) == 100_200_000
    assert await world.available(maker) == 600 * MICRO - 100_200_000
    assert len(await world.outbox(events.OfferChanged, change="updated", offer_id=offer.id)) == 4  # 2 edits x (channel, maker)
    await world.audit_ok()


async def test_pause_keeps_the_reserve_and_hides_the_offer_resume_shows_it(world: World) -> None:
    maker, buyer = await world.user(), await world.user()
    offer = await world.sell_offer(maker)
    async with world.tx() as s:
        paused = await escrow.pause_offer(s, offer_id=offer.id, actor_id=maker)
    assert paused.status == OfferStatus.PAUSED and await world.reserve(offer) == 300_600_000
    with pytest.raises(DomainError, match="offer_unavailable"):
        async with world.tx() as s:
            await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"))
    with pytest.raises(DomainError, match="offer_state"):
        async with world.tx() as s:
            await escrow.pause_offer(s, offer_id=offer.id, actor_id=maker)
    async with world.tx() as s:
        resumed = await escrow.resume_offer(s, offer_id=offer.id, actor_id=maker)
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"))
    assert resumed.status == OfferStatus.ACTIVE and trade.crypto_amount == 100 * MICRO


async def test_only_the_maker_changes_an_offer_and_a_closed_offer_stays_closed(world: World) -> None:
    maker, other = await world.user(), await world.user()
    offer = await world.sell_offer(maker)
    for action in (
        lambda s: escrow.pause_offer(s, offer_id=offer.id, actor_id=other),
        lambda s: escrow.close_offer(s, offer_id=offer.id, actor_id=other),
        lambda s: escrow.edit_offer(s, offer_id=offer.id, actor_id=other, patch=escrow.OfferPatch(amount=1)),
    ):
        with pytest.raises(DomainError, match="not_offer_owner"):
            async with world.tx() as s:
                await action(s)
    assert await world.reserve(offer) == 300_600_000
    async with world.tx() as s:
        await escrow.close_offer(s, offer_id=offer.id, actor_id=maker)
    assert await world.available(maker) == 600 * MICRO
    with pytest.raises(DomainError, match="offer_closed"):
        async with world.tx() as s:
            await escrow.resume_offer(s, offer_id=offer.id, actor_id=maker)
    closed = await world.outbox(events.OfferChanged, change="closed", offer_id=offer.id)
    assert closed[0].recipient == "channel:offers" and closed[0].payload["status"] == "closed"
    async with world.factory() as s:
        assert [o.id for o in await escrow.my_offers(s, maker)] == []
        assert [o.id for o in await escrow.my_offers(s, maker, include_closed=True)] == [offer.id]


async def test_reference_rates_and_rules_are_admin_settings(world: World) -> None:
    admin = await world.user()
    async with world.tx() as s:
        await escrow.set_reference_rate(
            s, asset=Asset.TRX, fiat=Fiat.USD, rate=Decimal("0.27"), actor_id=admin
        )
        with pytest.raises(DomainError, match="fiat_precision"):
            await escrow.set_reference_rate(
                s, asset=Asset.TRX, fiat=Fiat.USD, rate=Decimal("0.255"), actor_id=admin
            )
        assert await escrow.get_reference_rate(s, Asset.TRX, Fiat.USD) == Decimal("0.27")
        before = await escrow.rules(s)
        changed = await escrow.set_rule(s, name="taker_fee_pct", value="0.35", actor_id=admin)
        assert changed.taker_fee_pct == Decimal("0.35") and changed.maker_fee_pct == before.maker_fee_pct
        with pytest.raises(DomainError, match="setting_unknown"):
            await escrow.set_rule(s, name="free_money", value="1", actor_id=admin)
        await s.rollback()  # keep the shared database's rules as they were
    announced = await world.outbox(events.ReferenceRateChanged, asset="TRX", fiat="USD", rate="0.27")
    assert announced == []  # rolled back with the change: the outbox never announces what did not happen


async def test_preview_shows_price_fee_and_reserve_and_changes_nothing(world: World) -> None:
    maker = await world.user()
    await world.fund(maker, 200 * MICRO)
    draft = escrow.OfferDraft(
        side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=150 * MICRO, price=Decimal("1320"),
        min_fiat=Decimal("50000"), max_fiat=Decimal("100000"), payment_methods=("fastpay",),
    )
    async with world.tx() as s:
        preview = await escrow.preview_offer(s, maker_id=maker, draft=draft)
        assert (preview.price, preview.reserve, preview.available) == (Decimal("1320"), 150_300_000, 200 * MICRO)
        with pytest.raises(InsufficientFunds):
            await escrow.preview_offer(s, maker_id=maker, draft=dataclasses.replace(draft, amount=200 * MICRO))
    assert await world.count(Offer, Offer.maker_id == maker) == 0
    assert await world.available(maker) == 200 * MICRO


async def test_settings_refuse_nonsense(world: World) -> None:
    async with world.tx() as s:
        for name, value in (("taker_fee_pct", "50"), ("maker_fee_pct", "-1"), ("max_open_trades", "x"),
                            ("price_deviation_pct", "100")):
            with pytest.raises(DomainError, match="setting_invalid"):
                await escrow.set_rule(s, name=name, value=value, actor_id=None)
        assert await escrow.rules(s) == escrow.market.default_rules()


async def test_admins_choose_the_payment_windows(world: World) -> None:
    from core.escrow.models import MarketSetting

    async with world.tx() as s:
        for bad in ("0,30", "30,5000", "abc", "", "1,2,3,4,5,6,7"):
            with pytest.raises(DomainError, match="setting_invalid"):
                await escrow.set_rule(s, name="payment_windows", value=bad, actor_id=None)
        rules = await escrow.set_rule(s, name="payment_windows", value="10, 20,120", actor_id=None)
    assert rules.payment_windows == (10, 20, 120)
    try:
        maker = await world.user()
        refused = await _refused(world, "payment_window_invalid", maker=maker, payment_window=30)
        assert refused.params["allowed"] == [10, 20, 120]
        offer = await world.sell_offer(maker, fund=False, payment_window=120)  # the database agrees too
        assert offer.payment_window == 120
    finally:
        async with world.tx() as s:
            await s.execute(delete(MarketSetting).where(MarketSetting.key == "payment_windows"))
