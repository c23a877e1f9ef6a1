"""Sweeping deposits to the hot wallet (gas first for USDT) and the hot/cold report."""

from dataclasses import replace

from sqlalchemy import select

from core import events
from core.db import transaction
from core.money import MICRO, Asset
from core.wallet.addressbook import deposit_address
from core.wallet.hd import DEV_MNEMONIC, Seed
from core.wallet.models import Deposit, Sweep
from core.wallet.report import hot_wallet_report
from core.wallet.scanner import Scanner
from core.wallet.sender import Signer
from core.wallet.sweeper import Sweeper
from tests.wallet.conftest import DEV_XPUB, available, create_user, fund, outbox_rows

HOT_KEY = "6d" * 32


async def test_usdt_sweep_sends_gas_first_then_moves_the_tokens(tron, node, fresh_factory, config):
    f = fresh_factory
    hot = Signer.from_hex(HOT_KEY)
    tron.node.fund(hot.address, trx_sun=1_000 * MICRO)
    cfg = replace(config, start_block=tron.node.head_number + 1, hot_address=hot.address)
    uid = await create_user(f)
    async with transaction(f) as s:
        address = await deposit_address(s, uid, DEV_XPUB)
    tron.node.send_usdt("whale", address, 300 * MICRO)
    tron.node.mine(21)
    scanner = Scanner(node, cfg)
    await scanner.run_until_caught_up(f)
    assert await available(f, uid, Asset.USDT) == 300 * MICRO
    assert tron.node.trx_balance(address) == 0  # USDT alone: nothing to burn for energy

    sweeper = Sweeper(node, cfg, Seed(DEV_MNEMONIC), hot)
    first = await sweeper.run_once(f)
    assert len(first.gas_sent) == 1 and first.sent == []
    assert await sweeper.run_once(f) == type(first)()  # gas not in a block yet: wait
    tron.node.mine(1)
    assert tron.node.trx_balance(address) == cfg.sweep_gas_sun
    second = await sweeper.run_once(f)
    assert second.sent == first.gas_sent
    tron.node.mine(21)
    third = await sweeper.run_once(f)
    assert third.done == first.gas_sent
    assert tron.node.usdt_balance(address) == 0
    assert tron.node.usdt_balance(hot.address) == 300 * MICRO
    [tx] = [t for t in tron.node.transactions(address) if t["asset"] == "USDT" and t["from"] == address]
    assert (tx["to"], tx["amount"], tx["result"]) == (hot.address, 300 * MICRO, "SUCCESS")

    # the hot wallet's gas was not credited as a TRX deposit; the ledger did not move
    await scanner.run_until_caught_up(f)
    assert await available(f, uid, Asset.TRX) == 0
    assert await available(f, uid, Asset.USDT) == 300 * MICRO

    # a TRX deposit is swept directly, less a bandwidth reserve
    tron.node.send_trx("whale", address, 2_000 * MICRO)
    tron.node.mine(21)
    await scanner.run_until_caught_up(f)
    hot_trx = tron.node.trx_balance(hot.address)
    left = tron.node.trx_balance(address)
    result = await sweeper.run_once(f)
    assert len(result.sent) == 1
    tron.node.mine(21)
    assert len((await sweeper.run_once(f)).done) == 1
    assert tron.node.trx_balance(hot.address) == hot_trx + left - cfg.trx_sweep_reserve_sun
    async with f() as s:
        sweeps = list(await s.scalars(select(Sweep).where(Sweep.user_id == uid)))
        deposits = list(await s.scalars(select(Deposit).where(Deposit.user_id == uid)))
    assert sorted((sw.asset, sw.status) for sw in sweeps) == [("TRX", "done"), ("USDT", "done")]
    assert len(deposits) == 2 and all(d.swept for d in deposits)
    assert await available(f, uid, Asset.TRX) == 2_000 * MICRO
    again = await sweeper.run_once(f)
    assert again.gas_sent == again.sent == []


async def test_report_alerts_when_the_hot_wallet_holds_too_much_or_too_little(
    tron, node, fresh_factory, config
):
    f = fresh_factory
    hot = Signer.from_hex("4f" * 32)
    uid = await create_user(f)
    await fund(f, uid, Asset.USDT, 1_000 * MICRO)
    tron.node.fund(hot.address, trx_sun=10 * MICRO, usdt=900 * MICRO)  # 90% of what users own
    async with transaction(f) as s:
        reports = {r.asset: r for r in await hot_wallet_report(s, node, config, hot.address)}
    usdt = reports[Asset.USDT]
    assert (usdt.hot, usdt.liabilities, usdt.too_much, usdt.too_little) == (
        900 * MICRO,
        1_000 * MICRO,
        True,
        False,
    )
    assert not reports[Asset.TRX].alert
    [alert] = await outbox_rows(f, events.HotWalletAlert)
    assert alert.recipient == "channel:payments" and alert.payload["reason"] == "too_much"

    other = Signer.from_hex("50" * 32)
    tron.node.fund(other.address, trx_sun=10 * MICRO, usdt=100 * MICRO)
    async with transaction(f) as s:
        reports = {r.asset: r for r in await hot_wallet_report(s, node, config, other.address)}
    assert not reports[Asset.USDT].alert  # 10%: within the share
    from core.wallet import withdrawals as wd

    uid2 = await create_user(f, kyc_level=1)
    await fund(f, uid2, Asset.USDT, 500 * MICRO)
    async with transaction(f) as s:
        await wd.request_withdrawal(
            s,
            config,
            user_id=uid2,
            address="TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT",
            asset=Asset.USDT,
            amount=400 * MICRO,
        )
    async with transaction(f) as s:
        reports = {r.asset: r for r in await hot_wallet_report(s, node, config, other.address)}
    assert reports[Asset.USDT].too_little and reports[Asset.USDT].pending_withdrawals == 402 * MICRO
    alerts = await outbox_rows(f, events.HotWalletAlert)
    assert [a.payload["reason"] for a in alerts] == ["too_much", "too_little"]


async def test_sweep_gas_follows_the_energy_price(tron, node, fresh_factory, config):
    hot = Signer.from_hex(HOT_KEY)
    sweeper = Sweeper(node, config, Seed(DEV_MNEMONIC), hot)
    tron.node.set_energy_fee(100)
    assert await sweeper.gas_needed() == config.sweep_gas_sun  # cheap energy: the configured floor
    tron.node.set_energy_fee(300)
    assert await sweeper.gas_needed() == 300 * 130_000 + 1_000_000  # 40 TRX
    tron.node.set_energy_fee(1_000)
    assert await sweeper.gas_needed() == config.usdt_fee_limit_sun  # capped by the fee limit


async def test_a_scanner_without_the_hot_key_credits_no_sweep_gas(tron, node, fresh_factory, config):
    """The gas is known by its txid, recorded before the broadcast: a scanner that does not know
    the hot address (no HOT_WALLET_KEY in its process, or the key rotated since) skips it too."""
    f = fresh_factory
    hot = Signer.from_hex(HOT_KEY)
    tron.node.fund(hot.address, trx_sun=1_000 * MICRO)
    start = tron.node.head_number + 1
    scanner = Scanner(node, replace(config, start_block=start, hot_address=None))
    assert scanner.ignored_senders == set()
    uid = await create_user(f)
    async with transaction(f) as s:
        address = await deposit_address(s, uid, DEV_XPUB)
    tron.node.send_usdt("whale", address, 300 * MICRO)
    tron.node.mine(21)
    await scanner.run_until_caught_up(f)
    assert await available(f, uid, Asset.USDT) == 300 * MICRO

    sweeper = Sweeper(node, replace(config, start_block=start, hot_address=hot.address), Seed(DEV_MNEMONIC), hot)
    [sweep_id] = (await sweeper.run_once(f)).gas_sent
    tron.node.mine(1)
    gas = [t for t in tron.node.transactions(address) if t["asset"] == "TRX" and t["to"] == address]
    assert [(t["from"], t["amount"]) for t in gas] == [(hot.address, config.sweep_gas_sun)]
    tron.node.send_trx("whale", address, 40 * MICRO)  # a real TRX deposit beside it
    tron.node.mine(21)
    await scanner.run_until_caught_up(f)
    assert await available(f, uid, Asset.TRX) == 40 * MICRO  # the deposit, not the gas
    async with f() as s:
        credited = list(await s.scalars(select(Deposit.txid).where(Deposit.user_id == uid, Deposit.asset == "TRX")))
        sweep = await s.get(Sweep, sweep_id)
    assert sweep.gas_txid == gas[0]["txid"] and sweep.gas_txid not in credited and len(credited) == 1
    assert sweep.gas_sun == config.sweep_gas_sun  # what the revenue report counts as sweep gas
