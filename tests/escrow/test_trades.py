"""Trades: the rules of taking, buy offers, refunds, the timers, and who may do what."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from core import escrow, events
from core.errors import DomainError, InsufficientFunds
from core.escrow.models import Dispute, Trade, TradeEvent, TradeStatus
from core.money import MICRO, Asset, Fiat
from core.outbox import OutboxMessage
from tests.escrow.conftest import World

NOW = datetime.now(UTC)


async def _take(world: World, offer_id: int, taker: int, fiat: str = "131000", **kw: Any) -> Trade:
    async with world.tx() as s:
        return await escrow.take(s, offer_id=offer_id, taker_id=taker, fiat_amount=Decimal(fiat), **kw)


async def _refused_take(
    world: World, offer_id: int, taker: int, code: str, fiat: str = "131000", **kw: Any
) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await _take(world, offer_id, taker, fiat, **kw)
    assert caught.value.code == code, caught.value
    return caught.value


async def test_quote_shows_the_numbers_and_changes_nothing(world: World) -> None:
    offer = await world.sell_offer(payment_methods=("qicard",), min_fiat=Decimal("10000"))
    buyer = await world.user()
    async with world.tx() as s:
        q = await escrow.quote(s, offer_id=offer.id, taker_id=buyer, crypto_amount=12_345_678)
    # 12.345678 USDT at 1310 = 16,172.84 IQD, rounded to 16,173; that buys 12.345801 USDT.
    assert (q.fiat_amount, q.crypto_amount, q.payment_method) == (Decimal("16173"), 12_345_801, "qicard")
    assert await world.count(Trade, Trade.offer_id == offer.id) == 0
    assert (await world.offer(offer.id)).remaining == 300 * MICRO
    with pytest.raises(DomainError, match="amount_out_of_limits"):
        async with world.tx() as s:
            await escrow.quote(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("1000"))


async def test_limits_and_what_is_left(world: World) -> None:
    offer = await world.sell_offer(amount=100 * MICRO)
    buyer = await world.user()
    error = await _refused_take(world, offer.id, buyer, "amount_out_of_limits", fiat="40000")
    assert error.params == {"fiat_amount": "40000", "min_fiat": "50000", "max_fiat": "131000", "fiat": "IQD"}
    error = await _refused_take(world, offer.id, buyer, "offer_insufficient", fiat="200000")
    assert error.params["available_fiat"] == "131000"
    await _refused_take(world, offer.id, buyer, "fiat_precision", fiat="60000.5")
    await _refused_take(world, offer.id, buyer, "payment_method_unknown", payment_method="cash")
    await _refused_take(world, offer.id, offer.maker_id, "own_offer")
    assert await world.count(Trade, Trade.offer_id == offer.id) == 0


async def test_requirements_and_blocks(world: World) -> None:
    offer = await world.sell_offer(min_trades=1, min_account_age_days=30)
    young, novice = await world.user(age_days=3), await world.user()
    error = await _refused_take(world, offer.id, novice, "requirement_trades")
    assert error.params == {"required": 1, "actual": 0}
    async with world.tx() as s:
        await escrow.edit_offer(
            s, offer_id=offer.id, actor_id=offer.maker_id, patch=escrow.OfferPatch(min_trades=0)
        )
    error = await _refused_take(world, offer.id, young, "requirement_account_age")
    assert error.params == {"required": 30, "actual": 3}
    async with world.tx() as s:
        await escrow.block(s, user_id=offer.maker_id, blocked_id=novice)
    await _refused_take(world, offer.id, novice, "blocked")
    async with world.tx() as s:
        await escrow.unblock(s, user_id=offer.maker_id, blocked_id=novice)
    assert (await _take(world, offer.id, novice)).buyer_id == novice


async def test_max_open_trades_and_the_cancellation_cooldown(world: World) -> None:
    rules = dataclasses.replace(escrow.Rules(), max_open_trades=2, cancel_limit=2, cancel_cooldown_hours=24)
    offer = await world.sell_offer()
    buyer = await world.user()
    first = await _take(world, offer.id, buyer, "65500", rules=rules)
    await _take(world, offer.id, buyer, "65500", rules=rules)
    error = await _refused_take(world, offer.id, buyer, "too_many_open_trades", "65500", rules=rules)
    assert error.params == {"limit": 2}
    async with world.tx() as s:
        await escrow.cancel(s, trade_id=first.id, actor_id=buyer)
    third = await _take(world, offer.id, buyer, "65500", rules=rules)
    async with world.tx() as s:
        await escrow.cancel(s, trade_id=third.id, actor_id=buyer)
    # two cancellations within a day: no taking as a buyer for 24 h after the last one
    error = await _refused_take(world, offer.id, buyer, "cancel_cooldown", "65500", rules=rules)
    assert datetime.fromisoformat(error.params["until"]) > NOW + timedelta(hours=23)
    later = datetime.now(UTC) + timedelta(hours=25)
    assert (await _take(world, offer.id, buyer, "65500", rules=rules, now=later)).status == "awaiting_payment"


async def test_a_buy_offer_is_funded_by_the_selling_taker(world: World) -> None:
    maker = await world.user()
    offer = await world.buy_offer(maker)
    seller = await world.user()
    with pytest.raises(InsufficientFunds):
        async with world.tx() as s:
            await escrow.quote(s, offer_id=offer.id, taker_id=seller, fiat_amount=Decimal("130000"))
    with pytest.raises(InsufficientFunds):
        await _take(world, offer.id, seller, "130000")
    assert await world.count(Trade, Trade.offer_id == offer.id) == 0  # no half-opened trade
    await world.fund(seller, 150 * MICRO)
    trade = await _take(world, offer.id, seller, "130000")
    assert (trade.seller_id, trade.buyer_id, trade.crypto_amount) == (seller, maker, 100 * MICRO)
    assert trade.escrow_source == "available" and await world.escrow(trade) == 100_200_000
    assert await world.available(seller) == 150 * MICRO - 100_200_000
    async with world.tx() as s:
        await escrow.mark_paid(s, trade_id=trade.id, actor_id=maker)
        await escrow.release(s, trade_id=trade.id, actor_id=seller)
    assert await world.available(maker) == 99_800_000
    assert (await world.offer(offer.id)).remaining == 200 * MICRO
    await world.audit_ok()


async def test_cancel_returns_coins_to_the_open_offer_or_else_to_the_seller(world: World) -> None:
    seller, buyer = await world.user(), await world.user()
    offer = await world.sell_offer(seller)
    first, second = await _take(world, offer.id, buyer), await _take(world, offer.id, buyer)
    async with world.tx() as s:
        await escrow.cancel(s, trade_id=first.id, actor_id=buyer)
    reopened = await world.offer(offer.id)
    assert (reopened.remaining, reopened.fee_reserve) == (200 * MICRO, 400_000)
    assert await world.reserve(offer) == 200_400_000
    async with world.tx() as s:
        await escrow.close_offer(s, offer_id=offer.id, actor_id=seller)
    assert await world.available(seller) == 600 * MICRO - 100_200_000  # only the open trade is out
    async with world.tx() as s:
        await escrow.cancel(s, trade_id=second.id, actor_id=buyer)
    assert await world.available(seller) == 600 * MICRO
    assert (await world.offer(offer.id)).remaining == 0  # a closed offer is not refilled
    async with world.factory() as s:
        events = await escrow.timeline(s, second.id)
    assert events[-1].data == {"by": "buyer", "refunded_to": "available"}
    await world.audit_ok()


async def test_expiry_reminder_and_escalation_jobs(world: World) -> None:
    seller, buyer = await world.user(), await world.user()
    offer = await world.sell_offer(seller)
    opened = datetime.now(UTC) - timedelta(minutes=26)
    late = await _take(world, offer.id, buyer, now=opened)  # 4 minutes of its window left
    async with world.tx() as s:
        assert late.id in await escrow.remind_due(s)
    async with world.tx() as s:
        assert late.id not in await escrow.remind_due(s)  # sent once
    reminders = await world.outbox(events.TradeReminder, trade_id=late.id)
    assert [(m.recipient, m.payload["minutes_left"]) for m in reminders] == [(f"user:{buyer}", 4)]

    with pytest.raises(DomainError, match="payment_window_expired"):
        async with world.tx() as s:
            await escrow.mark_paid(s, trade_id=late.id, actor_id=buyer, now=opened + timedelta(minutes=30))
    async with world.tx() as s:
        assert late.id not in await escrow.expire_due(s, opened + timedelta(minutes=29))
        assert late.id in await escrow.expire_due(s, opened + timedelta(minutes=30))
    after = await world.trade(late.id)
    assert (after.status, after.close_reason) == (TradeStatus.CANCELLED, "expired")
    assert await world.reserve(offer) == 300_600_000

    # PAID and never released: after 24 h it becomes a dispute, no coin moves.
    paid_at = datetime.now(UTC) - timedelta(hours=25)
    stuck = await _take(world, offer.id, buyer, now=paid_at - timedelta(minutes=5))
    async with world.tx() as s:
        await escrow.mark_paid(s, trade_id=stuck.id, actor_id=buyer, now=paid_at)
    async with world.tx() as s:
        disputes = await escrow.escalate_due(s)
    assert [d.trade_id for d in disputes if d.trade_id == stuck.id] == [stuck.id]
    escalated = next(d for d in disputes if d.trade_id == stuck.id)
    assert escalated.opened_by is None and escalated.reason == "release_timeout"
    assert (await world.trade(stuck.id)).status == TradeStatus.DISPUTED
    assert await world.escrow(stuck) == stuck.escrow_amount and await world.available(buyer) == 0
    told = await world.outbox(events.DisputeOpened, trade_id=stuck.id)
    assert {m.recipient for m in told} == {"admins", "channel:payments", f"user:{seller}", f"user:{buyer}"}
    assert told[0].payload["escalated"] is True
    async with world.tx() as s:
        assert stuck.id not in [d.trade_id for d in await escrow.escalate_due(s)]
    await world.audit_ok()


async def test_disputes_statements_ownership_and_a_single_resolution(world: World) -> None:
    seller, buyer, mod_a, mod_b = [await world.user() for _ in range(4)]
    offer = await world.sell_offer(seller)
    trade = await _take(world, offer.id, buyer, now=NOW - timedelta(minutes=20))
    async with world.tx() as s:
        await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer, now=NOW - timedelta(minutes=10))
    with pytest.raises(DomainError, match="dispute_too_early"):
        async with world.tx() as s:
            await escrow.open_dispute(s, trade_id=trade.id, actor_id=seller, reason="no money")
    async with world.tx() as s:
        dispute = await escrow.open_dispute(
            s, trade_id=trade.id, actor_id=seller, reason="no money", now=NOW + timedelta(minutes=6)
        )
        await escrow.add_statement(s, trade_id=trade.id, author_id=seller, text="nothing arrived")
        await escrow.add_statement(s, trade_id=trade.id, author_id=buyer, text="sent", file_id="photo-9")
    with pytest.raises(DomainError, match="not_party"):
        async with world.tx() as s:
            await escrow.add_statement(s, trade_id=trade.id, author_id=mod_a, text="hi")
    async with world.tx() as s:
        await escrow.claim(s, dispute_id=dispute.id, moderator_id=mod_a)
    with pytest.raises(DomainError) as owned:
        async with world.tx() as s:
            await escrow.claim(s, dispute_id=dispute.id, moderator_id=mod_b)
    assert owned.value.code == "dispute_owned" and owned.value.params["owner_id"] == mod_a
    with pytest.raises(DomainError, match="dispute_owned"):
        async with world.tx() as s:
            await escrow.resolve(s, dispute_id=dispute.id, moderator_id=mod_b, outcome="release", reason="x")
    with pytest.raises(DomainError, match="party_cannot_moderate"):
        async with world.tx() as s:
            await escrow.claim(s, dispute_id=dispute.id, moderator_id=seller)
    async with world.tx() as s:
        await escrow.resolve(
            s, dispute_id=dispute.id, moderator_id=mod_a, outcome="refund", reason="bank shows no transfer"
        )
    with pytest.raises(DomainError) as again:
        async with world.tx() as s:
            await escrow.resolve(
                s, dispute_id=dispute.id, moderator_id=mod_a, outcome="release", reason="oops"
            )
    assert again.value.code == "dispute_resolved" and again.value.params["resolution"] == "refund"
    after = await world.trade(trade.id)
    assert (after.status, after.close_reason) == (TradeStatus.CANCELLED, "dispute")
    assert await world.reserve(offer) == 300_600_000 and await world.available(buyer) == 0
    async with world.factory() as s:
        texts = [st.text for st in await escrow.statements(s, dispute.id)]
        kinds = [e.kind for e in await escrow.timeline(s, trade.id)]
    assert texts == ["nothing arrived", "sent"]
    assert kinds == ["opened", "paid", "disputed", "dispute_claimed", "cancelled", "dispute_resolved"]
    resolved = await world.outbox(events.DisputeResolved, trade_id=trade.id)
    assert {m.recipient for m in resolved} == {"admins", f"user:{seller}", f"user:{buyer}"}
    await world.audit_ok()


def _actions(trade: Trade, dispute_id: int | None) -> dict[str, Any]:
    return {
        "mark_paid": partial(escrow.mark_paid, trade_id=trade.id),
        "cancel": partial(escrow.cancel, trade_id=trade.id),
        "release": partial(escrow.release, trade_id=trade.id),
        "open_dispute": partial(
            escrow.open_dispute, trade_id=trade.id, reason="r", now=NOW + timedelta(hours=1)
        ),
    }


@pytest.mark.parametrize(
    ("action", "wrong", "code"),
    [
        ("mark_paid", "seller", "not_your_role"),
        ("mark_paid", "stranger", "not_party"),
        ("cancel", "seller", "not_your_role"),
        ("cancel", "stranger", "not_party"),
        ("release", "buyer", "not_your_role"),
        ("release", "stranger", "not_party"),
        ("open_dispute", "stranger", "not_party"),
    ],
)
async def test_the_wrong_actor_is_refused_and_nothing_changes(
    world: World, action: str, wrong: str, code: str
) -> None:
    seller, buyer, stranger = await world.user(), await world.user(), await world.user()
    offer = await world.sell_offer(seller)
    trade = await _take(world, offer.id, buyer)
    if action == "open_dispute":
        async with world.tx() as s:
            await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer)
    before = await world.trade(trade.id)
    events = await world.count(TradeEvent, TradeEvent.trade_id == trade.id)
    outbox_rows = await world.count(OutboxMessage)
    actor = {"seller": seller, "buyer": buyer, "stranger": stranger}[wrong]
    with pytest.raises(DomainError) as caught:
        async with world.tx() as s:
            await _actions(trade, None)[action](s, actor_id=actor)
    assert caught.value.code == code
    after = await world.trade(trade.id)
    assert after.status == before.status and after.paid_at == before.paid_at
    assert await world.escrow(trade) == trade.escrow_amount
    assert await world.available(buyer) == 0 and await world.available(stranger) == 0
    assert await world.count(TradeEvent, TradeEvent.trade_id == trade.id) == events
    assert await world.count(OutboxMessage) == outbox_rows
    assert await world.count(Dispute, Dispute.trade_id == trade.id) == 0


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [
        ("completed", "release", "seller"),
        ("completed", "cancel", "buyer"),
        ("completed", "mark_paid", "buyer"),
        ("paid", "cancel", "buyer"),
        ("paid", "mark_paid", "buyer"),
        ("awaiting_payment", "open_dispute", "buyer"),
        ("cancelled", "release", "seller"),
    ],
)
async def test_an_action_in_the_wrong_state_names_the_state(
    world: World, state: str, action: str, actor: str
) -> None:
    seller, buyer = await world.user(), await world.user()
    offer = await world.sell_offer(seller)
    trade = await _take(world, offer.id, buyer)
    async with world.tx() as s:
        if state in ("paid", "completed"):
            await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer)
        if state == "completed":
            await escrow.release(s, trade_id=trade.id, actor_id=seller)
        if state == "cancelled":
            await escrow.cancel(s, trade_id=trade.id, actor_id=buyer)
    balances = (await world.available(buyer), await world.reserve(offer), await world.escrow(trade))
    with pytest.raises(DomainError) as caught:
        async with world.tx() as s:
            await _actions(trade, None)[action](s, actor_id={"seller": seller, "buyer": buyer}[actor])
    assert caught.value.code == "trade_state" and caught.value.params["state"] == state
    assert (await world.available(buyer), await world.reserve(offer), await world.escrow(trade)) == balances


async def test_feedback_once_per_party_after_completion(world: World) -> None:
    seller, buyer = await world.user(), await world.user()
    trade = await _take(world, (await world.sell_offer(seller)).id, buyer)
    with pytest.raises(DomainError, match="trade_state"):
        async with world.tx() as s:
            await escrow.leave_feedback(s, trade_id=trade.id, actor_id=buyer, positive=True)
    async with world.tx() as s:
        await escrow.release(s, trade_id=trade.id, actor_id=seller)
        await escrow.leave_feedback(s, trade_id=trade.id, actor_id=buyer, positive=False, comment="slow")
    with pytest.raises(DomainError, match="feedback_exists"):
        async with world.tx() as s:
            await escrow.leave_feedback(s, trade_id=trade.id, actor_id=buyer, positive=True)
    with pytest.raises(DomainError, match="comment_too_long"):
        async with world.tx() as s:
            await escrow.leave_feedback(
                s, trade_id=trade.id, actor_id=seller, positive=True, comment="x" * 201
            )
    async with world.factory() as s:
        stats = await escrow.user_stats(s, seller)
    assert (stats.positive, stats.negative, stats.positive_share) == (0, 1, Decimal("0.0"))


async def test_a_receipt_used_in_another_trade_is_flagged(world: World) -> None:
    seller, buyer, other_buyer = await world.user(), await world.user(), await world.user()
    offer = await world.sell_offer(seller)
    first, second = await _take(world, offer.id, buyer), await _take(world, offer.id, other_buyer)
    photo = f"receipt-{first.id}"
    async with world.tx() as s:
        result = await escrow.add_message(
            s, trade_id=first.id, sender_id=buyer, file_id="f1", file_unique_id=photo
        )
        again = await escrow.add_message(
            s, trade_id=first.id, sender_id=buyer, file_id="f1", file_unique_id=photo
        )
        note = await escrow.add_message(s, trade_id=first.id, sender_id=seller, text="waiting")
    assert not result.reused and not again.reused  # the same trade may show it twice
    assert note.message.kind == "text"
    async with world.tx() as s:
        paid = await escrow.mark_paid(
            s, trade_id=second.id, actor_id=other_buyer, receipt=escrow.Receipt("f2", photo)
        )
    assert paid.status == TradeStatus.PAID
    flagged = await world.outbox(events.TradeFileReused, trade_id=second.id)
    assert {m.recipient for m in flagged} == {f"user:{seller}", "admins"}
    assert flagged[0].payload["other_trade_ids"] == [first.id]
    async with world.factory() as s:
        stored = await escrow.messages(s, second.id)
    assert [(m.kind, m.reused) for m in stored] == [("receipt", True)]
    with pytest.raises(DomainError, match="not_party"):
        async with world.tx() as s:
            await escrow.add_message(s, trade_id=first.id, sender_id=other_buyer, text="hello")


async def test_a_dispute_released_to_the_buyer_pays_fees_and_is_announced(world: World) -> None:
    seller, buyer, mod, admin = [await world.user() for _ in range(4)]
    offer = await world.sell_offer(seller)
    trade = await _take(world, offer.id, buyer, now=NOW - timedelta(minutes=40))
    fees_before = await world.fees()
    async with world.tx() as s:
        await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer, now=NOW - timedelta(minutes=30))
        dispute = await escrow.open_dispute(s, trade_id=trade.id, actor_id=buyer, reason="seller is silent")
        await escrow.claim(s, dispute_id=dispute.id, moderator_id=mod)
    with pytest.raises(DomainError, match="dispute_owned"):
        async with world.tx() as s:
            await escrow.unclaim(s, dispute_id=dispute.id, moderator_id=admin)
    async with world.tx() as s:  # an admin takes it over
        await escrow.unclaim(s, dispute_id=dispute.id, moderator_id=admin, force=True)
        await escrow.claim(s, dispute_id=dispute.id, moderator_id=admin)
        await escrow.resolve(s, dispute_id=dispute.id, moderator_id=admin, outcome="release",
                             reason="the bank confirmed the transfer")
    after = await world.trade(trade.id)
    assert (after.status, after.close_reason) == (TradeStatus.COMPLETED, "dispute")
    assert await world.available(buyer) == trade.buyer_receives
    assert await world.fees() - fees_before == trade.fee_total
    assert len([m for m in await world.outbox(events.TradeCompleted, trade_id=trade.id)
                if m.recipient == "channel:payments"]) == 1
    async with world.factory() as s:
        assert dispute.id not in [d.id for d in await escrow.open_disputes(s, limit=1000)]
        stats = await escrow.user_stats(s, seller)
    assert stats.completed_trades == 1 and stats.avg_release_seconds is None  # not released by the seller
    await world.audit_ok()


async def test_take_opens_only_at_the_quoted_price(world: World) -> None:
    """The maker edits the price between the quote and the confirmation: nothing opens and
    nothing moves; at the new quote's price the trade opens at exactly that price."""
    offer = await world.sell_offer()
    buyer = await world.user()
    async with world.tx() as s:
        q = await escrow.quote(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"))
    async with world.tx() as s:
        await escrow.edit_offer(s, offer_id=offer.id, actor_id=offer.maker_id,
                                patch=escrow.OfferPatch(price=Decimal("1320")))  # fmt: skip
    reserve = await world.reserve(offer)
    error = await _refused_take(world, offer.id, buyer, "price_moved", expected_price=q.price)
    assert error.params == {"offer_id": offer.id, "quoted": "1310", "price": "1320", "fiat": "IQD"}
    assert await world.count(Trade, Trade.offer_id == offer.id) == 0
    assert await world.reserve(offer) == reserve and (await world.offer(offer.id)).remaining == 300 * MICRO

    trade = await _take(world, offer.id, buyer, expected_price=Decimal("1320"))
    assert trade.price == Decimal("1320") and trade.crypto_amount == 99_242_424  # 131,000 / 1,320
    assert await world.escrow(trade) == trade.crypto_amount + trade.seller_fee


async def test_take_refuses_when_the_floating_reference_moved(world: World) -> None:
    async with world.tx() as s:
        await escrow.set_reference_rate(s, asset=Asset.TRX, fiat=Fiat.USD, rate=Decimal("0.27"), actor_id=None)
    maker = await world.user()
    await world.fund(maker, 2_000 * MICRO, Asset.TRX)
    offer = await world.sell_offer(maker, fund=False, asset=Asset.TRX, fiat=Fiat.USD, price=None, amount=1_000 * MICRO,
                                   margin_pct=Decimal("1"), min_fiat=Decimal("10"), max_fiat=Decimal("300"))  # fmt: skip
    buyer = await world.user()
    try:
        async with world.tx() as s:
            q = await escrow.quote(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("27"))
        assert q.price == Decimal("0.27")  # 0.27 * 1.01, to the cent
        async with world.tx() as s:
            await escrow.set_reference_rate(s, asset=Asset.TRX, fiat=Fiat.USD, rate=Decimal("0.30"), actor_id=None)
        reserve = await world.reserve(offer)
        error = await _refused_take(world, offer.id, buyer, "price_moved", fiat="27", expected_price=q.price)
        assert (error.params["quoted"], error.params["price"]) == ("0.27", "0.30")
        assert await world.count(Trade, Trade.offer_id == offer.id) == 0 and await world.reserve(offer) == reserve

        async with world.tx() as s:
            again = await escrow.quote(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("27"))
        trade = await _take(world, offer.id, buyer, fiat="27", expected_price=again.price)
        assert (trade.price, trade.crypto_amount) == (Decimal("0.30"), 90 * MICRO)
    finally:
        async with world.tx() as s:
            await escrow.close_offer(s, offer_id=offer.id, actor_id=maker)  # browsing tests see every offer


async def test_a_rating_saved_by_one_tap_takes_one_comment_afterwards(world: World) -> None:
    seller, buyer = await world.user(), await world.user()
    trade = await _take(world, (await world.sell_offer(seller)).id, buyer)
    async with world.tx() as s:
        await escrow.release(s, trade_id=trade.id, actor_id=seller)
        await escrow.leave_feedback(s, trade_id=trade.id, actor_id=buyer, positive=True)  # the one tap
    with pytest.raises(DomainError, match="not_party"):  # the seller has not rated yet
        async with world.tx() as s:
            await escrow.comment_feedback(s, trade_id=trade.id, actor_id=seller, comment="hi")
    with pytest.raises(DomainError, match="comment_too_long"):
        async with world.tx() as s:
            await escrow.comment_feedback(s, trade_id=trade.id, actor_id=buyer, comment="x" * 201)
    async with world.tx() as s:
        saved = await escrow.comment_feedback(s, trade_id=trade.id, actor_id=buyer, comment=" Fast and honest ")
    assert (saved.positive, saved.comment) == (True, "Fast and honest")
    with pytest.raises(DomainError, match="feedback_exists"):  # a rating keeps its first comment
        async with world.tx() as s:
            await escrow.comment_feedback(s, trade_id=trade.id, actor_id=buyer, comment="changed my mind")
