"""The whole journey in core: a sell offer is published (reserve funded), a buyer takes part of
it, marks paid with a receipt, the seller releases; every balance, the fee account, the offer's
remainder, both users' statistics, the timeline, the outbox and the ledger audit are right."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core import escrow
from core.escrow.models import TradeStatus
from core.events import OfferChanged, TradeCompleted, TradeOpened
from core.money import MICRO
from tests.escrow.conftest import World


async def test_sell_offer_partly_taken_paid_and_released(world: World) -> None:
    seller, buyer = await world.user(username="seller_baghdad"), await world.user()
    await world.fund(seller, 600 * MICRO)
    fees_before = await world.fees()

    offer = await world.sell_offer(seller, fund=False)
    # 300 USDT for sale plus the maker's 0.2 % fee on it are now in the offer's reserve.
    assert await world.available(seller) == 600 * MICRO - 300_600_000
    assert await world.reserve(offer) == 300_600_000
    assert offer.remaining == 300 * MICRO and offer.fee_reserve == 600_000
    published = await world.outbox(OfferChanged, change="published", offer_id=offer.id)
    assert [m.recipient for m in published] == ["channel:offers", f"user:{seller}"]
    assert published[0].payload["current_price"] == "1310"

    async with world.tx() as s:
        q = await escrow.quote(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"))
    assert (q.crypto_amount, q.numbers.seller_fee, q.numbers.buyer_fee) == (100 * MICRO, 200_000, 200_000)
    assert q.numbers.buyer_receives == 99_800_000 and q.payment_method is None  # two methods offered

    async with world.tx() as s:
        trade = await escrow.take(
            s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"), payment_method="zaincash"
        )
    assert trade.status == TradeStatus.AWAITING_PAYMENT
    assert (trade.seller_id, trade.buyer_id, trade.fiat_amount) == (seller, buyer, Decimal("131000"))
    assert trade.crypto_amount == q.crypto_amount and trade.buyer_fee == q.numbers.buyer_fee
    assert trade.expires_at - trade.created_at == timedelta(minutes=30)
    assert await world.escrow(trade) == 100_200_000
    assert await world.reserve(offer) == 200_400_000
    left = await world.offer(offer.id)
    assert (left.remaining, left.fee_reserve) == (200 * MICRO, 400_000)
    opened = await world.outbox(TradeOpened, trade_id=trade.id)
    assert {m.recipient for m in opened} == {f"user:{seller}", f"user:{buyer}"}

    async with world.tx() as s:
        paid = await escrow.mark_paid(
            s, trade_id=trade.id, actor_id=buyer, receipt=escrow.Receipt("file-1", f"uniq-{trade.id}")
        )
    assert paid.status == TradeStatus.PAID and paid.receipt_file_unique_id == f"uniq-{trade.id}"

    async with world.tx() as s:
        done = await escrow.release(s, trade_id=trade.id, actor_id=seller)
    assert done.status == TradeStatus.COMPLETED and done.close_reason == "seller"
    assert await world.escrow(trade) == 0
    assert await world.available(buyer) == 99_800_000
    assert await world.fees() - fees_before == 400_000
    assert await world.available(seller) == 600 * MICRO - 300_600_000  # unchanged by the trade
    assert await world.reserve(offer) == 200_400_000

    payments = await world.outbox(TradeCompleted, trade_id=trade.id)
    channel = [m for m in payments if m.recipient == "channel:payments"]
    assert len(channel) == 1
    assert channel[0].payload == {
        "trade_id": trade.id,
        "asset": "USDT",
        "crypto_amount": 100 * MICRO,
        "fiat": "IQD",
        "fiat_amount": "131000",
        "price": "1310",
        "payment_method": "zaincash",
    }
    async with world.factory() as s:
        events = await escrow.timeline(s, trade.id)
        seller_stats = await escrow.user_stats(s, seller)
        buyer_stats = await escrow.user_stats(s, buyer)
    assert [(e.kind, e.status) for e in events] == [
        ("opened", "awaiting_payment"),
        ("paid", "paid"),
        ("released", "completed"),
    ]
    assert seller_stats.completed_trades == 1 and buyer_stats.completed_trades == 1
    assert seller_stats.completion_rate_30d == Decimal("100.0")
    assert seller_stats.avg_release_seconds is not None and seller_stats.avg_release_seconds >= 0
    assert buyer_stats.avg_release_seconds is None  # releases are counted for sellers only
    assert seller_stats.account_age_days == 400

    async with world.tx() as s:
        await escrow.leave_feedback(s, trade_id=trade.id, actor_id=buyer, positive=True, comment="fast")
        await escrow.leave_feedback(s, trade_id=trade.id, actor_id=seller, positive=False)
    async with world.factory() as s:
        seller_stats = await escrow.user_stats(s, seller)
    assert (seller_stats.positive, seller_stats.negative, seller_stats.positive_share) == (
        1,
        0,
        Decimal("100.0"),
    )
    await world.audit_ok()


async def test_closing_the_offer_returns_the_rest_of_the_reserve(world: World) -> None:
    seller, buyer = await world.user(), await world.user()
    offer = await world.sell_offer(seller)
    start = await world.available(seller)
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("65500"))
        await escrow.release(s, trade_id=trade.id, actor_id=seller)
    async with world.tx() as s:
        closed = await escrow.close_offer(s, offer_id=offer.id, actor_id=seller)
    assert closed.status == "closed" and closed.remaining == 0
    assert await world.reserve(offer) == 0
    # 50 USDT sold with a 0.1 USDT maker fee; the rest (250 USDT + 0.5 USDT fee part) came back.
    assert await world.available(seller) == start + 250_500_000
    await world.audit_ok()
