"""Withdrawals waiting for approval: two different admins above the two-admin threshold, one
admin pressing twice counts once, a rejection gives the hold back."""

from __future__ import annotations

from sqlalchemy import func, select

from core.admin import audit
from core.ledger import AccountRef
from core.money import MICRO
from core.wallet.models import Withdrawal, WithdrawalApproval, WithdrawalStatus
from tests.admin.conftest import Staffed, committed


async def _state(staffed: Staffed, withdrawal_id: int) -> tuple[str, int]:
    async with staffed.market.session_factory() as s:
        w = await s.get(Withdrawal, withdrawal_id)
        assert w is not None
        count = await s.scalar(
            select(func.count()).select_from(WithdrawalApproval).where(WithdrawalApproval.withdrawal_id == w.id)
        )
        return w.status, int(count or 0)


async def test_two_admins_approve_and_one_admin_twice_counts_once(staffed: Staffed) -> None:
    m, a1, a2 = staffed.market, staffed.admin1, staffed.admin2
    user = await staffed.person("Wael")
    w = await staffed.withdrawal(user, 12_000 * MICRO)  # above the two-admin threshold (10,000 USDT)
    assert (w.status, w.approvals_needed) == (WithdrawalStatus.AWAITING_APPROVAL, 2)

    # Every admin is told; the push opens the case with the facts.
    push = await a1.wait_for(m.admin_bot, contains=f"Withdrawal #{w.id}")
    await a1.press(m.admin_bot, "Open", message=push)
    case = await a1.wait_for(m.admin_bot, contains="Approvals: 0 of 2")
    for fact in ("12,000 USDT", w.to_address, "KYC level 2", "never used before", "available"):
        assert fact in case.text, fact

    first = await (await a1.press(m.admin_bot, "Approve", message=case)).answer()
    assert "another admin must approve" in first.text
    again = await (await a1.press(m.admin_bot, "Approve", message=case)).answer()
    assert "another admin must approve" in again.text
    assert await _state(staffed, w.id) == (WithdrawalStatus.AWAITING_APPROVAL, 1)

    await a2.send(m.admin_bot, "/withdrawals")  # Basim reads Arabic
    await a2.wait_for(m.admin_bot, contains="السحوبات بانتظار الموافقة")
    await a2.press(m.admin_bot, f"#{w.id}")
    case2 = await a2.wait_for(m.admin_bot, contains=f"السحب #{w.id}")
    assert "الموافقات: ١ من ٢" in case2.text and "بانتظار الموافقة" in case2.text
    done = await (await a2.press(m.admin_bot, "موافقة", message=case2)).answer()
    assert done.text

    async def approved() -> bool:
        return (await _state(staffed, w.id))[0] == WithdrawalStatus.APPROVED

    await committed(approved)
    async with m.session_factory() as s:
        approvals = await audit.for_user(s, user.id)
    assert (await _state(staffed, w.id))[1] == 2
    assert sorted(r.actor_id for r in approvals if r.action == "withdrawal.approve") == sorted([a1.id, a2.id])

    # The wallet's send job takes it from here: it reaches the local TRON node.
    node = m.runtime.tron_node.node

    async def arrived() -> bool:
        node.mine(5)
        return (await _state(staffed, w.id))[0] == WithdrawalStatus.SENT

    await committed(arrived, timeout=30)
    assert node.usdt_balance(w.to_address) == 12_000 * MICRO


async def test_rejection_releases_the_hold(staffed: Staffed) -> None:
    m, a1 = staffed.market, staffed.admin1
    user = await staffed.person("Rana")
    w = await staffed.withdrawal(user, 2_000 * MICRO)  # one approval needed
    available = await staffed.bal(AccountRef.user(user.id))
    assert await staffed.bal(AccountRef.withdrawal_hold(w.id, user.id)) == w.amount + w.fee

    await a1.send(m.admin_bot, "/withdrawals")
    await a1.wait_for(m.admin_bot, contains="Withdrawals waiting for approval")
    await a1.press(m.admin_bot, f"#{w.id}")
    case = await a1.wait_for(m.admin_bot, contains=f"Withdrawal #{w.id}")
    # Reject pressed, then the admin does something else: the next text is not taken as the reason.
    await a1.press(m.admin_bot, "Reject", message=case)
    await a1.wait_for(m.admin_bot, contains="Why is withdrawal")
    await a1.send(m.admin_bot, "/stats")
    await a1.wait_for(m.admin_bot, contains="The market")
    await a1.send(m.admin_bot, "thanks")
    await a1.send(m.admin_bot, "/withdrawals")
    await a1.wait_for(m.admin_bot, match=lambda msg: any(f"#{w.id}" in b for row in msg.buttons for b in row))

    await a1.press(m.admin_bot, "Reject", message=case)
    await a1.wait_for(m.admin_bot, contains="Why is withdrawal")
    await a1.send(m.admin_bot, "Destination looks like a scam address")
    await a1.wait_for(m.admin_bot, contains=f"Withdrawal #{w.id} rejected")

    async def rejected() -> bool:
        return (await _state(staffed, w.id))[0] == WithdrawalStatus.REJECTED

    await committed(rejected)
    assert await staffed.bal(AccountRef.withdrawal_hold(w.id, user.id)) == 0
    assert await staffed.bal(AccountRef.user(user.id)) == available + w.amount + w.fee
    async with m.session_factory() as s:
        rows = await audit.by_staff(s, a1.id)
    assert any(r.action == "withdrawal.reject" and r.reason == "Destination looks like a scam address" for r in rows)
