"""Withdrawals waiting for approval: two different admins above the two-admin threshold, one
admin pressing twice counts once, a rejection gives the hold back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import func, select

from core.accounts import second_factor
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


async def enrolled(staffed: Staffed, admin_id: int) -> str:
    """The admin's second factor switched on (through core, as /security in the traders' bot
    does); returns its secret. The code of the enrolment is of a step a minute ago, so the
    current code is still unused."""
    key = second_factor.service_key(staffed.market.runtime.settings)
    earlier = datetime.now(UTC) - timedelta(minutes=1)
    async with staffed.tx() as s:
        enrolment = await second_factor.begin(s, key, admin_id, str(admin_id), now=earlier)
    async with staffed.tx() as s:
        await second_factor.confirm(s, key, admin_id, pyotp.TOTP(enrolment.secret).at(earlier), now=earlier)
    return enrolment.secret


async def test_two_admins_approve_with_their_own_codes_and_one_admin_twice_counts_once(staffed: Staffed) -> None:
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

    # Without a second factor the admin is told to turn it on; nothing is recorded.
    refused = await (await a1.press(m.admin_bot, "Approve", message=case)).answer()
    assert "Turn your second factor on first" in refused.text
    assert await _state(staffed, w.id) == (WithdrawalStatus.AWAITING_APPROVAL, 0)

    # Amira turns hers on in the admin bot: a QR code, then the first code.
    await a1.send(m.admin_bot, "/security")
    await a1.wait_for(m.admin_bot, contains="Your second factor is off")
    await a1.press(m.admin_bot, "🔐 Turn on the second factor")
    qr = await a1.wait_for(m.admin_bot, match=lambda msg: msg.photo is not None)
    [secret1] = re.findall(r"<code>([A-Z2-7]{32})</code>", qr.html)
    await a1.send(m.admin_bot, pyotp.TOTP(secret1).at(datetime.now(UTC) - timedelta(seconds=30)))
    await a1.wait_for(m.admin_bot, contains="The second factor is on")
    await a1.press(m.admin_bot, "Approve", message=case)
    await a1.wait_for(m.admin_bot, contains="Send your 6-digit one-time code")
    right = pyotp.TOTP(secret1).now()
    await a1.send(m.admin_bot, "000000" if right != "000000" else "111111")
    await a1.wait_for(m.admin_bot, contains="That code is not right")
    assert await _state(staffed, w.id) == (WithdrawalStatus.AWAITING_APPROVAL, 0)
    await a1.send(m.admin_bot, right)
    await a1.wait_for(m.admin_bot, contains="another admin must approve")
    again = await (await a1.press(m.admin_bot, "Approve", message=case)).answer()
    assert "another admin must approve" in again.text
    assert await _state(staffed, w.id) == (WithdrawalStatus.AWAITING_APPROVAL, 1)

    secret2 = await enrolled(staffed, a2.id)
    await a2.send(m.admin_bot, "/withdrawals")  # Basim reads Arabic
    await a2.wait_for(m.admin_bot, contains="السحوبات بانتظار الموافقة")
    await a2.press(m.admin_bot, f"#{w.id}")
    case2 = await a2.wait_for(m.admin_bot, contains=f"السحب #{w.id}")
    assert "الموافقات: ١ من ٢" in case2.text and "بانتظار الموافقة" in case2.text
    await a2.press(m.admin_bot, "موافقة", message=case2)
    await a2.wait_for(m.admin_bot, contains="أرسل رمزك المؤقت")
    await a2.send(m.admin_bot, pyotp.TOTP(secret2).now().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))

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
