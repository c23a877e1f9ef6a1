"""`python -m core.wallet reconcile`: the ledger, the wallet's records and the chain agree after
real deposits and withdrawals, and each kind of disagreement is reported."""

from __future__ import annotations

import dataclasses
import time

from sqlalchemy import update

from core.db import transaction
from core.ledger import AccountRef, Purpose, transfer
from core.money import MICRO, Asset
from core.wallet import withdrawals as wd
from core.wallet.addressbook import deposit_address
from core.wallet.models import ScannerCursor, Withdrawal, WithdrawalStatus
from core.wallet.reconcile import Report, reconcile
from core.wallet.scanner import Scanner
from core.wallet.sender import Signer, WithdrawalSender
from tests.wallet.conftest import DEV_XPUB, create_user

HOT_KEY = "6d" * 32
DEST = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"


async def _check(factory, node, config) -> Report:
    async with factory() as s, s.begin():
        return await reconcile(s, node, config)


async def _market(tron, node, factory, config):
    """Two users with real deposits (USDT and TRX), one withdrawal sent, one dust deposit, and
    the hot wallet's sweep-like gas transfer to a deposit address."""
    hot = Signer.from_hex(HOT_KEY)
    config = dataclasses.replace(config, hot_address=hot.address, confirmations=3)
    tron.node.fund(hot.address, trx_sun=5_000 * MICRO, usdt=10_000 * MICRO)
    scanner = Scanner(node, dataclasses.replace(config, start_block=tron.node.head_number))
    alice, bob = await create_user(factory, kyc_level=1), await create_user(factory, kyc_level=1)
    async with transaction(factory) as s:
        a_addr = await deposit_address(s, alice, DEV_XPUB)
        b_addr = await deposit_address(s, bob, DEV_XPUB)
    tron.node.send_usdt("outside", a_addr, 150 * MICRO)
    tron.node.send_trx("outside", b_addr, 80 * MICRO)
    tron.node.send_usdt("outside", b_addr, 500_000)  # dust
    tron.node.send_trx(HOT_KEY, a_addr, 7 * MICRO)  # gas, not a deposit
    tron.node.mine(5)
    await scanner.run_until_caught_up(factory)
    async with transaction(factory) as s:
        w = await wd.request_withdrawal(s, config, user_id=alice, address=DEST, asset=Asset.USDT, amount=40 * MICRO)
    sender = WithdrawalSender(node, config, hot)
    await sender.run_once(factory)
    tron.node.mine(5)
    await sender.run_once(factory)
    async with factory() as s:
        assert (await s.get(Withdrawal, w.id)).status == WithdrawalStatus.SENT
    return config, alice, w.id, a_addr


async def test_real_deposits_and_withdrawals_reconcile(tron, node, fresh_factory, config):
    config, *_ = await _market(tron, node, fresh_factory, config)
    report = await _check(fresh_factory, node, config)
    assert report.ok, report.lines()
    usdt = next(a for a in report.assets if a.asset == Asset.USDT)
    assert (usdt.deposits_credited, usdt.withdrawals_sent, usdt.owed) == (150 * MICRO, 40 * MICRO, 110 * MICRO)
    assert report.counts["deposits credited"] == 2, "\n".join(report.lines())
    assert report.counts["deposits dust"] == 1
    assert report.counts["withdrawals on chain"] == 1
    assert "reconcile: OK" in report.lines()[-1]


async def test_a_refunded_withdrawal_that_reached_the_chain_is_reported(tron, node, fresh_factory, config):
    config, _alice, wid, _ = await _market(tron, node, fresh_factory, config)
    async with transaction(fresh_factory) as s:  # a sent withdrawal recorded as failed
        await s.execute(update(Withdrawal).where(Withdrawal.id == wid).values(status=WithdrawalStatus.FAILED))
    report = await _check(fresh_factory, node, config)
    assert not report.ok
    text = "\n".join(report.mismatches)
    assert f"withdrawal {wid} is failed (its hold refunded) but" in text


async def test_money_credited_without_a_deposit_is_reported(tron, node, fresh_factory, config):
    config, alice, _, _ = await _market(tron, node, fresh_factory, config)
    async with transaction(fresh_factory) as s:
        await transfer(s, kind="deposit", key="deposit:forged:0", src=AccountRef.platform(Purpose.DEPOSITS),
                       dst=AccountRef.user(alice), asset=Asset.USDT, amount=5 * MICRO, ref="forged")
    report = await _check(fresh_factory, node, config)
    text = "\n".join(report.mismatches)
    assert "USDT: platform DEPOSITS is -155.000000 but credited deposits sum to 150.000000" in text
    assert "ledger entry deposit:forged:0 credits a deposit that is not recorded as credited" in text
    assert "the ledger owes 115.000000 but deposits - withdrawals + adjustments = 110.000000" in text


async def test_an_unrecorded_transfer_and_a_second_send_are_reported(tron, node, fresh_factory, config):
    config, _alice, _wid, a_addr = await _market(tron, node, fresh_factory, config)
    tron.node.mine(1)
    missed = tron.node.send_usdt("outside", a_addr, 9 * MICRO)
    again = tron.node.send_usdt(HOT_KEY, DEST, 40 * MICRO)  # the same withdrawal, sent a second time
    tron.node.mine(5)
    async with transaction(fresh_factory) as s:  # the scanner moved past the block without seeing it
        (await s.get(ScannerCursor, "deposits")).next_block = tron.node.head_number + 1
    report = await _check(fresh_factory, node, config)
    text = "\n".join(report.mismatches)
    assert f"USDT transfer {missed}:0 of 9.000000 to deposit address {a_addr}" in text
    assert f"to withdrawal destination {DEST} in {again}" in text


async def test_a_lagging_backend_never_gets_a_sent_withdrawal_refunded(tron, node, fresh_factory, config):
    config, alice, _, _ = await _market(tron, node, fresh_factory, config)
    hot = Signer.from_hex(HOT_KEY)
    async with transaction(fresh_factory) as s:
        w = await wd.request_withdrawal(s, config, user_id=alice, address=DEST, asset=Asset.USDT, amount=20 * MICRO)
    now = [time.time() * 1000]
    sender = WithdrawalSender(node, config, hot, clock=lambda: int(now[0]))
    await sender.run_once(fresh_factory)  # signed and broadcast
    tron.node.set_view_lag(3)  # the backend the sender reads is 3 blocks behind
    tron.node.mine(3)  # the transfer is in a block that backend does not show yet
    now[0] += 120_000  # past the transaction's expiration and the margin
    await sender.run_once(fresh_factory)
    tron.node.set_view_lag(0)
    tron.node.mine(5)
    await sender.run_once(fresh_factory)
    async with fresh_factory() as s:
        assert (await s.get(Withdrawal, w.id)).status == WithdrawalStatus.SENT
    report = await _check(fresh_factory, node, config)
    assert report.ok, report.lines()
