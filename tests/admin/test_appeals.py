"""Appeals after a trade's end (issue 22): a party appeals a completed trade with evidence in the
traders' bot; admins see the case; a hold on the counterpart's balance is asked by one admin and
placed only when a second approves; closing lets it go. Concurrent approvals place one hold, and
an approval racing the closing leaves no hold behind (real PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from core.admin import appeals
from core.errors import DomainError
from core.escrow import holds, trades
from core.escrow.appeals import open_appeal
from core.escrow.models import Appeal, RiskHold, Trade
from core.money import MICRO, Asset
from tests.admin.conftest import Staffed
from tests.market.flows import pace

PHOTO = b"\xff\xd8\xff\xe0" + b"receipt reversed by the bank" * 20


async def completed(staffed: Staffed, seller, buyer) -> Trade:  # type: ignore[no-untyped-def]
    paid = await staffed.paid_trade(seller, buyer, receipt=None)
    async with staffed.tx() as s:
        return await trades.release(s, trade_id=paid.id, actor_id=seller.id)


async def held(staffed: Staffed, user_id: int) -> int:
    """What appeals hold of the user's USDT."""
    async with staffed.market.session_factory() as s:
        return await holds.appeal_held(s, user_id, Asset.USDT)


async def test_an_appeal_holds_the_counterparts_balance_only_after_a_second_admin(staffed: Staffed) -> None:
    m, a1, a2 = staffed.market, staffed.admin1, staffed.admin2
    seller, buyer = await staffed.person("Samir"), await staffed.person("Bilal")
    trade = await completed(staffed, seller, buyer)

    # The seller appeals in the traders' bot: the buyer's payment was charged back.
    await pace(seller)
    await seller.send(m.traders, f"/appeal {trade.id}")
    await seller.wait_for(m.traders, contains="describe in one message what happened")
    await seller.send_photo(m.traders, PHOTO, caption="ZainCash reversed the 131,000 IQD payment (chargeback).")
    sent = await seller.wait_for(m.traders, contains="is sent")
    appeal_id = int(sent.text.split("Appeal #")[1].split(" ")[0])
    await buyer.wait_for(m.traders, contains="appealed after it ended")
    case = await a1.wait_for(m.admin_bot, contains=f"Appeal #{appeal_id}")
    assert "chargeback" in case.text and "100 USDT" in case.text
    await pace(seller)
    await seller.send(m.traders, f"/appeal {trade.id}")
    await seller.wait_for(m.traders, contains="describe in one message")
    await seller.send(m.traders, "Again")
    await seller.wait_for(m.traders, contains="You already appealed this trade")

    # One admin asks; nothing is held yet and the asker cannot approve it.
    before = await held(staffed, buyer.id)
    await a1.send(m.admin_bot, f"/appealhold {appeal_id}")
    await a1.wait_for(m.admin_bot, contains="it is placed when a second admin approves")
    assert await held(staffed, buyer.id) == before == 0
    with pytest.raises(DomainError) as own:
        async with staffed.tx() as s:
            await appeals.approve_hold(s, m.runtime.settings, actor_id=a1.id, appeal_id=appeal_id)
    assert own.value.code == "appeal_own_request"

    # The second admin approves from the request: the hold is placed and the buyer is told.
    approve = "الموافقة على الحجز"  # the second admin reads Arabic
    asked = await a2.wait_for(m.admin_bot, match=lambda msg: approve in str(msg.buttons), timeout=30)
    assert f"#{appeal_id}" in asked.text
    await a2.press(m.admin_bot, approve, message=asked)
    await a2.wait_for(m.admin_bot, contains="نُفّذ الحجز", edited=True)
    told = await buyer.wait_for(m.traders, contains="of your balance is on hold")
    assert f"Trade #{trade.id}" in told.text
    assert await held(staffed, buyer.id) == before + trade.crypto_amount
    with pytest.raises(DomainError) as refused:  # a withdrawal or transfer of the held coins is refused
        async with staffed.tx() as s:
            await holds.check_spendable(s, buyer.id, Asset.USDT, needed=MICRO, available=99 * MICRO)
    assert refused.value.code == "funds_on_appeal_hold"

    # Closed: the hold goes.
    await a1.send(m.admin_bot, f"/appealclose {appeal_id} Chargeback confirmed by ZainCash; settled by transfer")
    await a1.wait_for(m.admin_bot, contains="is closed")
    await buyer.wait_for(m.traders, contains="was let go")
    assert await held(staffed, buyer.id) == before


async def test_appeals_end_with_the_window_and_concurrent_decisions_place_one_hold(staffed: Staffed) -> None:
    m, settings = staffed.market, staffed.market.runtime.settings
    a1, a2 = staffed.admin1.id, staffed.admin2.id
    a3 = await staffed.person("Third")
    settings.admin_ids.append(a3.id)
    seller, buyer = await staffed.person("Samir"), await staffed.person("Bilal")
    trade = await completed(staffed, seller, buyer)
    async with staffed.tx() as s:
        appeal = await open_appeal(s, trade_id=trade.id, actor_id=buyer.id, reason="Paid but the coins went back")

    async def decide(call, actor: int) -> object:  # type: ignore[no-untyped-def]
        async with staffed.tx() as s:
            return await call(s, settings, actor_id=actor, appeal_id=appeal.id)

    async with staffed.tx() as s:
        await appeals.request_hold(s, settings, actor_id=a1, appeal_id=appeal.id, amount=40 * MICRO)
    outcomes = await asyncio.gather(decide(appeals.approve_hold, a2), decide(appeals.approve_hold, a3.id),
                                    return_exceptions=True)  # fmt: skip
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and refused[0].code == "invalid_state"
    assert await held(staffed, seller.id) == 40 * MICRO  # the buyer appealed: the seller's balance, once
    async with m.session_factory() as s:
        decided = await s.get(Appeal, appeal.id)
    assert decided is not None and decided.status == "held" and decided.hold_approved_by in (a2, a3.id)

    # An approval racing the closing of a second case: whichever wins, no hold is left active.
    other = await completed(staffed, seller, buyer)
    async with staffed.tx() as s:
        second = await open_appeal(s, trade_id=other.id, actor_id=seller.id, reason="Chargeback")
        await appeals.request_hold(s, settings, actor_id=a1, appeal_id=second.id)

    async def close(s, settings, *, actor_id: int, appeal_id: int) -> Appeal:  # type: ignore[no-untyped-def]
        return await appeals.close_appeal(s, settings, actor_id=actor_id, appeal_id=appeal_id, resolution="Settled")

    appeal = second
    await asyncio.gather(decide(appeals.approve_hold, a2), decide(close, a3.id), return_exceptions=True)
    async with m.session_factory() as s:
        status = await s.scalar(select(Appeal.status).where(Appeal.id == second.id))
    assert status == "closed" and await held(staffed, buyer.id) == 0

    # A withdrawal-sized check racing an approval sees the hold or goes first: never both through.
    third = await completed(staffed, seller, buyer)
    async with staffed.tx() as s:
        await s.execute(delete(RiskHold).where(RiskHold.user_id == buyer.id))  # only the appeal's hold counts here
        last = await open_appeal(s, trade_id=third.id, actor_id=seller.id, reason="Chargeback again")
        await appeals.request_hold(s, settings, actor_id=a1, appeal_id=last.id)
    appeal = last

    async def take_out() -> str:
        async with staffed.tx() as s:
            await holds.lock_user(s, buyer.id)
            try:
                await holds.check_spendable(s, buyer.id, Asset.USDT, needed=99 * MICRO, available=99 * MICRO)
            except DomainError as refused:
                return refused.code
            await asyncio.sleep(0.2)  # the withdrawal's writes, under the user's lock
            return "went"

    went, _ = await asyncio.gather(take_out(), decide(appeals.approve_hold, a2))
    again = await take_out()
    assert again == "funds_on_appeal_hold" and went in ("went", "funds_on_appeal_hold")

    # Past the window (7 days by default): refused.
    async with staffed.tx() as s:
        await s.execute(update(Trade).where(Trade.id == trade.id)
                        .values(completed_at=datetime.now(UTC) - timedelta(days=8)))  # fmt: skip
    with pytest.raises(DomainError) as late:
        async with staffed.tx() as s:
            await open_appeal(s, trade_id=trade.id, actor_id=seller.id, reason="Too late")
    assert late.value.code == "appeal_too_late"
