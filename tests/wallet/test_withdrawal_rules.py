"""Withdrawal requests: destinations, limits, whitelist, approvals and the ledger hold."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core import events
from core.db import transaction
from core.errors import DomainError, Forbidden, InsufficientFunds, InvalidState
from core.ledger import AccountRef, balance
from core.money import MICRO, Asset
from core.outbox import OutboxMessage
from core.wallet import withdrawals as wd
from core.wallet.addressbook import deposit_address
from core.wallet.addresses import InvalidAddress
from core.wallet.models import WalletPrefs, WhitelistEntry, Withdrawal, WithdrawalStatus
from tests.wallet.conftest import DEV_XPUB, USDT, available, fund

DEST = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"
KEY = "8d596057e510b14cbb9bf24f88803a6d6dbd138dd303a62b175b9e6cc0f3f941"


async def request(factory, config, uid, amount, asset=Asset.USDT, address=DEST):
    async with transaction(factory) as s:
        return await wd.request_withdrawal(
            s, config, user_id=uid, address=address, asset=asset, amount=amount
        )


async def withdrawals_of(factory, uid):
    async with factory() as s:
        return (await s.scalars(select(Withdrawal).where(Withdrawal.user_id == uid))).all()


async def test_quote_shows_fee_and_what_arrives(session_factory, make_user, config):
    uid = await make_user()
    async with session_factory() as s:
        with pytest.raises(InsufficientFunds) as info:
            await wd.quote(s, config, user_id=uid, address=DEST, asset=Asset.USDT, amount=50 * MICRO)
    assert info.value.params["needed"] == 52 * MICRO and info.value.params["available"] == 0
    await fund(session_factory, uid, Asset.USDT, 52 * MICRO)
    async with session_factory() as s:
        q = await wd.quote(s, config, user_id=uid, address=f" {DEST} ", asset=Asset.USDT, amount=50 * MICRO)
    assert (q.to_address, q.amount, q.fee, q.total) == (DEST, 50 * MICRO, 2 * MICRO, 52 * MICRO)
    assert q.approvals_needed == 0 and q.daily_left == q.daily_limit == 1_000 * MICRO


async def test_request_moves_amount_plus_fee_to_the_hold(session_factory, make_user, config):
    uid = await make_user()
    await fund(session_factory, uid, Asset.USDT, 100 * MICRO)
    w = await request(session_factory, config, uid, 50 * MICRO)
    assert w.status == WithdrawalStatus.APPROVED
    assert await available(session_factory, uid, Asset.USDT) == 48 * MICRO
    async with session_factory() as s:
        assert await balance(s, AccountRef.withdrawal_hold(w.id, uid), Asset.USDT) == 52 * MICRO
        kinds = (
            await s.scalars(select(OutboxMessage.kind).where(OutboxMessage.recipient == f"user:{uid}"))
        ).all()
    assert events.kind_of(events.WithdrawalRequested) in kinds


async def test_insufficient_funds_writes_nothing(session_factory, make_user, config):
    uid = await make_user()
    await fund(session_factory, uid, Asset.USDT, 51 * MICRO)
    with pytest.raises(InsufficientFunds):
        await request(session_factory, config, uid, 50 * MICRO)
    assert await withdrawals_of(session_factory, uid) == []
    assert await available(session_factory, uid, Asset.USDT) == 51 * MICRO


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "address_empty"),
        ("TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWX", "address_checksum"),
        ("0x52908400098527886E0F7030069857D2E4169EE7", "address_ethereum"),
        (KEY, "address_private_key"),
        (USDT, "address_contract"),
    ],
)
async def test_invalid_destinations_move_nothing(session_factory, make_user, config, text, code):
    uid = await make_user()
    await fund(session_factory, uid, Asset.USDT, 100 * MICRO)
    with pytest.raises(InvalidAddress) as info:
        await request(session_factory, config, uid, 10 * MICRO, address=text)
    assert info.value.code == code
    assert KEY not in str(info.value) and KEY not in str(info.value.params)
    assert await withdrawals_of(session_factory, uid) == []
    assert await available(session_factory, uid, Asset.USDT) == 100 * MICRO


async def test_own_deposit_address_is_refused(session_factory, make_user, config):
    uid, other = await make_user(), await make_user()
    await fund(session_factory, uid, Asset.USDT, 100 * MICRO)
    async with transaction(session_factory) as s:
        theirs = await deposit_address(s, other, DEV_XPUB)
    with pytest.raises(InvalidAddress) as info:
        await request(session_factory, config, uid, 10 * MICRO, address=theirs)
    assert info.value.code == "address_own"


async def test_minimum(session_factory, make_user, config):
    uid = await make_user()
    await fund(session_factory, uid, Asset.USDT, 100 * MICRO)
    with pytest.raises(DomainError) as info:
        await request(session_factory, config, uid, 4 * MICRO)
    assert info.value.code == "amount_too_small"


async def test_daily_limit_by_kyc_level(session_factory, make_user, config):
    uid = await make_user(kyc_level=0)
    await fund(session_factory, uid, Asset.USDT, 5_000 * MICRO)
    await request(session_factory, config, uid, 600 * MICRO)
    with pytest.raises(DomainError) as info:
        await request(session_factory, config, uid, 401 * MICRO)
    assert info.value.code == "daily_limit_exceeded" and info.value.params["left"] == 400 * MICRO
    await request(session_factory, config, uid, 400 * MICRO)
    # level 1 allows more
    rich = await make_user(kyc_level=1)
    await fund(session_factory, rich, Asset.USDT, 5_000 * MICRO)
    w = await request(session_factory, config, rich, 999 * MICRO)
    assert w.status == WithdrawalStatus.APPROVED
    await request(session_factory, config, rich, 999 * MICRO)  # 1,998 > level 0's 1,000


async def test_rejected_withdrawals_do_not_use_the_allowance(session_factory, make_user, config):
    uid = await make_user(kyc_level=2)
    await fund(session_factory, uid, Asset.USDT, 200_000 * MICRO)
    w = await request(session_factory, config, uid, 60_000 * MICRO)
    async with transaction(session_factory) as s:
        await wd.reject(s, w.id, admin_id=1, reason="suspicious")
    await request(session_factory, config, uid, 90_000 * MICRO)


async def test_whitelist_with_cooling_off(session_factory, make_user, config):
    uid = await make_user()
    await fund(session_factory, uid, Asset.USDT, 100 * MICRO)
    async with transaction(session_factory) as s:
        await wd.set_whitelist_only(s, config, uid, True)
    with pytest.raises(DomainError) as info:
        await request(session_factory, config, uid, 10 * MICRO)
    assert info.value.code == "address_not_whitelisted"
    async with transaction(session_factory) as s:
        entry = await wd.add_to_whitelist(s, config, uid, DEST)
    assert entry.usable_after > datetime.now(UTC) + timedelta(hours=23)
    with pytest.raises(DomainError) as info:
        await request(session_factory, config, uid, 10 * MICRO)
    assert info.value.code == "address_cooling_off"
    async with transaction(session_factory) as s:
        row = await s.get(WhitelistEntry, (uid, DEST))
        row.usable_after = datetime.now(UTC) - timedelta(seconds=1)
    w = await request(session_factory, config, uid, 10 * MICRO)
    assert w.status == WithdrawalStatus.APPROVED
    assert await available(session_factory, uid, Asset.USDT) == 88 * MICRO


async def test_one_approval_above_the_first_threshold(session_factory, make_user, config):
    uid = await make_user(kyc_level=1)
    await fund(session_factory, uid, Asset.USDT, 3_000 * MICRO)
    w = await request(session_factory, config, uid, 1_500 * MICRO)
    assert (w.status, w.approvals_needed) == (WithdrawalStatus.AWAITING_APPROVAL, 1)
    async with session_factory() as s:
        admins = await s.scalar(
            select(func.count()).where(
                OutboxMessage.recipient == "admins",
                OutboxMessage.kind == events.kind_of(events.WithdrawalApprovalNeeded),
                OutboxMessage.payload["withdrawal_id"].as_integer() == w.id,
            )
        )
    assert admins == 1
    with pytest.raises(Forbidden):
        async with transaction(session_factory) as s:
            await wd.approve(s, w.id, admin_id=uid)
    async with transaction(session_factory) as s:
        w = await wd.approve(s, w.id, admin_id=7)
    assert w.status == WithdrawalStatus.APPROVED
    with pytest.raises(InvalidState):
        async with transaction(session_factory) as s:
            await wd.approve(s, w.id, admin_id=8)


async def test_two_different_admins_above_the_second_threshold(session_factory, make_user, config):
    uid = await make_user(kyc_level=2)
    await fund(session_factory, uid, Asset.USDT, 20_000 * MICRO)
    w = await request(session_factory, config, uid, 15_000 * MICRO)
    assert w.approvals_needed == 2
    for _ in range(2):  # the same admin twice counts once
        async with transaction(session_factory) as s:
            w = await wd.approve(s, w.id, admin_id=7)
        assert w.status == WithdrawalStatus.AWAITING_APPROVAL
    async with transaction(session_factory) as s:
        w = await wd.approve(s, w.id, admin_id=8)
    assert w.status == WithdrawalStatus.APPROVED


async def test_reject_releases_the_hold(session_factory, make_user, config):
    uid = await make_user(kyc_level=1)
    await fund(session_factory, uid, Asset.USDT, 3_000 * MICRO)
    w = await request(session_factory, config, uid, 2_000 * MICRO)
    assert await available(session_factory, uid, Asset.USDT) == 998 * MICRO
    async with transaction(session_factory) as s:
        w = await wd.reject(s, w.id, admin_id=7, reason="KYC first")
    assert w.status == WithdrawalStatus.REJECTED
    assert await available(session_factory, uid, Asset.USDT) == 3_000 * MICRO
    async with session_factory() as s:
        assert await balance(s, AccountRef.withdrawal_hold(w.id, uid), Asset.USDT) == 0
    with pytest.raises(InvalidState):
        async with transaction(session_factory) as s:
            await wd.reject(s, w.id, admin_id=7, reason="again")
    assert await available(session_factory, uid, Asset.USDT) == 3_000 * MICRO


async def test_the_hot_wallet_itself_is_refused(session_factory, make_user, config):
    from dataclasses import replace

    uid = await make_user()
    await fund(session_factory, uid, Asset.USDT, 100 * MICRO)
    with pytest.raises(InvalidAddress) as info:
        await request(session_factory, replace(config, hot_address=DEST), uid, 10 * MICRO)
    assert info.value.code == "address_own"


async def test_turning_the_whitelist_off_waits_for_the_cooling_off(session_factory, make_user, config):
    uid = await make_user()
    await fund(session_factory, uid, Asset.USDT, 100 * MICRO)
    async with transaction(session_factory) as s:
        await wd.set_whitelist_only(s, config, uid, True)
    async with transaction(session_factory) as s:
        prefs = await wd.set_whitelist_only(s, config, uid, False)
    assert prefs.whitelist_off_at > datetime.now(UTC) + timedelta(hours=23)
    with pytest.raises(DomainError) as info:
        await request(session_factory, config, uid, 10 * MICRO)  # still enforced
    assert info.value.code == "address_not_whitelisted"
    async with transaction(session_factory) as s:
        prefs = await s.get(WalletPrefs, uid)
        prefs.whitelist_off_at = datetime.now(UTC) - timedelta(seconds=1)
    w = await request(session_factory, config, uid, 10 * MICRO)
    assert w.status == WithdrawalStatus.APPROVED


async def test_a_double_click_makes_one_withdrawal(session_factory, make_user, config):
    import asyncio

    uid = await make_user()
    await fund(session_factory, uid, Asset.USDT, 100 * MICRO)

    async def click():
        async with transaction(session_factory) as s:
            w = await wd.request_withdrawal(
                s,
                config,
                user_id=uid,
                address=DEST,
                asset=Asset.USDT,
                amount=30 * MICRO,
                client_key="confirm:42",
            )
            return w.id

    ids = await asyncio.gather(click(), click(), click())
    assert len(set(ids)) == 1
    assert len(await withdrawals_of(session_factory, uid)) == 1
    assert await available(session_factory, uid, Asset.USDT) == 68 * MICRO
    other = await request(session_factory, config, uid, 30 * MICRO)  # no key: a new withdrawal
    assert other.id not in ids


async def test_a_frozen_account_cannot_withdraw(session_factory, make_user, config):
    from core.users import User

    uid = await make_user()
    await fund(session_factory, uid, Asset.USDT, 100 * MICRO)
    async with transaction(session_factory) as s:
        (await s.get(User, uid)).is_banned = True
    with pytest.raises(DomainError) as info:
        await request(session_factory, config, uid, 10 * MICRO)
    assert info.value.code == "user_frozen"
    assert await withdrawals_of(session_factory, uid) == []


async def test_splitting_a_withdrawal_does_not_avoid_the_approvals(session_factory, make_user, config):
    uid = await make_user(kyc_level=2)
    await fund(session_factory, uid, Asset.USDT, 30_000 * MICRO)
    first = await request(session_factory, config, uid, 1_000 * MICRO)
    assert (first.status, first.approvals_needed) == (WithdrawalStatus.APPROVED, 0)
    second = await request(session_factory, config, uid, 1_000 * MICRO)  # 2,000 in 24 hours
    assert (second.status, second.approvals_needed) == (WithdrawalStatus.AWAITING_APPROVAL, 1)
    async with transaction(session_factory) as s:
        await wd.reject(s, second.id, admin_id=7, reason="split")  # rejected: no longer counted
    third = await request(session_factory, config, uid, 1_000 * MICRO)
    assert third.approvals_needed == 1  # 1,000 + 1,000
    for _ in range(7):
        await request(session_factory, config, uid, 1_000 * MICRO)
    last = await request(session_factory, config, uid, 1_000 * MICRO)  # 10,000: still one
    assert last.approvals_needed == 1
    over = await request(session_factory, config, uid, 5 * MICRO)  # 10,005
    assert over.approvals_needed == 2
    await fund(session_factory, uid, Asset.TRX, 100 * MICRO)
    trx = await request(session_factory, config, uid, 50 * MICRO, asset=Asset.TRX)  # counted per asset
    assert trx.approvals_needed == 0


async def test_two_requests_at_once_cannot_both_stay_under_the_approval_threshold(
    session_factory, make_user, config
):
    import asyncio

    uid = await make_user(kyc_level=1)
    await fund(session_factory, uid, Asset.USDT, 3_000 * MICRO)
    made = await asyncio.gather(*(request(session_factory, config, uid, 600 * MICRO) for _ in range(2)))
    assert sorted(w.approvals_needed for w in made) == [0, 1]  # 1,200 together > 1,000
    assert sorted(w.status for w in made) == sorted([WithdrawalStatus.APPROVED, WithdrawalStatus.AWAITING_APPROVAL])


async def test_the_first_step_needs_the_minimum_plus_the_fee(session_factory, make_user, config):
    """What the withdraw button checks before asking for an address, and the most an amount may be."""
    uid = await make_user()
    needed = config.min_withdrawal[Asset.USDT] + config.withdrawal_fee[Asset.USDT]
    await fund(session_factory, uid, Asset.USDT, needed - 1)
    async with session_factory() as s:
        start = await wd.start(s, config, user_id=uid, asset=Asset.USDT)
    assert (start.available, start.minimum, start.fee, start.possible) == (
        needed - 1, config.min_withdrawal[Asset.USDT], config.withdrawal_fee[Asset.USDT], False
    )
    await fund(session_factory, uid, Asset.USDT, 1)
    async with session_factory() as s:
        assert (await wd.start(s, config, user_id=uid, asset=Asset.USDT)).possible
    assert wd.most_withdrawable(config, Asset.USDT, needed) == config.min_withdrawal[Asset.USDT]
    assert wd.most_withdrawable(config, Asset.USDT, 1) == 0
