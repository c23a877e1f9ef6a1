"""Races: two actions at once, each in its own session and transaction. Exactly one outcome
every time, the loser gets a clear DomainError, and the ledger audit passes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from core import escrow
from core.errors import DomainError
from core.escrow.models import Trade, TradeStatus
from core.money import MICRO
from tests.escrow.conftest import World

ROUNDS = 4  # each race is run a few times so that both orders get their chance


async def _race(world: World, *actions: Callable[[Any], Awaitable[Any]]) -> list[Any]:
    """Run each action in its own transaction, all at once; results or exceptions, in order."""

    async def run(action: Callable[[Any], Awaitable[Any]]) -> Any:
        async with world.tx() as s:
            return await action(s)

    return list(await asyncio.gather(*(run(a) for a in actions), return_exceptions=True))


def _codes(results: list[Any]) -> list[str | None]:
    for r in results:
        if isinstance(r, BaseException) and not isinstance(r, DomainError):
            raise r
    return [r.code if isinstance(r, DomainError) else None for r in results]


async def _open_trade(world: World, *, minutes_ago: int = 0) -> tuple[Trade, int, int]:
    seller, buyer = await world.user(), await world.user()
    offer = await world.sell_offer(seller)
    async with world.tx() as s:
        trade = await escrow.take(
            s,
            offer_id=offer.id,
            taker_id=buyer,
            fiat_amount=Decimal("131000"),
            now=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        )
    return trade, seller, buyer


async def test_two_buyers_take_the_last_amount_at_once(world: World) -> None:
    for _ in range(ROUNDS):
        offer = await world.sell_offer(amount=100 * MICRO)
        a, b = await world.user(), await world.user()
        results = await _race(
            world,
            partial(escrow.take, offer_id=offer.id, taker_id=a, fiat_amount=Decimal("131000")),
            partial(escrow.take, offer_id=offer.id, taker_id=b, fiat_amount=Decimal("131000")),
        )
        assert sorted(_codes(results), key=str) == [None, "offer_insufficient"]
        left = await world.offer(offer.id)
        assert left.remaining == 0
        assert await world.count(Trade, Trade.offer_id == offer.id) == 1
        assert await world.reserve(offer) == 0  # 100 USDT + the 0.2 USDT fee part all in escrow
    await world.audit_ok()


async def test_many_takers_never_take_more_than_the_offer_has(world: World) -> None:
    offer = await world.sell_offer(amount=250 * MICRO)
    takers = [await world.user() for _ in range(6)]
    results = await _race(
        world,
        *[partial(escrow.take, offer_id=offer.id, taker_id=t, fiat_amount=Decimal("131000")) for t in takers],
    )
    codes = _codes(results)
    assert codes.count(None) == 2 and codes.count("offer_insufficient") == 4
    left = await world.offer(offer.id)
    assert left.remaining == 50 * MICRO
    assert await world.reserve(offer) == left.remaining + left.fee_reserve
    await world.audit_ok()


async def test_release_racing_the_payment_window_expiry(world: World) -> None:
    for _ in range(ROUNDS):
        trade, seller, buyer = await _open_trade(world, minutes_ago=31)  # the window ended a minute ago
        results = await _race(
            world,
            partial(escrow.release, trade_id=trade.id, actor_id=seller),
            partial(escrow.expire_due, now=datetime.now(UTC)),
        )
        released, expired = results
        after = await world.trade(trade.id)
        if isinstance(released, Trade):
            assert trade.id not in expired
            assert after.status == TradeStatus.COMPLETED
            assert await world.available(buyer) == trade.buyer_receives
        else:
            assert isinstance(released, DomainError) and released.code == "trade_state"
            assert released.params["state"] == "cancelled"
            assert trade.id in expired
            assert after.status == TradeStatus.CANCELLED and after.close_reason == "expired"
            assert await world.available(buyer) == 0
        assert await world.escrow(trade) == 0
    await world.audit_ok()


async def test_buyer_cancel_racing_seller_release(world: World) -> None:
    for _ in range(ROUNDS):
        trade, seller, buyer = await _open_trade(world)
        results = await _race(
            world,
            partial(escrow.cancel, trade_id=trade.id, actor_id=buyer),
            partial(escrow.release, trade_id=trade.id, actor_id=seller),
        )
        codes = _codes(results)
        assert sorted(codes, key=str) == [None, "trade_state"]
        after = await world.trade(trade.id)
        offer = await world.offer(trade.offer_id)
        if codes[0] is None:  # the cancel won: the coins are back in the offer
            assert after.status == TradeStatus.CANCELLED
            assert offer.remaining == 300 * MICRO and await world.reserve(offer) == 300_600_000
            assert await world.available(buyer) == 0
        else:
            assert after.status == TradeStatus.COMPLETED
            assert offer.remaining == 200 * MICRO
            assert await world.available(buyer) == trade.buyer_receives
        assert await world.escrow(trade) == 0
    await world.audit_ok()


async def test_double_release(world: World) -> None:
    trade, seller, buyer = await _open_trade(world)
    fees_before = await world.fees()
    results = await _race(
        world,
        partial(escrow.release, trade_id=trade.id, actor_id=seller),
        partial(escrow.release, trade_id=trade.id, actor_id=seller),
    )
    codes = _codes(results)
    assert sorted(codes, key=str) == [None, "trade_state"]
    loser = next(r for r in results if isinstance(r, DomainError))
    assert loser.params["state"] == "completed"
    assert await world.available(buyer) == trade.buyer_receives
    assert await world.fees() - fees_before == trade.fee_total
    await world.audit_ok()


async def _disputed(world: World) -> tuple[Trade, int, int, int]:
    trade, seller, buyer = await _open_trade(world, minutes_ago=20)
    async with world.tx() as s:
        await escrow.mark_paid(
            s, trade_id=trade.id, actor_id=buyer, now=datetime.now(UTC) - timedelta(minutes=16)
        )
        dispute = await escrow.open_dispute(s, trade_id=trade.id, actor_id=buyer, reason="seller silent")
    return trade, seller, buyer, dispute.id


@pytest.mark.parametrize("outcomes", [("release", "refund"), ("refund", "refund")])
async def test_two_admins_resolve_at_once(world: World, outcomes: tuple[str, str]) -> None:
    for _ in range(ROUNDS):
        trade, _seller, buyer, dispute_id = await _disputed(world)
        admin_a, admin_b = await world.user(), await world.user()
        results = await _race(
            world,
            partial(
                escrow.resolve,
                dispute_id=dispute_id,
                moderator_id=admin_a,
                outcome=outcomes[0],
                reason="receipt checked",
            ),
            partial(
                escrow.resolve,
                dispute_id=dispute_id,
                moderator_id=admin_b,
                outcome=outcomes[1],
                reason="bank statement",
            ),
        )
        codes = _codes(results)
        assert sorted(codes, key=str) == [None, "dispute_resolved"]
        winner = codes.index(None)
        after = await world.trade(trade.id)
        async with world.factory() as s:
            dispute = await escrow.get_dispute(s, dispute_id)
        assert dispute.resolution == outcomes[winner]
        assert dispute.resolved_by == (admin_a, admin_b)[winner]
        if outcomes[winner] == "release":
            assert after.status == TradeStatus.COMPLETED
            assert await world.available(buyer) == trade.buyer_receives
        else:
            assert after.status == TradeStatus.CANCELLED
            assert await world.available(buyer) == 0
        assert await world.escrow(trade) == 0
    await world.audit_ok()


async def test_the_same_receipt_sent_in_two_trades_at_once_is_flagged_once(world: World) -> None:
    for round_ in range(ROUNDS):
        first, _seller, buyer = await _open_trade(world)
        second, _seller2, buyer2 = await _open_trade(world)
        photo = f"same-photo-{first.id}-{round_}"
        results = await _race(
            world,
            partial(escrow.add_message, trade_id=first.id, sender_id=buyer, file_id="a", file_unique_id=photo),
            partial(escrow.add_message, trade_id=second.id, sender_id=buyer2, file_id="b", file_unique_id=photo),
        )
        _codes(results)
        assert sorted(r.reused for r in results) == [False, True]
        flagged = next(r for r in results if r.reused)
        other = first.id if flagged.message.trade_id == second.id else second.id
        assert flagged.reused_in == (other,)
