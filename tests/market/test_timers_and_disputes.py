"""What the scheduler and the disputes do in the chat: the payment window ending cancels the trade
and tells both sides; a dispute opened from the trade card tells the other side, and what the
parties write then is kept as their statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from core.escrow import dispute_for_trade, get_trade, statements
from core.escrow.models import Trade
from core.ledger import audit
from tests.e2e.harness import Market
from tests.market.flows import T, open_trade, press, say, send, step


async def test_expired_payment_window_cancels_and_tells_both(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    _, trade_id = await open_trade(market, seller, buyer)
    async with market.session_factory() as s, s.begin():
        await s.execute(update(Trade).where(Trade.id == trade_id).values(expires_at=datetime.now(UTC)))
    # escrow.expire_due runs every 5 s in the running process.
    await buyer.wait_for(T, contains="The payment window ended", timeout=40)
    await seller.wait_for(T, contains="The payment window ended", timeout=40)
    async with market.session_factory() as s:
        assert (await get_trade(s, trade_id)).status == "cancelled"
        assert (await audit(s)).ok


async def test_dispute_from_the_trade_card_and_statements(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    _, trade_id = await open_trade(market, seller, buyer)
    card = next(m for m in buyer.chat(T) if "Trade opened" in m.text)
    await step(buyer, "I have paid", "Send a photo of your payment receipt", message=card)
    marked = await step(buyer, "Yes, I have paid", "Marked as paid")

    # Too early: the dispute button says when it will be possible.
    early = await press(buyer, "Open a dispute", message=marked)
    assert "You can open a dispute from" in ((await early.answer()).text or "")
    async with market.session_factory() as s, s.begin():
        await s.execute(update(Trade).where(Trade.id == trade_id)
                        .values(paid_at=datetime.now(UTC) - timedelta(minutes=20)))  # fmt: skip
    prompt = await step(buyer, "Open a dispute", "Describe the problem in one message", message=marked)
    assert prompt.buttons == [["⬅️ Back to the trade"]]  # one way back, not two
    await say(buyer, "I paid 131,000 IQD by ZainCash at 10:05, the seller does not answer.", "Dispute opened")
    await seller.wait_for(T, contains="The other side opened a dispute")
    await send(seller, "I have not received anything yet.")
    await buyer.wait_for(T, contains="I have not received anything yet.")
    async with market.session_factory() as s:
        assert (await get_trade(s, trade_id)).status == "disputed"
        dispute = await dispute_for_trade(s, trade_id)
        assert dispute is not None and "ZainCash at 10:05" in dispute.reason
        said = [(x.author_id, x.text) for x in await statements(s, dispute.id)]
    assert (seller.id, "I have not received anything yet.") in said
    # The payments channel hears of it, without names or the reason.
    post = await market.tg.wait_for_post(market.payments_channel, contains="⚖️")  # in the channel language
    assert "Samir" not in post.text and "Bilal" not in post.text and "ZainCash" not in post.text
