"""A disputed trade, end to end: statements, the push with Take, a moderator's case screen with
the transcript and the receipt, a refund with a reason, and everything it must leave behind."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core import events
from core.admin import actions, audit
from core.errors import DomainError
from core.escrow import chat, disputes
from core.escrow.models import Trade, TradeStatus
from core.ledger import AccountRef
from tests.admin.conftest import Staffed, committed

PHOTO = b"\xff\xd8\xff\xe0" + b"receipt-pixels" * 40


async def test_moderator_refunds_a_disputed_trade(staffed: Staffed) -> None:
    m, admin = staffed.market, staffed.admin1
    seller, buyer = await staffed.person("Sami"), await staffed.person("Bashar")
    moderator = await staffed.person("Mona")

    # A listed admin makes Mona a moderator through the bot; before that she gets nothing.
    await moderator.send(m.admin_bot, "/disputes")
    await moderator.wait_for(m.admin_bot, contains="only for the KOXX P2P team")
    await admin.send(m.admin_bot, f"/mods add @{moderator.username}")
    await admin.wait_for(m.admin_bot, contains="is now a moderator")

    # The buyer's receipt photo is a real Telegram file (sent to the traders' bot).
    photo_msg = await buyer.send_photo(m.traders, PHOTO)
    big = photo_msg.photo[-1]
    trade = await staffed.paid_trade(seller, buyer, receipt=(big["file_id"], big["file_unique_id"]))
    escrow = AccountRef.trade_escrow(trade.id, trade.seller_id)
    reserve = AccountRef.offer_reserve(trade.offer_id, seller.id)
    reserve_before = await staffed.bal(reserve)
    assert await staffed.bal(escrow) == trade.escrow_amount > 0

    async with staffed.tx() as s:
        await chat.add_message(s, trade_id=trade.id, sender_id=buyer.id, text="I sent 131000 by ZainCash")
        await chat.add_message(s, trade_id=trade.id, sender_id=seller.id, text="Nothing arrived")
        dispute = await disputes.open_dispute(s, trade_id=trade.id, actor_id=buyer.id, reason="Seller does not release")

    # The seller is asked for a statement; what each party writes to the traders' bot now is one.
    await seller.wait_for(m.traders, contains="write here to give your statement")
    await buyer.send(m.traders, "Paid at 10:05, receipt attached")
    await seller.send(m.traders, "My ZainCash shows nothing")
    await seller.wait_for(m.traders, contains="Paid at 10:05")
    await buyer.wait_for(m.traders, contains="My ZainCash shows nothing")

    # Every admin and moderator is told, with a Take button.
    await admin.wait_for(m.admin_bot, contains=f"New dispute #{dispute.id}")
    push = await moderator.wait_for(m.admin_bot, contains=f"New dispute #{dispute.id}")
    assert "Take" in push.buttons[0]
    await moderator.press(m.admin_bot, "Take", message=push)

    # The case: transcript, the receipt photo (by file_id), then the facts with both statements.
    transcript = await moderator.wait_for(m.admin_bot, contains=f"Chat of trade #{trade.id}")
    assert "I sent 131000 by ZainCash" in transcript.text and "Nothing arrived" in transcript.text
    photo = await moderator.wait_for(m.admin_bot, match=lambda msg: msg.photo is not None)
    # The traders' bot's file_id is not the admin bot's: the photo was downloaded and re-uploaded.
    assert photo.photo[-1]["file_size"] == big["file_size"] and "photo 1" in photo.text
    case = await moderator.wait_for(m.admin_bot, contains=f"Dispute #{dispute.id}")
    for fact in ("You are handling this dispute", "Paid at 10:05, receipt attached", "My ZainCash shows nothing",
                 "131,000 IQD", "ZainCash", "trade opened", "buyer marked paid", "dispute opened"):  # fmt: skip
        assert fact in case.text, fact
    assert ["Release to buyer", "Refund to seller"] in case.buttons

    # Someone else pressing Take is told who has it.
    owned = await (await admin.press(m.admin_bot, "Take")).answer()
    assert owned.show_alert and f"@{moderator.username}" in owned.text and "already handling" in owned.text

    # The owner writes to both parties through the trade chat.
    await moderator.press(m.admin_bot, "Write to both parties", message=case)
    await moderator.wait_for(m.admin_bot, contains="Write the message for both parties")
    await moderator.send(m.admin_bot, "Please send the ZainCash transaction number")
    await moderator.wait_for(m.admin_bot, contains="Sent to both parties")
    for party in (seller, buyer):
        told = await party.wait_for(m.traders, contains="Please send the ZainCash transaction number")
        assert "KOXX staff" in told.text and f"#{trade.id}" in told.text

    # Refund with a reason, confirmed once more.
    await moderator.press(m.admin_bot, "Refund to seller", message=case)
    await moderator.wait_for(m.admin_bot, contains="Write the reason")
    await moderator.send(m.admin_bot, "No payment reached the seller's ZainCash")
    confirm = await moderator.wait_for(m.admin_bot, contains="Refund")
    assert "cannot be undone" in confirm.text and "No payment reached" in confirm.text
    await moderator.press(m.admin_bot, "Confirm", message=confirm)
    await moderator.wait_for(m.admin_bot, contains="refunded to the seller", edited=True)

    # Money, state, notifications, audit (the push comes from the outbox: the change committed).
    await admin.wait_for(m.admin_bot, contains=f"Dispute #{dispute.id} resolved by")
    async with m.session_factory() as s:
        done = await s.get(Trade, trade.id)
        assert done is not None and done.status == TradeStatus.CANCELLED
        found = await disputes.get_dispute(s, dispute.id)
        assert (found.resolution, found.resolved_by) == ("refund", moderator.id)
        trail = await audit.for_trade(s, trade.id)
    assert await staffed.bal(escrow) == 0
    assert await staffed.bal(reserve) == reserve_before + trade.escrow_amount  # back into the open offer
    assert await staffed.bal(AccountRef.user(buyer.id)) == 0
    assert [(r.action, r.actor_id) for r in reversed(trail)] == [
        ("dispute.take", moderator.id), ("dispute.message", moderator.id), ("dispute.refund", moderator.id)
    ]
    assert trail[0].reason == "No payment reached the seller's ZainCash"
    for party in (seller, buyer):  # both parties read the outcome and the reason
        outcome = await party.wait_for(m.traders, contains="No payment reached the seller's ZainCash")
        assert "in favour of the seller" in outcome.text

    # A second resolution is refused, whoever tries, and changes nothing.
    with pytest.raises(DomainError) as refused:
        async with staffed.tx() as s:
            await actions.resolve_dispute(s, m.runtime.settings, actor_id=admin.id, dispute_id=dispute.id,
                                          outcome="release", reason="second try")  # fmt: skip
    assert refused.value.code == "dispute_resolved"
    await moderator.press(m.admin_bot, "Release to buyer", message=case)
    await moderator.wait_for(m.admin_bot, contains="Write the reason")
    await moderator.send(m.admin_bot, "changed my mind")
    again = await moderator.wait_for(m.admin_bot, contains="Release")
    second = await (await moderator.press(m.admin_bot, "Confirm", message=again)).answer()
    assert "already resolved" in second.text
    assert await staffed.bal(AccountRef.user(buyer.id)) == 0
    assert len(await staffed.outbox(events.TradeCompleted, trade_id=trade.id)) == 0

    # The audit trail refuses to be rewritten.
    async with m.session_factory() as s:
        with pytest.raises(Exception, match="append-only"):
            await s.execute(text("UPDATE staff_actions SET reason = 'x' WHERE trade_id = :t"), {"t": trade.id})
        await s.rollback()
        with pytest.raises(Exception, match="append-only"):
            await s.execute(text("DELETE FROM staff_actions WHERE trade_id = :t"), {"t": trade.id})


async def test_two_admins_resolving_at_once_give_one_outcome(staffed: Staffed) -> None:
    import asyncio

    from core.db import transaction

    m, settings = staffed.market, staffed.market.runtime.settings
    seller, buyer = await staffed.person("Saad"), await staffed.person("Badr")
    trade = await staffed.paid_trade(seller, buyer, receipt=None)
    async with staffed.tx() as s:
        dispute = await disputes.open_dispute(s, trade_id=trade.id, actor_id=seller.id, reason="No money")

    async def decide(admin_id: int, outcome: str) -> str:
        try:
            async with transaction(m.session_factory) as s:
                await actions.resolve_dispute(s, settings, actor_id=admin_id, dispute_id=dispute.id,
                                              outcome=outcome, reason=f"{outcome} by {admin_id}")  # fmt: skip
        except DomainError as exc:
            return exc.code
        return outcome

    results = await asyncio.gather(
        decide(staffed.admin1.id, "release"), decide(staffed.admin2.id, "refund")
    )
    assert sorted(results) in (["dispute_resolved", "release"], ["dispute_resolved", "refund"])
    won = "release" if "release" in results else "refund"
    async with m.session_factory() as s:
        done = await s.get(Trade, trade.id)
        trail = await audit.for_trade(s, trade.id)
    assert done is not None
    assert done.status == (TradeStatus.COMPLETED if won == "release" else TradeStatus.CANCELLED)
    assert [r.action for r in trail] == [f"dispute.{won}"]  # the loser's attempt left no trace
    assert await staffed.bal(AccountRef.trade_escrow(trade.id, trade.seller_id)) == 0
    assert await staffed.bal(AccountRef.user(buyer.id)) == (trade.buyer_receives if won == "release" else 0)


async def test_queue_lists_open_disputes_oldest_first_with_amount_and_age(staffed: Staffed) -> None:
    m, admin = staffed.market, staffed.admin1
    opened = []
    for name in ("First", "Second"):
        seller, buyer = await staffed.person(f"{name}Seller"), await staffed.person(f"{name}Buyer")
        trade = await staffed.paid_trade(seller, buyer, receipt=None)
        async with staffed.tx() as s:
            opened.append(await disputes.open_dispute(s, trade_id=trade.id, actor_id=buyer.id, reason=name))
    await admin.send(m.admin_bot, "/disputes")
    queue = await admin.wait_for(m.admin_bot, contains="Open disputes")
    labels = [row[0] for row in queue.buttons]
    assert [label.split(" · ")[0] for label in labels] == [f"#{opened[0].id}", f"#{opened[1].id}"]
    assert all("100 USDT" in label and "minute" in label for label in labels)

    await admin.press(m.admin_bot, f"#{opened[1].id}", message=queue)
    case = await admin.wait_for(m.admin_bot, contains=f"Dispute #{opened[1].id}")
    assert "Nobody is handling this dispute yet" in case.text and ["Take"] in case.buttons

    # The admin takes the newer one and releases the coins to its buyer.
    await admin.press(m.admin_bot, "Take", message=case)
    mine = await admin.wait_for(m.admin_bot, contains="You are handling this dispute")
    await admin.press(m.admin_bot, "Release to buyer", message=mine)
    await admin.wait_for(m.admin_bot, contains="Write the reason")
    await admin.send(m.admin_bot, "The seller's bank statement shows the payment")
    confirm = await admin.wait_for(m.admin_bot, contains="Release 99.8 USDT to the buyer")
    await admin.press(m.admin_bot, "Confirm", message=confirm)
    await admin.wait_for(m.admin_bot, contains="released to the buyer", edited=True)

    async def completed() -> bool:
        async with m.session_factory() as s:
            found = await s.get(Trade, (await disputes.get_dispute(s, opened[1].id)).trade_id)
            return found is not None and found.status == TradeStatus.COMPLETED

    await committed(completed)
    async with m.session_factory() as s:
        trade = await s.get(Trade, (await disputes.get_dispute(s, opened[1].id)).trade_id)
    assert trade is not None
    assert await staffed.bal(AccountRef.user(trade.buyer_id)) == trade.buyer_receives == 99_800_000
    assert await staffed.bal(AccountRef.trade_escrow(trade.id, trade.seller_id)) == 0
