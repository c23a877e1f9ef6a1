"""Balance adjustments: never on one's own account; up to the asset's limit they apply at once;
above it they wait, moving nothing, until a second, different admin approves (exactly once, even
when two admins press at once). Every step is in the audit trail."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from sqlalchemy import func, select

from core import events
from core.admin import actions, audit
from core.admin.models import BalanceAdjustment
from core.errors import DomainError
from core.ledger import AccountRef, Purpose
from core.ledger.models import LedgerEntry
from core.money import MICRO, Asset
from sandbox.telegram.sandbox import SimPress
from tests.admin.conftest import Staffed, committed, forge_callback


async def adjust(staffed: Staffed, actor_id: int, user_id: int, amount: int, asset: Asset = Asset.USDT,
                 key: str | None = None) -> BalanceAdjustment:  # fmt: skip
    async with staffed.tx() as s:
        return await actions.adjust_balance(
            s, staffed.market.runtime.settings, actor_id=actor_id, user_id=user_id, asset=asset, amount=amount,
            reason="Deposit credited by hand", request_key=key or secrets.token_hex(8),
        )  # fmt: skip


async def approve(staffed: Staffed, actor_id: int, adjustment_id: int) -> BalanceAdjustment:
    async with staffed.tx() as s:
        return await actions.approve_adjustment(s, staffed.market.runtime.settings, actor_id=actor_id,
                                                adjustment_id=adjustment_id)  # fmt: skip


async def entries(staffed: Staffed) -> int:
    async with staffed.market.session_factory() as s:
        return int(await s.scalar(select(func.count()).where(LedgerEntry.kind == "adjustment")) or 0)


async def test_self_small_large_and_concurrent_approvals(staffed: Staffed) -> None:
    a1, a2 = staffed.admin1.id, staffed.admin2.id
    user = await staffed.person("Zaid")
    balance = AccountRef.user(user.id)

    # Never one's own balance, however small.
    with pytest.raises(DomainError) as own:
        await adjust(staffed, a1, a1, MICRO)
    assert own.value.code == "staff_self"
    assert await staffed.bal(AccountRef.user(a1)) == 0

    # Up to the limit (100 USDT, 1,000 TRX by default): at once.
    small = await adjust(staffed, a1, user.id, 100 * MICRO)
    assert small.status == "applied" and await staffed.bal(balance) == 100 * MICRO
    await adjust(staffed, a1, user.id, 1_000 * MICRO, Asset.TRX)
    assert await staffed.bal(balance, Asset.TRX) == 1_000 * MICRO

    # Above it: pending, nothing moved; the requester cannot approve it. The limit counts what the
    # admin adjusted alone within 24 hours: one more USDT now waits too.
    assert (await adjust(staffed, a1, user.id, -MICRO)).status == "pending"
    large = await adjust(staffed, a1, user.id, 5_000 * MICRO)
    assert large.status == "pending" and await staffed.bal(balance) == 100 * MICRO
    with pytest.raises(DomainError) as mine:
        await approve(staffed, a1, large.id)
    assert mine.value.code == "adjust_own_request"
    assert await staffed.bal(balance) == 100 * MICRO and await entries(staffed) == 2
    assert [m.payload["adjustment_id"] for m in await staffed.outbox(events.AdjustmentRequested)][-1] == large.id

    # The second admin approves, twice at once: one ledger entry; again later: counted once.
    platform = await staffed.bal(AccountRef.platform(Purpose.ADJUSTMENTS))
    done = await asyncio.gather(approve(staffed, a2, large.id), approve(staffed, a2, large.id))
    assert [d.status for d in done] == ["applied", "applied"]
    assert (await approve(staffed, a2, large.id)).decided_by == a2
    assert await staffed.bal(balance) == 5_100 * MICRO and await entries(staffed) == 3
    assert await staffed.bal(AccountRef.platform(Purpose.ADJUSTMENTS)) == platform - 5_000 * MICRO

    # Two different admins at once on a debit above the limit requested by a third: one entry.
    a3 = await staffed.person("Third")
    staffed.market.runtime.settings.admin_ids.append(a3.id)
    debit = await adjust(staffed, a3.id, user.id, -2_000 * MICRO)
    outcomes = await asyncio.gather(approve(staffed, a1, debit.id), approve(staffed, a2, debit.id),
                                    return_exceptions=True)  # fmt: skip
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and refused[0].code == "invalid_state"
    assert await staffed.bal(balance) == 3_100 * MICRO and await entries(staffed) == 4

    # Rejected: nothing moves, approving afterwards is refused.
    dropped = await adjust(staffed, a1, user.id, 200 * MICRO)
    async with staffed.tx() as s:
        await actions.reject_adjustment(s, staffed.market.runtime.settings, actor_id=a2, adjustment_id=dropped.id)
    with pytest.raises(DomainError):
        await approve(staffed, a2, dropped.id)
    assert await staffed.bal(balance) == 3_100 * MICRO and await entries(staffed) == 4

    async with staffed.market.session_factory() as s:
        trail = [(r.action, r.actor_id) for r in reversed(await audit.for_user(s, user.id))]
    assert trail == [
        ("user.adjust", a1), ("user.adjust", a1), ("user.adjust_request", a1), ("user.adjust_request", a1),
        ("user.adjust_approve", a2), ("user.adjust_request", a3.id), ("user.adjust_approve", trail[6][1]),
        ("user.adjust_request", a1),
        ("user.adjust_reject", a2),
    ]  # fmt: skip


async def test_large_adjustment_through_the_admin_bot_waits_for_the_second_admin(staffed: Staffed) -> None:
    m, first, second = staffed.market, staffed.admin1, staffed.admin2
    user = await staffed.person("Huda")
    balance = AccountRef.user(user.id)

    await first.send(m.admin_bot, f"/adjust {first.id} USDT +5 my own")
    own = await first.press(m.admin_bot, "Confirm", message=await first.wait_for(m.admin_bot, contains="Adjust the"))
    assert (await own.answer()).text == "You cannot do this to yourself."

    await first.send(m.admin_bot, f"/adjust @{user.username} USDT +500 Bank transfer credited by hand")
    await first.press(m.admin_bot, "Confirm", message=await first.wait_for(m.admin_bot, contains="+500 USDT"))
    await first.wait_for(m.admin_bot, contains="waits for a second admin's approval", edited=True)
    mine = forge_callback(m.tg, first, m.admin_bot, "adj:approve:1")  # the requester's own approval
    assert (await SimPress(m.tg, mine, None, None).answer()).text == \
        "You asked for this adjustment; another admin must approve it."
    assert await staffed.bal(balance) == 0

    # The second admin (reading Arabic) gets the request with Approve and Reject.
    asked = await second.wait_for(m.admin_bot, contains="بانتظار موافقة مدير ثانٍ")
    assert ["موافقة", "رفض"] in asked.buttons
    await second.press(m.admin_bot, "موافقة", message=asked)
    await second.wait_for(m.admin_bot, contains="تمت الموافقة على تصحيح الرصيد", edited=True)

    async def credited() -> bool:
        return await staffed.bal(balance) == 500 * MICRO

    await committed(credited)
    await user.wait_for(m.traders, contains="Bank transfer credited by hand")
    await first.wait_for(m.admin_bot, contains="Adjustment #1 was approved by")
    assert await entries(staffed) == 1
    await first.send(m.admin_bot, "/adjustments")
    await first.wait_for(m.admin_bot, contains="No adjustments wait for approval.")


async def test_the_limit_is_a_market_knob_kept_small(staffed: Staffed) -> None:
    a1, a2 = staffed.admin1.id, staffed.admin2.id
    user = await staffed.person("Rana")
    settings = staffed.market.runtime.settings
    async with staffed.tx() as s:
        await actions.set_rule(s, settings, actor_id=a2, name="adjust_limit_trx", value="0")
        with pytest.raises(DomainError) as too_big:  # one admin could otherwise lift it for themself
            await actions.set_rule(s, settings, actor_id=a1, name="adjust_limit_usdt", value="1001")
    assert too_big.value.code == "setting_invalid"
    assert (await adjust(staffed, a1, user.id, MICRO, Asset.TRX)).status == "pending"
    assert (await adjust(staffed, a1, user.id, 100 * MICRO)).status == "applied"
    assert await staffed.bal(AccountRef.user(user.id), Asset.TRX) == 0
