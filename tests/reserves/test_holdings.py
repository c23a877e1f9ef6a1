"""The holdings side on the local TRON node: the hot wallet, the cold wallet and a deposit address
not swept yet, read at one block; the hot and deposit addresses signed (only by a process given
the keys) in TRON's signed-message format, checked here with tronpy; the cold wallet's signature,
made offline, refused unless the cold key made it; a ratio under 100% told to the admins."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from tronpy.keys import PrivateKey, Signature

from core import events
from core.db import transaction
from core.errors import DomainError
from core.money import MICRO
from core.reserves import holdings
from core.reserves import snapshot as reserves
from core.reserves.models import ReserveAddress
from core.wallet.addressbook import deposit_address
from core.wallet.hd import DEV_MNEMONIC, Seed
from core.wallet.scanner import Scanner
from core.wallet.sender import Signer
from tests.escrow.conftest import World
from tests.money import deposit
from tests.reserves.conftest import SECRET
from tests.wallet.conftest import DEV_XPUB, config, create_user, node, sleeps, tron  # noqa: F401

HOT_KEY = "5e" * 32
COLD_KEY = PrivateKey(bytes.fromhex("c0" * 32))


def signer_of(text: str, signature: str) -> str:
    """What a verifier does with tronpy: recover the signing address, and check the signature."""
    sig = Signature(bytes.fromhex(signature))
    public = sig.recover_public_key_from_msg(text.encode())
    assert public.verify_msg(text.encode(), sig)
    return str(public.to_base58check_address())


@pytest.fixture
def wallet(tron, config):  # noqa: F811
    hot = Signer.from_hex(HOT_KEY)
    cold = COLD_KEY.public_key.to_base58check_address()
    tron.node.fund(hot.address, trx_sun=2_000 * MICRO, usdt=300 * MICRO)
    tron.node.fund(cold, usdt=5_000 * MICRO)
    cfg = replace(config, start_block=tron.node.head_number + 1, hot_address=hot.address, cold_address=cold)
    return hot, cfg


async def test_holdings_at_one_block_and_signatures_a_tronpy_check_accepts(tron, node, wallet, factory):  # noqa: F811
    hot, cfg = wallet
    uid = await create_user(factory)
    async with transaction(factory) as s:
        address = await deposit_address(s, uid, DEV_XPUB)
    tron.node.send_usdt("whale", address, 700 * MICRO)
    tron.node.mine(21)
    await Scanner(node, cfg).run_until_caught_up(factory)  # credited, not swept

    published = await reserves.make_snapshot(factory, SECRET, node=node, config=cfg)
    assert published is not None
    assert published.block == tron.node.head_number
    usdt = tron.node.usdt_balance
    assert published.held is not None
    assert published.held[0] == usdt(hot.address) + usdt(cfg.cold_address) + usdt(address) == 6_000 * MICRO
    assert published.held[1] == sum(
        tron.node.trx_balance(a) for a in (hot.address, cfg.cold_address, address)
    )
    assert published.owed == (700 * MICRO, 0)
    [post] = await World(factory).outbox(events.ReservesPublished)
    assert post.payload["held"] == list(published.held) and post.payload["block"] == published.block

    text = holdings.message(published.snapshot_id, published.root)
    async with transaction(factory) as s:  # a process without keys (the web role) signs nothing
        assert await holdings.sign_pending(s, holdings.KeyRing(None, None)) == 0
    async with transaction(factory) as s:  # the worker: the hot key and the seed
        assert await holdings.sign_pending(s, holdings.KeyRing(hot, Seed(DEV_MNEMONIC))) == 2
    async with factory() as s:
        found = await s.scalars(
            select(ReserveAddress).where(ReserveAddress.snapshot_id == published.snapshot_id)
        )
        rows = {r.role: r for r in found}
    assert rows[holdings.HOT].signature and signer_of(text, rows[holdings.HOT].signature) == hot.address
    assert rows[holdings.DEPOSIT].signature and signer_of(text, rows[holdings.DEPOSIT].signature) == address
    assert rows[holdings.DEPOSIT].balances == {"USDT": 700 * MICRO, "TRX": tron.node.trx_balance(address)}
    assert rows[holdings.COLD].signature is None

    # the cold wallet's signature, made offline: refused from another key, stored from the cold key
    wrong = PrivateKey(bytes.fromhex(HOT_KEY)).sign_msg(text.encode()).hex()
    async with transaction(factory) as s:
        with pytest.raises(DomainError) as refused:
            await holdings.add_cold_signature(s, published.snapshot_id, wrong)
    assert refused.value.code == "reserves_bad_signature"
    async with transaction(factory) as s:
        with pytest.raises(DomainError):
            await holdings.add_cold_signature(s, published.snapshot_id, "not hex")
    offline = COLD_KEY.sign_msg(text.encode()).hex()
    async with transaction(factory) as s:
        stored = await holdings.add_cold_signature(s, published.snapshot_id, offline)
    assert signer_of(text, stored.signature or "") == cfg.cold_address


async def test_a_ratio_under_100_percent_alerts_the_admins(tron, node, wallet, factory):  # noqa: F811
    _, cfg = wallet
    uid = await create_user(factory)
    await deposit(factory, uid, 9_000 * MICRO)  # more than the 5,300 USDT on chain
    published = await reserves.make_snapshot(factory, SECRET, node=node, config=cfg)
    assert published is not None and published.held is not None
    assert published.held[0] == 5_300 * MICRO < published.owed[0]
    [short] = await World(factory).outbox(events.ReservesShort)
    assert short.recipient == "admins"
    assert short.payload == {"snapshot_id": published.snapshot_id, "asset": "USDT", "owed": 9_000 * MICRO,
                             "held": 5_300 * MICRO}  # fmt: skip
    assert len(await World(factory).outbox(events.ReservesPublished)) == 1  # published all the same


async def test_a_block_arriving_while_balances_are_read_makes_them_read_again(tron, node, wallet, factory, monkeypatch):  # noqa: F811
    hot, cfg = wallet
    real = holdings.balances
    reads: list[str] = []

    async def reading(node_: object, config_: object, address: str) -> object:
        reads.append(address)
        if len(reads) == 1:  # a block with a transfer to the hot wallet comes in mid-read
            tron.node.send_usdt("whale", hot.address, 5 * MICRO)
            tron.node.mine(1)
        return await real(node_, config_, address)  # type: ignore[arg-type]

    monkeypatch.setattr(holdings, "balances", reading)
    async with factory() as s:
        found = await holdings.read_holdings(s, node, cfg)
    assert reads == [hot.address, cfg.cold_address] * 2  # read twice: the head moved during the first
    assert found.block == tron.node.head_number
    assert found.total("USDT") == tron.node.usdt_balance(hot.address) + 5_000 * MICRO == 5_305 * MICRO
