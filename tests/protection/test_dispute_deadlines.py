"""Disputes with deadlines (issue 22): when a dispute opens each party is told their deadline
(the admins' /set changes the other party's time to answer); a party who has not answered is
reminded once before it; a seller who never answers reaches the admins marked so after the
deadline, with the proposed outcome, also on the dispute card. Monthly statistics reach the
payments channel with counts only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from core import escrow
from core.db import transaction
from core.escrow.models import Dispute, Trade
from tests.e2e.harness import Market
from tests.market.flows import T, open_trade, say, send, step
from tests.protection.trading import completed_trade, trader


async def _disputed(market: Market, seller, buyer) -> int:  # type: ignore[no-untyped-def]
    _, trade_id = await open_trade(market, seller, buyer)
    card = next(m for m in buyer.chat(T) if "Trade opened" in m.text)
    await step(buyer, "I have paid", "Send a photo of your payment receipt", message=card)
    marked = await step(buyer, "Yes, I have paid", "Marked as paid")
    async with market.session_factory() as s, s.begin():
        await s.execute(update(Trade).where(Trade.id == trade_id)
                        .values(paid_at=datetime.now(UTC) - timedelta(minutes=20)))  # fmt: skip
    await step(buyer, "Open a dispute", "Describe the problem in one message", message=marked)
    opened = await say(buyer, "I paid 131,000 IQD by ZainCash; the seller does not answer.", "Dispute opened")
    assert "Send your evidence here (receipts, screenshots) by" in opened.text
    return trade_id


async def _set_dues(market: Market, trade_id: int, buyer_due: datetime, seller_due: datetime) -> None:
    async with market.session_factory() as s, s.begin():
        await s.execute(update(Dispute).where(Dispute.trade_id == trade_id)
                        .values(buyer_due_at=buyer_due, seller_due_at=seller_due))  # fmt: skip


async def test_a_seller_who_never_answers_reaches_the_admin_marked_so(market: Market) -> None:
    await market.admin.send(market.admin_bot, "/set dispute_answer_minutes 240")
    await market.admin.wait_for(market.admin_bot, contains="dispute_answer_minutes is now 240")
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    trade_id = await _disputed(market, seller, buyer)
    told = await seller.wait_for(T, contains="The other side opened a dispute")
    assert "Answer by" in told.text
    async with market.session_factory() as s:
        dispute = await escrow.dispute_for_trade(s, trade_id)
    assert dispute is not None and dispute.seller_due_at is not None and dispute.buyer_due_at is not None
    assert dispute.seller_due_at - dispute.opened_at == timedelta(minutes=240)  # the admins' setting
    assert dispute.buyer_due_at - dispute.opened_at == timedelta(minutes=120)  # the opener's evidence
    await send(buyer, "Here is my receipt number 5521.")  # the buyer's statement

    # Half an hour before the deadlines: the silent seller is reminded, the buyer who answered is not.
    soon = datetime.now(UTC) + timedelta(minutes=30)
    await _set_dues(market, trade_id, soon, soon)
    reminder = await seller.wait_for(T, contains="the dispute is waiting for your side", timeout=40)
    assert f"Trade #{trade_id}" in reminder.text

    # Past the deadlines: the admins are told the seller did not answer, with the proposed outcome.
    past = datetime.now(UTC) - timedelta(minutes=1)
    await _set_dues(market, trade_id, past, past)
    flagged = await market.admin.wait_for(market.admin_bot, contains="The seller did not answer by the deadline",
                                          timeout=40)  # fmt: skip
    assert "Proposed outcome: released to the buyer." in flagged.text
    assert not any("waiting for your side" in m.text for m in buyer.chat(T))
    await market.admin.press(market.admin_bot, "Open", message=flagged)
    case = await market.admin.wait_for(market.admin_bot, contains="Deadlines: seller")
    assert "⚠️ The seller did not answer." in case.text and "Proposed outcome: released to the buyer." in case.text
    async with market.session_factory() as s:
        dispute = await escrow.dispute_for_trade(s, trade_id)
    assert dispute is not None and dispute.silent == "seller" and dispute.resolution is None  # nothing moved


async def test_monthly_statistics_reach_the_payments_channel_without_names(market: Market) -> None:
    factory = market.session_factory
    now = datetime.now(UTC)
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(day=10, hour=12)
    seller, buyer = await trader(factory), await trader(factory)
    trade_id = await completed_trade(factory, seller, buyer)
    async with transaction(factory) as s:
        s.add(Dispute(trade_id=trade_id, opened_by=buyer, reason="Chargeback from Bilal's bank",
                      opened_at=last_month, resolution="release", resolved_by=1,
                      resolved_at=last_month + timedelta(minutes=90)))  # fmt: skip
    async with transaction(factory) as s:
        assert await escrow.monthly_report_due(s, now=now)
    async with transaction(factory) as s:
        assert not await escrow.monthly_report_due(s, now=now)  # once a month
    post = await market.tg.wait_for_post(market.payments_channel, contains="📊")
    assert "Bilal" not in post.text and "Chargeback" not in post.text and str(trade_id) not in post.text
    assert "١" in post.text  # the channel speaks Arabic: counts in Arabic-Indic digits
