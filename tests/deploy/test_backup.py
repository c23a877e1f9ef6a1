"""The backup drill, as an operator runs it: trades, deposits and a withdrawal on the chain, a KYC
document; `python -m core.backup create`; the database wiped; `restore` into the empty one: the
ledger audit and the reconciliation against the chain pass, every balance is identical, the
document opens. A restore refuses a database that is not empty (unless --force) and a backup
whose files changed."""

from __future__ import annotations

import asyncio
import os
import sys
from decimal import Decimal
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import escrow, migrate
from core.accounts import documents, kyc
from core.db import make_engine, make_session_factory, transaction
from core.escrow import market as escrow_market
from core.escrow import offers
from core.escrow.models import Side
from core.ledger.audit import audit
from core.money import MICRO, Asset, Fiat
from core.wallet.config import WalletConfig
from core.wallet.node import Node
from core.wallet.reconcile import reconcile
from sandbox.tron.server import TronNodeServer
from tests.conftest import ROOT, SERVER_URL, Databases, _asyncpg_dsn
from tests.faults.test_reconcile import _market

KEY = documents.key_from_secret("the drill's DOCUMENTS_KEY")
BALANCES = text("SELECT owner_kind, owner_id, purpose, asset, balance FROM ledger_accounts "
                "ORDER BY owner_kind, owner_id, purpose, asset")  # fmt: skip


async def backup(url: str, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "core.backup", *args, cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def state(factory: async_sessionmaker[AsyncSession], node: Node, config: WalletConfig) -> list[tuple[object, ...]]:
    """The balances, once the audit and the reconciliation passed."""
    async with factory() as s, s.begin():
        report = await audit(s)
        assert report.ok, report.violations
        reconciled = await reconcile(s, node, config)
        assert reconciled.ok, "\n".join(reconciled.lines())
        return [tuple(row) for row in (await s.execute(BALANCES)).all()]


async def test_back_up_wipe_restore_and_everything_is_back(
    databases: Databases, tron: TronNodeServer, node: Node, config: WalletConfig, tmp_path: Path
) -> None:
    url = await databases.create("koxx_backup")
    engine = make_engine(url)
    await migrate.upgrade(engine)
    factory = make_session_factory(engine)
    config, alice, _withdrawal, _address = await _market(tron, node, factory, config)
    async with transaction(factory) as s:
        await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=Decimal(1310), actor_id=None)
        offer = await offers.publish_offer(s, maker_id=alice, draft=offers.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=60 * MICRO, price=Decimal(1310),
            min_fiat=Decimal(10_000), max_fiat=Decimal(1_000_000), payment_methods=("zaincash",)))  # fmt: skip
    async with transaction(factory) as s:
        buyer = (await s.execute(text("SELECT id FROM users WHERE id <> :a ORDER BY id LIMIT 1"), {"a": alice})).scalar_one()
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, crypto_amount=25 * MICRO)
    async with transaction(factory) as s:
        await escrow.release(s, trade_id=trade.id, actor_id=alice)
    async with transaction(factory) as s:
        request = await kyc.submit_documents(s, user_id=buyer, document=b"\xff\xd8 card", selfie=b"\xff\xd8 me", key=KEY)
    before = await state(factory, node, config)
    assert any(row[0] == "trade" for row in before) and any(row[0] == "user" and row[4] > 0 for row in before)
    await engine.dispose()

    folder = tmp_path / "backup"
    code, out = await backup(url, "create", str(folder))
    assert code == 0 and "backup create: OK" in out, out
    assert (folder / "koxx.dump").stat().st_mode & 0o077 == 0
    password_free = make_url(url).password is None or make_url(url).password not in (folder / "manifest.json").read_text()
    assert password_free

    # The server loses the database: a new, empty one of the same name.
    name = make_url(url).database
    server = await asyncpg.connect(_asyncpg_dsn(SERVER_URL))
    try:
        await server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await server.execute(f'CREATE DATABASE "{name}"')
    finally:
        await server.close()

    code, out = await backup(url, "restore", str(folder))
    assert code == 0 and "backup restore: OK" in out, out
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        assert await state(factory, node, config) == before
        async with factory() as s:
            docs = await kyc.read_documents(s, request_id=request.id, key=KEY)
        assert (docs.document, docs.selfie) == (b"\xff\xd8 card", b"\xff\xd8 me")
    finally:
        await engine.dispose()

    code, out = await backup(url, "restore", str(folder))
    assert code == 1 and "is not empty" in out, out
    code, out = await backup(url, "restore", "--force", str(folder))
    assert code == 0, out
    engine = make_engine(url)
    try:
        assert await state(make_session_factory(engine), node, config) == before
    finally:
        await engine.dispose()

    dump = folder / "koxx.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    code, out = await backup(url, "verify", str(folder))
    assert code == 1 and "checksum mismatch" in out, out
    code, out = await backup(url, "restore", "--force", str(folder))
    assert code == 1 and "checksum mismatch" in out, out
