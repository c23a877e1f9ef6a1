"""Users (look up, freeze, unfreeze, adjust), market settings, reports and the audit trail,
through the admin bot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.admin import actions, audit
from core.errors import DomainError
from core.escrow import market as escrow_market
from core.escrow import offers, trades
from core.escrow.models import Side
from core.ledger import AccountRef, Purpose
from core.ledger.models import LedgerEntry
from core.money import MICRO, Asset, Fiat
from core.users import User
from sandbox.telegram.sandbox import SimPress
from tests.admin.conftest import Staffed, committed, forge_callback


async def test_freeze_unfreeze_and_adjust(staffed: Staffed) -> None:
    m, admin = staffed.market, staffed.admin1
    user = await staffed.person("Zaid")
    await staffed.fund(user.id, 50 * MICRO)
    w = await staffed.withdrawal(user, 2_000 * MICRO)

    await admin.send(m.admin_bot, f"/user @{user.username}")
    card = await admin.wait_for(m.admin_bot, contains="User")
    assert str(user.id) in card.text and "available 58 USDT" in card.text and "KYC level 2" in card.text

    # Freeze with a reason: the user is told, trading and approvals stop.
    await admin.press(m.admin_bot, "Freeze", message=card)
    await admin.wait_for(m.admin_bot, contains="Why freeze this account")
    await admin.send(m.admin_bot, "Chargeback reported by ZainCash")
    await admin.wait_for(m.admin_bot, contains="is frozen")
    told = await user.wait_for(m.traders, contains="Chargeback reported by ZainCash")
    assert "frozen" in told.text
    async with m.session_factory() as s:
        frozen = await s.get(User, user.id)
        assert frozen is not None and frozen.is_banned
    maker = await staffed.person("Maker")
    await staffed.fund(maker.id, 100 * MICRO)
    async with staffed.tx() as s:
        await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=Decimal(1310), actor_id=None)
        offer = await offers.publish_offer(s, maker_id=maker.id, draft=offers.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=50 * MICRO, price=Decimal(1310),
            min_fiat=Decimal(10000), max_fiat=Decimal(65500), payment_methods=("zaincash",)))  # fmt: skip
    with pytest.raises(DomainError):
        async with staffed.tx() as s:
            await trades.take(s, offer_id=offer.id, taker_id=user.id, fiat_amount=Decimal(13100),
                              payment_method="zaincash")  # fmt: skip
    with pytest.raises(DomainError) as refused:
        async with staffed.tx() as s:
            await actions.approve_withdrawal(s, m.runtime.settings, actor_id=admin.id, withdrawal_id=w.id)
    assert refused.value.code == "user_frozen"

    # Unfreeze with a reason.
    await admin.press(m.admin_bot, "Unfreeze")
    await admin.wait_for(m.admin_bot, contains="Why unfreeze this account")
    await admin.send(m.admin_bot, "Bank confirmed the payment")
    await admin.wait_for(m.admin_bot, contains="is active again")
    await user.wait_for(m.traders, contains="Bank confirmed the payment")

    # Adjust: a ledger entry of kind "adjustment" with its reason; Confirm pressed twice moves once.
    before = await staffed.bal(AccountRef.user(user.id))
    platform_before = await staffed.bal(AccountRef.platform(Purpose.ADJUSTMENTS))
    await admin.send(m.admin_bot, f"/adjust @{user.username} USDT +12.5 Deposit credited by hand, tx 9f3a")
    confirm = await admin.wait_for(m.admin_bot, contains="Adjust the balance")
    assert "+12.5 USDT" in confirm.text
    await admin.press(m.admin_bot, "Confirm", message=confirm)
    await admin.wait_for(m.admin_bot, contains="The balance was adjusted", edited=True)
    again = forge_callback(m.tg, admin, m.admin_bot, f"usr:confirm_adjust:{user.id}")  # a late second tap
    assert (await SimPress(m.tg, again, None, None).answer()).text

    async def credited() -> bool:
        return await staffed.bal(AccountRef.user(user.id)) == before + 12_500_000

    await committed(credited)
    assert await staffed.bal(AccountRef.platform(Purpose.ADJUSTMENTS)) == platform_before - 12_500_000
    async with m.session_factory() as s:
        entries = (await s.execute(select(LedgerEntry).where(LedgerEntry.kind == "adjustment"))).scalars().all()
        trail = await audit.for_user(s, user.id)
    assert len(entries) == 1
    assert [r.action for r in reversed(trail)] == ["user.freeze", "user.unfreeze", "user.adjust"]
    assert trail[0].reason == "Deposit credited by hand, tx 9f3a" and trail[0].data["amount"] == 12_500_000
    await user.wait_for(m.traders, contains="Deposit credited by hand")

    # A reason is mandatory, in core.
    with pytest.raises(DomainError) as no_reason:
        async with staffed.tx() as s:
            await actions.adjust_balance(s, m.runtime.settings, actor_id=admin.id, user_id=user.id,
                                         asset=Asset.USDT, amount=-MICRO, reason="  ", request_key="x")  # fmt: skip
    assert no_reason.value.code == "reason_required"

    # The trail, per user and per admin.
    await admin.send(m.admin_bot, f"/audit user @{user.username}")
    listed = await admin.wait_for(m.admin_bot, contains="user.adjust")
    assert "Chargeback reported by ZainCash" in listed.text
    await admin.send(m.admin_bot, f"/audit staff @{admin.username}")
    await admin.wait_for(m.admin_bot, contains="user.freeze")


async def test_market_settings_reports_and_moderators(staffed: Staffed) -> None:
    m, admin = staffed.market, staffed.admin1
    mod = await staffed.person("Nour")

    await admin.send(m.admin_bot, "/rate USDT IQD 1,325")
    await admin.wait_for(m.admin_bot, contains="in force at once")
    post = await m.tg.wait_for_post(m.payments_channel, contains="سعر مرجعي جديد")  # the channel reads Arabic
    assert "١٬٣٢٥ د.ع" in post.text
    await admin.send(m.admin_bot, "/set maker_fee_pct 0.25")
    await admin.wait_for(m.admin_bot, contains="maker_fee_pct is now 0.25")
    await m.tg.wait_for_post(m.payments_channel, contains="٠٫٢٥٪")
    async with m.session_factory() as s:
        assert await escrow_market.get_reference_rate(s, Asset.USDT, Fiat.IQD) == Decimal(1325)
        assert (await escrow_market.rules(s)).maker_fee_pct == Decimal("0.25")
        trail = await audit.by_staff(s, admin.id)
    assert {r.action for r in trail} >= {"market.rate", "market.rule"}
    await admin.send(m.admin_bot, "/set maker_fee_pct 50")
    await admin.wait_for(m.admin_bot, contains="is not a valid value")

    await admin.send(m.admin_bot, "/stats")
    stats = await admin.wait_for(m.admin_bot, contains="The market")
    assert "Users:" in stats.text and "Withdrawals waiting for approval: 0" in stats.text
    await admin.send(m.admin_bot, "/reconcile")
    books = await admin.wait_for(m.admin_bot, contains="Ledger audit")
    assert "Ledger audit: OK" in books.text and "❌" not in books.text
    assert "USDT: hot 50,000 USDT · owed to users" in books.text  # the local node's funded hot wallet

    await admin.send(m.admin_bot, f"/mods add @{mod.username}")
    await admin.wait_for(m.admin_bot, contains="is now a moderator")
    await mod.send(m.admin_bot, "/mods remove @" + (admin.username or ""))
    await mod.wait_for(m.admin_bot, contains="Only admins can do this")
    await admin.send(m.admin_bot, f"/mods remove @{mod.username}")
    await admin.wait_for(m.admin_bot, contains="is no longer a moderator")
    await mod.send(m.admin_bot, "/disputes")
    await mod.wait_for(m.admin_bot, contains="only for the KOXX P2P team")
