"""Withdrawals reaching the local node: signed by the hot wallet, followed to a final block,
and never sent twice whatever crashes in between."""

import time

import pytest
from sqlalchemy import select

from core import events
from core.db import transaction
from core.ledger import AccountRef, Purpose, balance
from core.money import MICRO, Asset
from core.wallet import withdrawals as wd
from core.wallet.models import Withdrawal, WithdrawalStatus
from core.wallet.sender import Signer, WithdrawalSender
from tests.wallet.conftest import available, create_user, fund, outbox_rows

HOT_KEY = "5c" * 32
DEST = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"


class Crash(Exception):
    pass


@pytest.fixture
def hot(tron):
    signer = Signer.from_hex(HOT_KEY)
    tron.node.fund(signer.address, trx_sun=5_000 * MICRO, usdt=10_000 * MICRO)
    return signer


async def withdraw(factory, config, asset, amount, funds):
    uid = await create_user(factory, kyc_level=1)
    await fund(factory, uid, asset, funds)
    async with transaction(factory) as s:
        w = await wd.request_withdrawal(s, config, user_id=uid, address=DEST, asset=asset, amount=amount)
    return uid, w.id


async def state(factory, wid):
    async with factory() as s:
        return await s.get(Withdrawal, wid)


def arrivals(tron, since=0):
    return [t for t in tron.node.transactions(DEST, since_block=since) if t["to"] == DEST]


async def test_usdt_withdrawal_reaches_the_recipient_signed_by_the_hot_wallet(
    tron, node, hot, fresh_factory, config
):
    f = fresh_factory
    before = len(arrivals(tron))
    uid, wid = await withdraw(f, config, Asset.USDT, 40 * MICRO, 100 * MICRO)
    sender = WithdrawalSender(node, config, hot)
    result = await sender.run_once(f)
    assert wid in result.signed and wid in result.broadcast
    w = await state(f, wid)
    assert w.status == WithdrawalStatus.BROADCAST and w.txid and w.signed_tx["txID"] == w.txid
    tron.node.mine(1)
    await sender.run_once(f)
    assert (await state(f, wid)).status == WithdrawalStatus.BROADCAST  # in a block, not final
    tron.node.mine(20)
    result = await sender.run_once(f)
    assert wid in result.sent
    w = await state(f, wid)
    assert w.status == WithdrawalStatus.SENT and w.network_cost_sun > 0
    [tx] = arrivals(tron)[before:]
    assert (tx["txid"], tx["owner"], tx["asset"], tx["amount"], tx["result"]) == (
        w.txid,
        hot.address,
        "USDT",
        40 * MICRO,
        "SUCCESS",
    )
    assert tron.node.usdt_balance(DEST) >= 40 * MICRO
    assert await available(f, uid, Asset.USDT) == 58 * MICRO
    async with f() as s:
        assert await balance(s, AccountRef.withdrawal_hold(wid, uid), Asset.USDT) == 0
    sent = [m for m in await outbox_rows(f, events.WithdrawalSent) if m.payload["withdrawal_id"] == wid]
    assert sorted(m.recipient for m in sent) == ["channel:payments", f"user:{uid}"]
    # more runs change nothing
    tron.node.mine(3)
    await sender.run_once(f)
    assert len(arrivals(tron)[before:]) == 1


async def test_trx_withdrawal_and_where_the_fee_goes(tron, node, hot, fresh_factory, config):
    f = fresh_factory
    async with f() as s:
        fees_before = await balance(s, AccountRef.platform(Purpose.NETWORK_FEES), Asset.TRX)
        out_before = await balance(s, AccountRef.platform(Purpose.WITHDRAWALS), Asset.TRX)
    uid, wid = await withdraw(f, config, Asset.TRX, 100 * MICRO, 200 * MICRO)
    sender = WithdrawalSender(node, config, hot)
    await sender.run_once(f)
    tron.node.mine(21)
    await sender.run_once(f)
    w = await state(f, wid)
    assert w.status == WithdrawalStatus.SENT
    assert [t["amount"] for t in arrivals(tron) if t["txid"] == w.txid] == [100 * MICRO]
    async with f() as s:
        assert await balance(s, AccountRef.platform(Purpose.NETWORK_FEES), Asset.TRX) - fees_before == w.fee
        assert (
            await balance(s, AccountRef.platform(Purpose.WITHDRAWALS), Asset.TRX) - out_before == 100 * MICRO
        )
    assert await available(f, uid, Asset.TRX) == 200 * MICRO - 100 * MICRO - w.fee


async def test_a_broadcast_rejected_by_the_node_releases_the_hold(tron, node, fresh_factory, config):
    f = fresh_factory
    poor = Signer.from_hex("7a" * 32)
    tron.node.fund(poor.address, trx_sun=2 * MICRO)  # cannot pay 50 TRX
    uid, wid = await withdraw(f, config, Asset.TRX, 50 * MICRO, 60 * MICRO)
    result = await WithdrawalSender(node, config, poor).run_once(f)
    assert wid in result.failed
    w = await state(f, wid)
    assert w.status == WithdrawalStatus.FAILED and "CONTRACT_VALIDATE_ERROR" in w.error
    assert await available(f, uid, Asset.TRX) == 60 * MICRO
    async with f() as s:
        assert await balance(s, AccountRef.withdrawal_hold(wid, uid), Asset.TRX) == 0
    assert [m.payload["withdrawal_id"] for m in await outbox_rows(f, events.WithdrawalFailed)].count(wid) == 1
    assert not [t for t in tron.node.transactions(poor.address) if t["to"] == DEST]


async def test_a_transfer_that_fails_on_chain_releases_the_hold(tron, node, fresh_factory, config):
    f = fresh_factory
    empty = Signer.from_hex("3e" * 32)
    tron.node.fund(empty.address, trx_sun=500 * MICRO)  # TRX for fees, no USDT: the transfer reverts
    uid, wid = await withdraw(f, config, Asset.USDT, 20 * MICRO, 30 * MICRO)
    sender = WithdrawalSender(node, config, empty)
    await sender.run_once(f)
    tron.node.mine(21)
    result = await sender.run_once(f)
    assert wid in result.failed
    w = await state(f, wid)
    assert w.status == WithdrawalStatus.FAILED and "REVERT" in w.error
    assert await available(f, uid, Asset.USDT) == 30 * MICRO


async def test_a_crash_after_broadcast_does_not_send_twice(tron, node, hot, fresh_factory, config):
    f = fresh_factory
    before = len(arrivals(tron))
    uid, wid = await withdraw(f, config, Asset.USDT, 15 * MICRO, 50 * MICRO)

    class CrashesAfterBroadcast(WithdrawalSender):
        async def _after_broadcast(self, *args, **kwargs):
            raise Crash

    with pytest.raises(Crash):
        await CrashesAfterBroadcast(node, config, hot).run_once(f)
    w = await state(f, wid)
    assert w.status == WithdrawalStatus.SIGNED and w.txid  # stored before the broadcast
    txid = w.txid

    restarted = WithdrawalSender(node, config, hot)
    await restarted.run_once(f)  # finds it in the pool: nothing new is signed
    tron.node.mine(1)
    await restarted.run_once(f)
    tron.node.mine(20)
    await restarted.run_once(f)
    w = await state(f, wid)
    assert (w.status, w.txid) == (WithdrawalStatus.SENT, txid)
    assert [t["txid"] for t in arrivals(tron)[before:]] == [txid]
    assert await available(f, uid, Asset.USDT) == 33 * MICRO


async def test_a_crash_before_broadcast_resends_the_same_signed_transaction(
    tron, node, hot, fresh_factory, config, monkeypatch
):
    f = fresh_factory
    before = len(arrivals(tron))
    _, wid = await withdraw(f, config, Asset.TRX, 12 * MICRO, 20 * MICRO)

    async def no_broadcast(*args):
        raise Crash

    monkeypatch.setattr("core.wallet.sender.broadcast", no_broadcast)
    with pytest.raises(Crash):
        await WithdrawalSender(node, config, hot).run_once(f)
    monkeypatch.undo()
    txid = (await state(f, wid)).txid
    assert txid and await node.tx(txid) == {}  # signed and stored, never seen by the node

    sender = WithdrawalSender(node, config, hot)
    await sender.run_once(f)  # unknown to the node, not expired: the same bytes again
    assert (await state(f, wid)).status == WithdrawalStatus.BROADCAST
    tron.node.mine(21)
    await sender.run_once(f)
    w = await state(f, wid)
    assert (w.status, w.txid) == (WithdrawalStatus.SENT, txid)
    assert [t["txid"] for t in arrivals(tron)[before:]] == [txid]


async def test_signed_never_broadcast_and_expired_definitely_failed(
    tron, node, hot, fresh_factory, config, monkeypatch
):
    f = fresh_factory
    before = len(arrivals(tron))
    uid, wid = await withdraw(f, config, Asset.TRX, 12 * MICRO, 20 * MICRO)

    async def no_broadcast(*args):
        raise Crash

    monkeypatch.setattr("core.wallet.sender.broadcast", no_broadcast)
    with pytest.raises(Crash):
        await WithdrawalSender(node, config, hot).run_once(f)
    monkeypatch.undo()
    later = WithdrawalSender(node, config, hot, clock=lambda: int(time.time() * 1000) + 10 * 60_000)
    result = await later.run_once(f)  # past its expiration by our clock, not yet by the chain's
    assert result.failed == [] and (await state(f, wid)).status == WithdrawalStatus.SIGNED
    mine_past(tron, (await state(f, wid)).expires_at_ms)
    result = await later.run_once(f)
    assert wid in result.failed
    assert (await state(f, wid)).status == WithdrawalStatus.FAILED
    assert await available(f, uid, Asset.TRX) == 20 * MICRO
    tron.node.mine(2)
    assert arrivals(tron)[before:] == []


async def test_awaiting_approval_is_not_sent_until_approved(tron, node, hot, fresh_factory, config):
    f = fresh_factory
    uid, wid = await withdraw(f, config, Asset.USDT, 1_500 * MICRO, 2_000 * MICRO)
    sender = WithdrawalSender(node, config, hot)
    await sender.run_once(f)
    assert (await state(f, wid)).status == WithdrawalStatus.AWAITING_APPROVAL
    async with transaction(f) as s:
        await wd.approve(s, wid, admin_id=99)
    await sender.run_once(f)
    tron.node.mine(21)
    await sender.run_once(f)
    assert (await state(f, wid)).status == WithdrawalStatus.SENT
    async with f() as s:
        rows = (await s.scalars(select(Withdrawal).where(Withdrawal.user_id == uid))).all()
    assert len(rows) == 1


async def test_two_senders_at_once_sign_and_send_once(tron, node, hot, fresh_factory, config):
    import asyncio

    f = fresh_factory
    before = len(arrivals(tron))
    uid, wid = await withdraw(f, config, Asset.TRX, 25 * MICRO, 40 * MICRO)
    senders = [WithdrawalSender(node, config, hot) for _ in range(3)]
    results = await asyncio.gather(*(s.run_once(f) for s in senders))
    assert sum(r.signed.count(wid) for r in results) == 1
    tron.node.mine(21)
    await asyncio.gather(*(s.run_once(f) for s in senders))
    w = await state(f, wid)
    assert w.status == WithdrawalStatus.SENT
    assert [t["txid"] for t in arrivals(tron)[before:]] == [w.txid]
    assert await available(f, uid, Asset.TRX) == 40 * MICRO - 25 * MICRO - w.fee


async def test_an_account_frozen_after_approval_is_not_sent(tron, node, hot, fresh_factory, config):
    from core.users import User

    f = fresh_factory
    uid, wid = await withdraw(f, config, Asset.TRX, 25 * MICRO, 40 * MICRO)
    async with transaction(f) as s:
        (await s.get(User, uid)).is_banned = True
    sender = WithdrawalSender(node, config, hot)
    await sender.run_once(f)
    assert (await state(f, wid)).status == WithdrawalStatus.APPROVED and arrivals(tron) == []
    async with transaction(f) as s:
        (await s.get(User, uid)).is_banned = False
    assert wid in (await sender.run_once(f)).signed


class Clock:
    """The sender's clock: real time plus an offset a test moves forward."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def __call__(self) -> int:
        return int(time.time() * 1000) + self.offset_ms


def mine_past(tron, expires_ms):
    """Blocks until the node's last solidified block is later than ``expires_ms``: from then on
    no block can take a transaction that expires at ``expires_ms``."""
    while tron.node.chain.solid_block.timestamp <= expires_ms:
        tron.node.mine(1)


def rebroadcasts_rejected(tron, monkeypatch, code="TAPOS_ERROR"):
    """The node answers every broadcast with ``code``, as a lagging node behind the same URL
    answers TAPOS_ERROR for a reference block it does not have yet."""
    from sandbox.tron.chain import Reject

    def reject(body):
        raise Reject(code, "Tapos check error")

    monkeypatch.setattr(tron.node.chain, "broadcast", reject)


async def test_a_rejected_rebroadcast_never_refunds_a_transaction_still_pending(
    tron, node, hot, fresh_factory, config, monkeypatch
):
    f = fresh_factory
    before = len(arrivals(tron))
    uid, wid = await withdraw(f, config, Asset.USDT, 15 * MICRO, 50 * MICRO)
    clock = Clock()
    sender = WithdrawalSender(node, config, hot, clock=clock)
    assert wid in (await sender.run_once(f)).broadcast  # accepted: in the pool
    txid = (await state(f, wid)).txid
    rebroadcasts_rejected(tron, monkeypatch)

    await sender.run_once(f)  # found in the pool: nothing is decided
    tron.node.hide_pending = True  # now the node does not show its pool: a re-broadcast, rejected
    for offset in (0, 59_000, 60_000 + 29_000):  # before the expiration, then inside the margin
        clock.offset_ms = offset
        result = await sender.run_once(f)
        assert result.failed == [] and (await state(f, wid)).status == WithdrawalStatus.BROADCAST
    assert await available(f, uid, Asset.USDT) == 33 * MICRO  # still on hold, not refunded

    monkeypatch.undo()
    clock.offset_ms = 0
    tron.node.mine(21)  # the first copy is mined after all
    result = await sender.run_once(f)
    assert result.sent == [wid] and result.failed == []
    w = await state(f, wid)
    assert (w.status, w.txid) == (WithdrawalStatus.SENT, txid)
    assert [t["txid"] for t in arrivals(tron)[before:]] == [txid]
    assert await available(f, uid, Asset.USDT) == 33 * MICRO  # charged once
    async with f() as s:
        assert await balance(s, AccountRef.withdrawal_hold(wid, uid), Asset.USDT) == 0
    assert [m.payload["withdrawal_id"] for m in await outbox_rows(f, events.WithdrawalFailed)].count(wid) == 0
    sent = [m.recipient for m in await outbox_rows(f, events.WithdrawalSent) if m.payload["withdrawal_id"] == wid]
    assert sorted(sent) == ["channel:payments", f"user:{uid}"]  # told once


async def test_a_transaction_that_expired_unseen_fails_once_after_the_margin(
    tron, node, hot, fresh_factory, config, monkeypatch
):
    import asyncio

    f = fresh_factory
    before = len(arrivals(tron))
    uid, wid = await withdraw(f, config, Asset.TRX, 12 * MICRO, 20 * MICRO)
    rebroadcasts_rejected(tron, monkeypatch)
    clock = Clock()
    senders = [WithdrawalSender(node, config, hot, clock=clock) for _ in range(2)]
    first = await senders[0].run_once(f)  # the first broadcast ever: rejected, nobody has it
    assert wid in first.failed  # a first broadcast rejected is final at once
    w = await state(f, wid)
    assert w.status == WithdrawalStatus.FAILED and "TAPOS_ERROR" in w.error
    assert await available(f, uid, Asset.TRX) == 20 * MICRO

    # One signed, broadcast by a process that died before it could record the answer, and
    # rejected on every re-broadcast: nothing is released until expiration + margin.
    _, wid = await withdraw(f, config, Asset.TRX, 12 * MICRO, 20 * MICRO)
    uid = (await state(f, wid)).user_id

    class CrashesAfterBroadcast(WithdrawalSender):
        async def _after_broadcast(self, *args, **kwargs):
            raise Crash

    with pytest.raises(Crash):
        await CrashesAfterBroadcast(node, config, hot, clock=clock).run_once(f)
    expires = (await state(f, wid)).expires_at_ms
    for offset in (0, 60_000 + 29_000):
        clock.offset_ms = offset
        assert (await senders[0].run_once(f)).failed == []
        assert (await state(f, wid)).status == WithdrawalStatus.SIGNED
    assert await available(f, uid, Asset.TRX) == 20 * MICRO - 12 * MICRO - (await state(f, wid)).fee
    clock.offset_ms = expires - int(time.time() * 1000) + 30_000 + 1_000  # past expiration + margin
    assert (await senders[0].run_once(f)).failed == []  # but the chain has not passed it yet
    mine_past(tron, expires)
    results = await asyncio.gather(*(s.run_once(f) for s in senders))
    assert sum(r.failed.count(wid) for r in results) == 1
    w = await state(f, wid)
    assert w.status == WithdrawalStatus.FAILED and w.error == "expired without reaching the chain"
    await senders[0].run_once(f)
    assert await available(f, uid, Asset.TRX) == 20 * MICRO  # released exactly once
    assert [m.payload["withdrawal_id"] for m in await outbox_rows(f, events.WithdrawalFailed)].count(wid) == 1
    monkeypatch.undo()
    tron.node.mine(2)
    assert arrivals(tron)[before:] == []
