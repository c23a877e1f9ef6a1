"""Risk holds (core.escrow.holds): coins a new or level-0 buyer received in a trade can be sold
on at once but neither withdrawn nor transferred for RISK_HOLD_HOURS; then they can."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from core import escrow
from core.errors import DomainError
from core.escrow import holds
from core.escrow.models import RiskHold, Side
from core.money import MICRO, Asset, Fiat
from core.users import User
from core.wallet import transfers
from core.wallet import withdrawals as wd
from core.wallet.config import WalletConfig
from core.wallet.models import Withdrawal
from tests.escrow.conftest import World

CONFIG = WalletConfig(xpub="unused", usdt_contract="TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
DEST = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"
FEE = CONFIG.withdrawal_fee[Asset.USDT]  # 2 USDT
BOUGHT = 99_800_000  # 100 USDT less the buyer's 0.2 % fee


async def buyer_with(world: World, *, kyc_level: int, age_days: int) -> int:
    uid = await world.user(age_days=age_days)
    async with world.tx() as s:
        await s.execute(update(User).where(User.id == uid).values(kyc_level=kyc_level))
    return uid


async def buy_100(world: World, buyer: int) -> int:
    """``buyer`` buys 100 USDT from a fresh seller's offer; the seller releases. The trade's id."""
    offer = await world.sell_offer()
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"),
                                  payment_method="zaincash")  # fmt: skip
    async with world.tx() as s:
        await escrow.release(s, trade_id=trade.id, actor_id=offer.maker_id)
    return trade.id


async def withdraw(world: World, uid: int, amount: int, key: str | None = None) -> Withdrawal:
    async with world.tx() as s:
        return await wd.request_withdrawal(
            s, CONFIG, user_id=uid, address=DEST, asset=Asset.USDT, amount=amount, client_key=key
        )


async def send(world: World, uid: int, to: int, amount: int, token: str) -> None:
    async with world.tx() as s:
        await transfers.send(s, sender_id=uid, recipient_id=to, asset=Asset.USDT, amount=amount, token=token)


async def refused_on_hold(coro: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await coro  # type: ignore[misc]
    assert caught.value.code == "funds_on_hold", caught.value
    return caught.value


async def end_holds(world: World, uid: int) -> None:
    """Time moves on: the user's holds ended a second ago."""
    async with world.tx() as s:
        await s.execute(
            update(RiskHold).where(RiskHold.user_id == uid).values(until=datetime.now(UTC) - timedelta(seconds=1))
        )


@pytest.mark.parametrize(("kyc_level", "age_days"), [(0, 400), (1, 2)], ids=["level-0", "young"])
async def test_bought_coins_can_be_sold_on_but_not_taken_out_until_the_hold_ends(
    world: World, kyc_level: int, age_days: int
) -> None:
    buyer = await buyer_with(world, kyc_level=kyc_level, age_days=age_days)
    friend = await world.user()
    await world.fund(buyer, 20 * MICRO)  # deposited, not bought: free to leave
    started = datetime.now(UTC)
    trade_id = await buy_100(world, buyer)
    assert await world.available(buyer) == 20 * MICRO + BOUGHT
    async with world.factory() as s:
        [hold] = (await s.scalars(select(RiskHold).where(RiskHold.user_id == buyer))).all()
    assert (hold.trade_id, hold.asset, hold.amount) == (trade_id, "USDT", BOUGHT)
    assert started + timedelta(hours=24) <= hold.until <= datetime.now(UTC) + timedelta(hours=24)

    # What was deposited may leave (18 + the 2 USDT fee); one micro more reaches into the hold.
    err = await refused_on_hold(withdraw(world, buyer, 18 * MICRO + 1))
    assert err.params["held"] == BOUGHT and err.params["spendable"] == 20 * MICRO
    assert datetime.fromisoformat(err.params["until"]) == hold.until
    await refused_on_hold(send(world, buyer, friend, 20 * MICRO + 1, "hold-transfer-1"))
    await withdraw(world, buyer, 18 * MICRO)
    await refused_on_hold(send(world, buyer, friend, 1, "hold-transfer-2"))
    assert await world.available(buyer) == BOUGHT and await world.available(friend) == 0

    # Trading on is allowed: the held coins go into a sell offer.
    async with world.tx() as s:
        offer = await escrow.publish_offer(s, maker_id=buyer, draft=escrow.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=50 * MICRO, price=Decimal("1310"),
            min_fiat=Decimal("50000"), max_fiat=Decimal("65500"), payment_methods=("zaincash",),
            payment_window=30))  # fmt: skip
    assert await world.reserve(offer) == 50_100_000

    await end_holds(world, buyer)
    await send(world, buyer, friend, 10 * MICRO, "hold-transfer-3")
    await withdraw(world, buyer, 30 * MICRO)
    assert await world.available(friend) == 10 * MICRO
    assert await world.available(buyer) == BOUGHT - 50_100_000 - 10 * MICRO - 32 * MICRO
    await world.audit_ok()


async def test_an_old_verified_buyer_gets_no_hold(world: World) -> None:
    buyer = await buyer_with(world, kyc_level=1, age_days=30)
    await buy_100(world, buyer)
    assert await world.count(RiskHold, RiskHold.user_id == buyer) == 0
    await withdraw(world, buyer, BOUGHT - FEE)
    assert await world.available(buyer) == 0
    await world.audit_ok()


async def test_the_hold_shows_what_is_held_and_until_when(world: World) -> None:
    buyer = await buyer_with(world, kyc_level=0, age_days=1)
    await buy_100(world, buyer)
    await buy_100(world, buyer)
    async with world.factory() as s:
        held = await holds.held_by_asset(s, buyer)
        latest = await s.scalar(select(RiskHold.until).where(RiskHold.user_id == buyer).order_by(RiskHold.until.desc()))
    assert held[Asset.USDT] == holds.Held(2 * BOUGHT, latest) and held[Asset.TRX] == holds.Held(0, None)


async def test_a_withdrawal_and_a_transfer_at_once_cannot_both_use_the_free_part(world: World) -> None:
    """20 USDT free beside the held coins: a withdrawal of it and a transfer of it at the same
    moment each pass the check alone; under the user's lock only one of them goes through."""
    for round_ in range(3):
        buyer = await buyer_with(world, kyc_level=0, age_days=1)
        friend = await world.user()
        await world.fund(buyer, 20 * MICRO)
        await buy_100(world, buyer)
        results = await asyncio.gather(
            withdraw(world, buyer, 18 * MICRO, key=f"race-{round_}"),
            send(world, buyer, friend, 20 * MICRO, f"race-transfer-{round_}"),
            withdraw(world, buyer, 18 * MICRO, key=f"race-2-{round_}"),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(refused) == 2 and all(r.code == "funds_on_hold" for r in refused), results
        assert await world.available(buyer) == BOUGHT  # the held coins are all still there
    await world.audit_ok()


async def test_a_moderator_releasing_to_a_new_buyer_holds_the_coins_too(world: World) -> None:
    now = datetime.now(UTC)
    buyer = await buyer_with(world, kyc_level=0, age_days=1)
    moderator = await world.user()
    offer = await world.sell_offer()
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"),
                                  payment_method="zaincash", now=now - timedelta(minutes=40))  # fmt: skip
        await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer, now=now - timedelta(minutes=30))
    async with world.tx() as s:
        dispute = await escrow.open_dispute(s, trade_id=trade.id, actor_id=buyer, reason="seller silent", now=now)
        await escrow.claim(s, dispute_id=dispute.id, moderator_id=moderator)
        await escrow.resolve(s, dispute_id=dispute.id, moderator_id=moderator, outcome="release",
                             reason="paid, the bank confirms", now=now)  # fmt: skip
    async with world.factory() as s:
        hold = await s.scalar(select(RiskHold).where(RiskHold.trade_id == trade.id))
    assert hold is not None and (hold.user_id, hold.amount) == (buyer, BOUGHT)
    assert hold.until == now + timedelta(hours=24)
    await refused_on_hold(withdraw(world, buyer, 10 * MICRO))
