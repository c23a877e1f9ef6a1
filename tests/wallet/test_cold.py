"""Cold storage (core.wallet.cold) on the local TRON node: the hot wallet's excess lands on the
cold address exactly once, whatever crashes in between; refills signed offline with the cold
key are broadcast only when they are exactly the prepared transaction; reconcile counts cold."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select, update
from tronpy.keys import PrivateKey
from tronpy.tron import Transaction

from core import events
from core.db import transaction
from core.errors import DomainError
from core.ledger import audit
from core.money import MICRO, Asset
from core.wallet import cold as cold_module
from core.wallet import withdrawals as wd
from core.wallet.addressbook import deposit_address
from core.wallet.cold import ColdKeeper
from core.wallet.models import ColdStatus, ColdTransfer
from core.wallet.reconcile import reconcile
from core.wallet.scanner import Scanner
from core.wallet.sender import Signer
from sandbox.tron.dev_cold import DEV_COLD_ADDRESS, DEV_COLD_KEY
from tests.wallet.conftest import DEV_XPUB, create_user, outbox_rows

HOT_KEY = "7a" * 32


class Crash(Exception):
    pass


@pytest.fixture
def hot(tron):
    signer = Signer.from_hex(HOT_KEY)
    tron.node.fund(signer.address, trx_sun=1_500 * MICRO, usdt=10_000 * MICRO)
    return signer


@pytest.fixture
def cfg(tron, config, hot):
    return replace(config, start_block=tron.node.head_number + 1, hot_address=hot.address, cold_address=DEV_COLD_ADDRESS)


async def owe(tron, node, f, cfg, usdt: int, kyc_level: int = 0) -> int:
    """A user who deposited ``usdt`` on chain (credited by the scanner, not swept): what users own."""
    uid = await create_user(f, kyc_level)
    async with transaction(f) as s:
        address = await deposit_address(s, uid, DEV_XPUB)
    tron.node.send_usdt("whale", address, usdt)
    tron.node.mine(21)
    await Scanner(node, cfg).run_until_caught_up(f)
    return uid


async def rows(f) -> list[ColdTransfer]:
    async with f() as s:
        return list(await s.scalars(select(ColdTransfer).order_by(ColdTransfer.id)))


def to_cold(tron, hot):
    return [t for t in tron.node.transactions(DEV_COLD_ADDRESS) if t["from"] == hot.address and t["to"] == DEV_COLD_ADDRESS]


async def books_hold(node, f, cfg) -> None:
    async with f() as s:
        assert (await audit(s)).violations == []
        report = await reconcile(s, node, cfg)
    assert report.ok, report.mismatches


async def test_the_excess_lands_on_the_cold_address_once(tron, node, hot, fresh_factory, cfg):
    f = fresh_factory
    await owe(tron, node, f, cfg, 20_000 * MICRO)  # target: 5% of 20,000 = 1,000 USDT
    keeper = ColdKeeper(node, cfg, hot)
    first = await keeper.run_once(f)
    assert len(first.signed) == 1 and first.broadcast == first.signed
    [row] = await rows(f)
    assert (row.direction, row.asset, row.amount, row.status) == ("out", "USDT", 9_000 * MICRO, ColdStatus.BROADCAST)
    assert (await keeper.run_once(f)).signed == []  # in the pool: nothing new is signed
    tron.node.mine(21)
    done = await keeper.run_once(f)
    assert done.done == first.signed and done.signed == []
    [row] = await rows(f)
    assert row.status == ColdStatus.DONE and row.network_cost_sun > 0  # TRX burned for the energy
    assert tron.node.usdt_balance(DEV_COLD_ADDRESS) == 9_000 * MICRO
    assert tron.node.usdt_balance(hot.address) == 1_000 * MICRO
    [tx] = to_cold(tron, hot)
    assert (tx["txid"], tx["asset"], tx["amount"], tx["result"]) == (row.txid, "USDT", 9_000 * MICRO, "SUCCESS")
    again = await keeper.run_once(f)
    assert not again.signed and len(await rows(f)) == 1  # at its target: nothing moves
    [told] = await outbox_rows(f, events.ColdTransferDone)
    assert told.recipient == "admins" and told.payload["amount"] == 9_000 * MICRO
    await books_hold(node, f, cfg)
    async with f() as s:
        report = await reconcile(s, node, cfg)
    [usdt] = [h for h in report.holdings if h.asset == Asset.USDT]
    assert (usdt.hot, usdt.cold, usdt.unswept, usdt.owed_to_users) == (
        1_000 * MICRO, 9_000 * MICRO, 20_000 * MICRO, 20_000 * MICRO,
    )  # fmt: skip
    assert report.counts["cold moves out"] == 1

    # the records must match the chain: a different amount, or a "failed" move that is on chain
    for change in ({"amount": 9_001 * MICRO}, {"status": ColdStatus.FAILED}):
        async with transaction(f) as s:
            await s.execute(update(ColdTransfer).where(ColdTransfer.id == row.id).values(**change))
        async with f() as s:
            bad = await reconcile(s, node, cfg)
        assert not bad.ok and any(f"cold transfer {row.id}" in m for m in bad.mismatches), bad.mismatches
        async with transaction(f) as s:
            await s.execute(
                update(ColdTransfer).where(ColdTransfer.id == row.id).values(amount=row.amount, status=ColdStatus.DONE)
            )
    await books_hold(node, f, cfg)


async def test_below_the_minimum_move_nothing_dribbles_out(tron, node, hot, fresh_factory, cfg):
    f = fresh_factory
    await owe(tron, node, f, cfg, 190_000 * MICRO)  # target 9,500: the excess is 500 - 1 micro
    keeper = ColdKeeper(node, replace(cfg, cold_min_move={Asset.USDT: 501 * MICRO, Asset.TRX: 5_000 * MICRO}), hot)
    assert not await keeper.run_once(f)
    assert await rows(f) == []


@pytest.mark.parametrize(
    "point",
    [
        "cold.out.signed.before_commit",
        "cold.out.signed.after_commit",
        "cold.out.broadcast.after_send",
        "cold.out.broadcast.before_commit",
        "cold.out.done.before_commit",
    ],
)
async def test_a_worker_crash_mid_move_never_moves_twice(tron, node, hot, fresh_factory, cfg, monkeypatch, point):
    f = fresh_factory
    await owe(tron, node, f, cfg, 20_000 * MICRO)

    def crash_at(name: str) -> None:
        if name == point:
            raise Crash(name)

    monkeypatch.setattr(cold_module, "crash_point", crash_at)
    with pytest.raises(Crash):
        for _ in range(3):
            await ColdKeeper(node, cfg, hot).run_once(f)
            tron.node.mine(21)
    monkeypatch.undo()

    restarted = ColdKeeper(node, cfg, hot)  # the worker comes back
    for _ in range(3):
        await restarted.run_once(f)
        tron.node.mine(21)
    await restarted.run_once(f)
    moves = to_cold(tron, hot)
    assert [(t["asset"], t["amount"], t["result"]) for t in moves] == [("USDT", 9_000 * MICRO, "SUCCESS")]
    assert tron.node.usdt_balance(DEV_COLD_ADDRESS) == 9_000 * MICRO
    done = [r for r in await rows(f) if r.status == ColdStatus.DONE]
    assert len(done) == 1 and done[0].txid == moves[0]["txid"]
    async with f() as s:
        open_ = await s.scalar(select(func.count()).select_from(ColdTransfer).where(ColdTransfer.status != "done"))
    assert open_ == 0
    await books_hold(node, f, cfg)


def sign_offline(document: str, key_hex: str) -> str:
    """What the cold key's holder does on an offline machine: load, sign, hand back JSON."""
    doc = json.loads(document)
    tx = Transaction(raw_data=doc["raw_data"], txid=doc["txID"], permission=None)
    tx.sign(PrivateKey(bytes.fromhex(key_hex)))
    return json.dumps(tx.to_json())


async def test_refill_signed_offline_tops_the_hot_wallet_up(tron, node, fresh_factory, config):
    f = fresh_factory
    hot = Signer.from_hex("7b" * 32)
    tron.node.fund(hot.address, trx_sun=1_500 * MICRO, usdt=100 * MICRO)
    tron.node.fund(DEV_COLD_ADDRESS, trx_sun=200 * MICRO, usdt=50_000 * MICRO)
    cfg = replace(config, start_block=tron.node.head_number + 1, hot_address=hot.address, cold_address=DEV_COLD_ADDRESS)
    uid = await owe(tron, node, f, cfg, 20_000 * MICRO, kyc_level=1)
    async with transaction(f) as s:
        await wd.request_withdrawal(
            s, cfg, user_id=uid, address="TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT", asset=Asset.USDT, amount=300 * MICRO
        )
    keeper = ColdKeeper(node, cfg, hot)
    result = await keeper.run_once(f)
    [refill_id] = result.requested
    [asked] = await outbox_rows(f, events.ColdRefillNeeded)
    # target: 302 waiting + max(5% of 20,000 = 1,000, forecast 0) = 1,302; the hot wallet holds 100
    assert asked.recipient == "admins" and asked.payload["amount"] == 1_202 * MICRO
    assert (await keeper.run_once(f)).requested == []  # asked once

    row = await keeper.prepare_refill(f, Asset.USDT)
    assert (row.id, row.status, row.amount) == (refill_id, ColdStatus.UNSIGNED, 1_202 * MICRO)
    assert (await keeper.prepare_refill(f, Asset.USDT)).txid == row.txid  # the same one while signable
    document = cold_module.unsigned_document(row)

    # a different amount, a different destination, another signer: refused, nothing broadcast
    other = PrivateKey(bytes.fromhex("99" * 32)).public_key.to_base58check_address()
    for builder, code in (
        (node.tron.trx.transfer(DEV_COLD_ADDRESS, hot.address, 1_202 * MICRO), "cold_tx_asset"),
    ):
        tx = await builder.build()
        with pytest.raises(DomainError) as refused:
            await keeper.submit_refill(f, refill_id, sign_offline(json.dumps(tx.to_json()), DEV_COLD_KEY), 1)
        assert refused.value.code == code
    from tronpy.async_contract import AsyncContract

    from core.wallet.sender import TRC20_TRANSFER_ABI

    token = AsyncContract(addr=cfg.usdt_contract, abi=TRC20_TRANSFER_ABI, client=node.tron)
    for to, amount, code in ((hot.address, 5_000 * MICRO, "cold_tx_amount"), (other, 1_202 * MICRO, "cold_tx_destination")):
        built = await (await token.functions.transfer.with_owner(DEV_COLD_ADDRESS).call(to, amount)).build()
        with pytest.raises(DomainError) as refused:
            await keeper.submit_refill(f, refill_id, sign_offline(json.dumps(built.to_json()), DEV_COLD_KEY), 1)
        assert refused.value.code == code
    with pytest.raises(DomainError) as refused:
        await keeper.submit_refill(f, refill_id, sign_offline(document, "99" * 32), 1)
    assert refused.value.code == "cold_tx_signer"
    with pytest.raises(DomainError) as refused:
        await keeper.submit_refill(f, refill_id, document, 1)  # not signed at all
    assert refused.value.code == "cold_tx_unsigned"
    assert tron.node.usdt_balance(hot.address) == 100 * MICRO
    assert (await rows(f))[-1].status == ColdStatus.UNSIGNED

    sent = await keeper.submit_refill(f, refill_id, sign_offline(document, DEV_COLD_KEY), 1)
    assert (sent.status, sent.txid, sent.admin_id) == (ColdStatus.BROADCAST, row.txid, 1)
    tron.node.mine(21)
    assert (await keeper.run_once(f)).done == [refill_id]
    assert tron.node.usdt_balance(hot.address) == 1_302 * MICRO
    assert tron.node.usdt_balance(DEV_COLD_ADDRESS) == (50_000 - 1_202) * MICRO
    assert (await keeper.run_once(f)).requested == []  # topped up: nothing more to ask
    await books_hold(node, f, cfg)
    async with f() as s:
        report = await reconcile(s, node, cfg)
    assert report.counts["cold moves in"] == 1


async def test_a_move_that_expired_unseen_fails_and_the_next_one_is_signed_then(
    tron, node, hot, fresh_factory, cfg, monkeypatch
):
    import time

    from tests.wallet.test_sender import mine_past

    f = fresh_factory
    await owe(tron, node, f, cfg, 20_000 * MICRO)

    async def no_broadcast(*args):
        raise Crash

    monkeypatch.setattr(cold_module, "broadcast", no_broadcast)
    with pytest.raises(Crash):
        await ColdKeeper(node, cfg, hot).run_once(f)
    monkeypatch.undo()
    [lost] = await rows(f)
    assert lost.status == ColdStatus.SIGNED and await node.tx(lost.txid) == {}
    later = ColdKeeper(node, cfg, hot, clock=lambda: int(time.time() * 1000) + 10 * 60_000)
    result = await later.run_once(f)  # past its expiration by our clock, not yet by the chain's
    assert result.failed == [] and result.signed == []  # and no second move while it is open
    mine_past(tron, lost.expires_at_ms)
    result = await later.run_once(f)
    assert result.failed == [lost.id] and len(result.signed) == 1  # definitely gone: a new one
    tron.node.mine(21)
    await later.run_once(f)
    assert [t["amount"] for t in to_cold(tron, hot)] == [9_000 * MICRO]
    assert [r.status for r in await rows(f)] == [ColdStatus.FAILED, ColdStatus.DONE]
    await books_hold(node, f, cfg)


def test_cold_wallet_address_is_checked_at_start():
    from core.config import ConfigError, load_settings

    assert load_settings(cold_wallet_address=f" {DEV_COLD_ADDRESS} ").cold_wallet_address == DEV_COLD_ADDRESS
    assert load_settings(cold_wallet_address="").cold_wallet_address is None
    for wrong in ("TMQCwwwatEQ45xTdrAqs3tB1t57Fd4iLZB", "0x" + "ab" * 20, "cold"):
        with pytest.raises(ConfigError, match="COLD_WALLET_ADDRESS"):
            load_settings(cold_wallet_address=wrong)
    with pytest.raises(ConfigError, match="HOT_SHARE_PCT"):
        load_settings(hot_share_pct=101)


def test_production_refuses_the_dev_cold_wallet():
    from core.config import ConfigError, load_settings
    from webhook import check_settings

    settings = load_settings(
        bot_token="1:x", admin_bot_token="2:y", tron_api_url="https://api.trongrid.io", hot_wallet_key="ab" * 32,
        wallet_xpub="xpub-somewhere", totp_key="a long random text", documents_key="another long text", api_jwt_secret="a third long text",
        cold_wallet_address=DEV_COLD_ADDRESS,
    )  # fmt: skip
    with pytest.raises(ConfigError, match="COLD_WALLET_ADDRESS"):
        check_settings(settings)


@pytest.mark.parametrize(
    "point", ["cold.in.signed.after_commit", "cold.in.broadcast.after_send", "cold.in.done.before_commit"]
)
async def test_a_crash_while_handing_in_a_refill_never_sends_it_twice(
    tron, node, fresh_factory, config, monkeypatch, point
):
    f = fresh_factory
    hot = Signer.from_hex("7c" * 32)
    tron.node.fund(hot.address, trx_sun=1_500 * MICRO, usdt=100 * MICRO)
    tron.node.fund(DEV_COLD_ADDRESS, trx_sun=200 * MICRO, usdt=50_000 * MICRO)
    cfg = replace(config, start_block=tron.node.head_number + 1, hot_address=hot.address, cold_address=DEV_COLD_ADDRESS)
    uid = await owe(tron, node, f, cfg, 20_000 * MICRO, kyc_level=1)
    async with transaction(f) as s:
        await wd.request_withdrawal(
            s, cfg, user_id=uid, address="TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT", asset=Asset.USDT, amount=300 * MICRO
        )  # target 302 + 1,000 USDT; the hot wallet holds 100
    keeper = ColdKeeper(node, cfg, hot)
    [refill_id] = (await keeper.run_once(f)).requested
    row = await keeper.prepare_refill(f, Asset.USDT)
    signed = sign_offline(cold_module.unsigned_document(row), DEV_COLD_KEY)

    def crash_at(name: str) -> None:
        if name == point:
            raise Crash(name)

    monkeypatch.setattr(cold_module, "crash_point", crash_at)
    with pytest.raises(Crash):
        await keeper.submit_refill(f, refill_id, signed, 7)
        tron.node.mine(21)
        await keeper.run_once(f)
    monkeypatch.undo()
    with pytest.raises(DomainError) as again:  # handed in twice: the first one is on its way
        await keeper.submit_refill(f, refill_id, signed, 7)
    assert again.value.code == "cold_refill_not_waiting"

    restarted = ColdKeeper(node, cfg, hot)
    for _ in range(2):
        await restarted.run_once(f)
        tron.node.mine(21)
    await restarted.run_once(f)
    arrived = [t for t in tron.node.transactions(hot.address) if t["from"] == DEV_COLD_ADDRESS]
    assert [(t["txid"], t["amount"]) for t in arrived] == [(row.txid, 1_202 * MICRO)]
    assert tron.node.usdt_balance(hot.address) == 1_302 * MICRO
    assert [(r.direction, r.status) for r in await rows(f)] == [("in", ColdStatus.DONE)]
    await books_hold(node, f, cfg)


async def test_the_cold_table_matches_its_migration_and_downgrades_cleanly(databases):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import text

    import core.models  # noqa: F401
    from core import migrate
    from core.db import Base, make_engine

    engine = make_engine(await databases.create("koxx_cold"), pool_size=1)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
            )
        assert [d for d in diff if "wallet_cold_transfers" in repr(d)] == []
        await migrate.downgrade(engine, "0009_wallet")
        async with engine.connect() as conn:
            tables = set((await conn.execute(text("SELECT tablename FROM pg_tables"))).scalars())
        assert "wallet_cold_transfers" not in tables
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def test_a_move_that_failed_on_chain_is_not_retried_at_once(tron, node, hot, fresh_factory, cfg, monkeypatch):
    f = fresh_factory
    await owe(tron, node, f, cfg, 20_000 * MICRO)
    keeper = ColdKeeper(node, cfg, hot)
    [moved] = (await keeper.run_once(f)).signed
    tron.node.mine(21)
    real = node.tx_info

    async def out_of_energy(txid):
        info = await real(txid)
        return {**info, "receipt": {"result": "OUT_OF_ENERGY"}} if info else info

    monkeypatch.setattr(node, "tx_info", out_of_energy)
    result = await keeper.run_once(f)
    assert result.failed == [moved] and result.signed == []  # no new move (and fee) straight away
    assert (await keeper.run_once(f)).signed == []
    [told] = await outbox_rows(f, events.ColdTransferDone)
    assert told.payload["failed"] is True and "OUT_OF_ENERGY" in told.payload["error"]
