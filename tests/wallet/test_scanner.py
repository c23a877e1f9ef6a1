"""The deposit scanner against the local TRON node, with real tronpy and PostgreSQL."""

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from core import events
from core.db import transaction
from core.ledger import AccountRef, Purpose, balance
from core.ledger.models import LedgerEntry
from core.money import MICRO, Asset
from core.wallet.addressbook import deposit_address
from core.wallet.models import Deposit, DepositStatus
from core.wallet.scanner import Scanner
from tests.wallet.conftest import DEV_XPUB, available, create_user, outbox_rows


@pytest.fixture
def scan_config(config, tron):
    return replace(config, start_block=tron.node.head_number + 1)


async def user_with_address(factory):
    uid = await create_user(factory)
    async with transaction(factory) as s:
        address = await deposit_address(s, uid, DEV_XPUB)
    return uid, address


async def deposits_of(factory, uid):
    async with factory() as s:
        return list(await s.scalars(select(Deposit).where(Deposit.user_id == uid).order_by(Deposit.id)))


async def test_usdt_deposit_announced_then_credited_once_across_a_restart(
    tron, node, fresh_factory, scan_config
):
    f = fresh_factory
    uid, address = await user_with_address(f)
    txid = tron.node.send_usdt("exchange", address, 25 * MICRO)
    tron.node.mine(1)

    first = Scanner(node, scan_config)
    await first.run_until_caught_up(f)
    [deposit] = await deposits_of(f, uid)
    assert (deposit.txid, deposit.status, deposit.amount, deposit.asset) == (
        txid,
        "detected",
        25 * MICRO,
        "USDT",
    )
    [detected] = await outbox_rows(f, events.DepositDetected)
    assert detected.recipient == f"user:{uid}" and detected.payload["txid"] == txid
    assert await available(f, uid, Asset.USDT) == 0

    # a restart between detection and confirmation: a new scanner, its address set empty
    tron.node.mine(10)
    second = Scanner(node, scan_config)
    await second.run_until_caught_up(f)
    assert await available(f, uid, Asset.USDT) == 0  # 11 confirmations of 19
    tron.node.mine(10)
    await second.run_until_caught_up(f)
    assert await available(f, uid, Asset.USDT) == 25 * MICRO
    credited = await outbox_rows(f, events.DepositCredited)
    assert sorted(m.recipient for m in credited) == ["channel:payments", f"user:{uid}"]
    assert len(await outbox_rows(f, events.DepositDetected)) == 1

    # and never again: more blocks, another scanner, a rescan from scratch
    tron.node.mine(5)
    await Scanner(node, scan_config).run_until_caught_up(f)
    assert await available(f, uid, Asset.USDT) == 25 * MICRO
    async with f() as s:
        entries = await s.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "deposit")
        )
        assert entries == 1
        assert await balance(s, AccountRef.platform(Purpose.DEPOSITS), Asset.USDT) == -25 * MICRO
    [deposit] = await deposits_of(f, uid)
    assert deposit.status == DepositStatus.CREDITED


async def test_every_kind_of_usdt_and_trx_deposit_and_the_ones_that_are_not(
    tron, node, fresh_factory, scan_config
):
    f = fresh_factory
    uid, address = await user_with_address(f)
    other_uid, other_address = await user_with_address(f)
    good = tron.node.send_usdt("alice", address, 10 * MICRO)
    via_from = tron.node.send_usdt_transfer_from("holder", "spender", address, 3 * MICRO)
    via_contract = tron.node.send_usdt_via_contract(address, 4 * MICRO)
    trx = tron.node.send_trx("bob", other_address, 7 * MICRO)
    reverted = tron.node.send_usdt_failing("carol", address, 1_000 * MICRO)
    dust = tron.node.send_usdt("dave", other_address, MICRO // 2)
    stranger = tron.node.send_usdt("erin", tron.node.outside_address("someone"), 50 * MICRO)
    tron.node.mine(1)
    tron.node.mine(20)
    await Scanner(node, scan_config).run_until_caught_up(f)

    mine = {d.txid: d for d in await deposits_of(f, uid)}
    theirs = {d.txid: d for d in await deposits_of(f, other_uid)}
    assert set(mine) == {good, via_from, via_contract}
    assert set(theirs) == {trx, dust}
    assert reverted not in mine and stranger not in mine
    assert await available(f, uid, Asset.USDT) == 17 * MICRO
    assert await available(f, other_uid, Asset.TRX) == 7 * MICRO
    assert await available(f, other_uid, Asset.USDT) == 0  # dust is recorded, not credited
    assert theirs[dust].status == DepositStatus.DUST
    assert theirs[trx].asset == "TRX" and theirs[trx].event_index == 0
    # blocks that were already final when first scanned are credited without a "waiting" note
    assert await outbox_rows(f, events.DepositDetected) == []


async def test_a_reorg_drops_an_unconfirmed_detection(tron, node, fresh_factory, scan_config):
    f = fresh_factory
    uid, address = await user_with_address(f)
    tron.node.mine(3)
    txid = tron.node.send_usdt("mallory", address, 30 * MICRO)
    tron.node.mine(2)
    scanner = Scanner(node, scan_config)
    await scanner.run_until_caught_up(f)
    [deposit] = await deposits_of(f, uid)
    assert deposit.status == DepositStatus.DETECTED

    dropped = tron.node.fork(2)  # the deposit's block leaves the chain
    assert txid in dropped
    tron.node.mine(3)  # a longer chain without it
    await scanner.run_until_caught_up(f)
    [deposit] = await deposits_of(f, uid)
    assert deposit.status == DepositStatus.DROPPED
    [note] = await outbox_rows(f, events.DepositDropped)
    assert note.recipient == f"user:{uid}"

    tron.node.mine(25)
    await scanner.run_until_caught_up(f)
    assert await available(f, uid, Asset.USDT) == 0
    assert (await deposits_of(f, uid))[0].status == DepositStatus.DROPPED

    # the scanner is on the new chain: a new deposit is credited normally
    tron.node.send_usdt("mallory", address, 5 * MICRO)
    tron.node.mine(20)
    await scanner.run_until_caught_up(f)
    assert await available(f, uid, Asset.USDT) == 5 * MICRO


async def test_a_reorg_of_blocks_without_deposits_keeps_the_detection(tron, node, fresh_factory, scan_config):
    f = fresh_factory
    uid, address = await user_with_address(f)
    tron.node.send_usdt("frank", address, 8 * MICRO)
    tron.node.mine(1)
    tron.node.mine(4)
    scanner = Scanner(node, scan_config)
    await scanner.run_until_caught_up(f)
    tron.node.fork(3)  # only the empty blocks above the deposit
    tron.node.mine(25)
    result = await scanner.run_once(f)
    assert result.rewound_to is not None and result.dropped == 0
    await scanner.run_until_caught_up(f)
    assert await available(f, uid, Asset.USDT) == 8 * MICRO


async def test_two_scanners_started_at_once_credit_each_deposit_once(tron, node, fresh_factory, scan_config):
    f = fresh_factory
    people = [await user_with_address(f) for _ in range(4)]
    scanners = [Scanner(node, replace(scan_config, batch_blocks=3)) for _ in range(2)]
    for round_ in range(6):
        for i, (_, address) in enumerate(people):
            tron.node.send_usdt(f"payer{i}", address, (round_ + 1) * MICRO)
        tron.node.mine(4)
        results = await asyncio.gather(*(s.run_once(f) for s in scanners), *(s.run_once(f) for s in scanners))
        assert any(r.skipped for r in results)
    tron.node.mine(25)
    await asyncio.gather(*(s.run_until_caught_up(f) for s in scanners))
    await scanners[0].run_until_caught_up(f)
    for uid, _ in people:
        assert await available(f, uid, Asset.USDT) == sum(range(1, 7)) * MICRO
        assert len(await deposits_of(f, uid)) == 6
    assert len(await outbox_rows(f, events.DepositCredited)) == 2 * 4 * 6


async def test_backs_off_when_the_node_says_too_many_requests(tron, node, sleeps, fresh_factory, scan_config):
    f = fresh_factory
    uid, address = await user_with_address(f)
    tron.node.send_usdt("grace", address, 2 * MICRO)
    tron.node.mine(20)
    tron.node.inject_errors(429, 2)
    tron.node.inject_errors(503, 1)
    tron.node.inject_errors(403, 1)
    await Scanner(node, scan_config).run_until_caught_up(f)
    assert sleeps.calls == [0.5, 1.0, 2.0, 4.0]
    assert await available(f, uid, Asset.USDT) == 2 * MICRO


async def test_an_address_allocated_while_running_is_watched_from_the_next_run(
    tron, node, fresh_factory, scan_config
):
    f = fresh_factory
    scanner = Scanner(node, scan_config)
    await scanner.run_until_caught_up(f)
    uid, address = await user_with_address(f)
    tron.node.send_trx("heidi", address, 3 * MICRO)
    tron.node.mine(20)
    await scanner.run_until_caught_up(f)
    assert await available(f, uid, Asset.TRX) == 3 * MICRO


async def test_a_deposit_moved_to_another_block_by_a_reorg_is_credited_once(
    tron, node, fresh_factory, scan_config
):
    f = fresh_factory
    uid, address = await user_with_address(f)
    txid = tron.node.send_usdt("oscar", address, 12 * MICRO)
    tron.node.mine(1)
    first_block = tron.node.head_number
    tron.node.mine(2)
    scanner = Scanner(node, scan_config)
    await scanner.run_until_caught_up(f)
    [before] = await deposits_of(f, uid)
    assert before.block_num == first_block

    assert txid in tron.node.fork(3, reinclude=True)  # back in the pool...
    tron.node.mine(2)  # ...and into the first new block, at the same height
    await scanner.run_until_caught_up(f)
    [after] = await deposits_of(f, uid)
    assert (after.id, after.status, after.block_num) == (before.id, DepositStatus.DETECTED, first_block)
    assert after.block_hash != before.block_hash  # dropped with its block, found again in the new one
    assert [m.payload["txid"] for m in await outbox_rows(f, events.DepositDropped)] == [txid]
    tron.node.mine(25)
    await scanner.run_until_caught_up(f)
    [deposit] = await deposits_of(f, uid)
    assert deposit.status == DepositStatus.CREDITED and deposit.txid == txid
    assert await available(f, uid, Asset.USDT) == 12 * MICRO
    assert len([m for m in await outbox_rows(f, events.DepositCredited) if m.recipient == f"user:{uid}"]) == 1


async def test_a_new_scanner_starts_where_the_first_address_was_handed_out(tron, node, fresh_factory, config):
    """A deposit paid before the scanner's first run (a fresh install, its first seconds) is found:
    the scanner does not start at the head it first sees but at the first address's block."""
    f = fresh_factory
    tron.node.mine(30)
    uid, address = await user_with_address(f)
    tron.node.mine(2)
    paid_in = tron.node.head_number + 1
    txid = tron.node.send_usdt("exchange", address, 7 * MICRO)
    tron.node.mine(25)  # final, and the head is well past the deposit when the scanner first runs
    assert config.start_block is None
    scanner = Scanner(node, config)
    await scanner.run_until_caught_up(f)
    [deposit] = await deposits_of(f, uid)
    assert (deposit.txid, deposit.block_num, deposit.status) == (txid, paid_in, "credited")
    assert await available(f, uid, Asset.USDT) == 7 * MICRO


async def test_a_new_scanner_without_addresses_starts_at_the_head_or_at_start_block(
    tron, node, fresh_factory, config
):
    tron.node.mine(40)
    head = tron.node.head_number
    async with fresh_factory() as s:
        assert await Scanner(node, config)._first_block(s, await node.heights()) == head
        assert (
            await Scanner(node, replace(config, start_block=12))._first_block(s, await node.heights()) == 12
        )
