"""Proof of reserves on real PostgreSQL: after deposits, offers, trades in every state and a
withdrawal waiting, every user's proof verifies with the standalone verifier (imported, and run as
a program), the root's sums equal the ledger's liabilities exactly, a changed proof fails at the
step that was changed, and a snapshot taken while trades settle is one instant of the ledger."""

from __future__ import annotations

import asyncio
import copy
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from tronpy.keys import PrivateKey

from core import escrow, events
from core.escrow import disputes, trades
from core.escrow.models import TradeStatus
from core.money import MICRO, Asset
from core.reserves import jobs as reserves_jobs
from core.reserves import snapshot as reserves
from core.reserves.models import ReserveSnapshot
from core.reserves.verify_reserves import Failed, verify
from core.users import User
from core.wallet import withdrawals
from core.wallet.config import WalletConfig
from core.wallet.report import liabilities
from tests.escrow.conftest import World
from tests.reserves.conftest import SECRET
from tests.wallet.conftest import DEV_XPUB, USDT

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "core" / "reserves" / "verify_reserves.py"
EARLIER = datetime.now(UTC) - timedelta(hours=2)


async def _take(world: World, seller: int | None = None, fiat: str = "131000") -> tuple[int, int, int]:
    seller = seller or await world.user()
    buyer = await world.user()
    offer = await world.sell_offer(seller)
    async with world.tx() as s:
        trade = await escrow.take(
            s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal(fiat), now=EARLIER
        )
    return trade.id, seller, buyer


async def _paid(world: World) -> tuple[int, int, int]:
    trade_id, seller, buyer = await _take(world)
    async with world.tx() as s:
        await trades.mark_paid(s, trade_id=trade_id, actor_id=buyer, now=EARLIER + timedelta(minutes=1))
    return trade_id, seller, buyer


async def market(world: World) -> dict[str, int]:
    """Deposits, offers, and trades open, paid, disputed, completed and cancelled, a withdrawal
    waiting, a TRX holder, and a user who never had anything."""
    people: dict[str, int] = {}
    _, people["seller_open"], people["buyer_open"] = await _take(world)
    _, people["seller_paid"], _ = await _paid(world)
    disputed, people["seller_disputed"], buyer = await _paid(world)
    async with world.tx() as s:
        await disputes.open_dispute(s, trade_id=disputed, actor_id=buyer, reason="no money",
                                    now=EARLIER + timedelta(minutes=30))  # fmt: skip
    done, people["seller_done"], people["buyer_done"] = await _paid(world)
    async with world.tx() as s:
        await trades.release(s, trade_id=done, actor_id=people["seller_done"])
    cancelled, people["seller_cancelled"], buyer = await _take(world)
    async with world.tx() as s:
        await trades.cancel(s, trade_id=cancelled, actor_id=buyer)
    people["withdrawer"] = await world.user()
    await world.fund(people["withdrawer"], 200 * MICRO)
    async with world.tx() as s:
        await s.execute(update(User).where(User.id == people["withdrawer"]).values(kyc_level=2))
    config = WalletConfig(xpub=DEV_XPUB, usdt_contract=USDT)
    async with world.tx() as s:
        await withdrawals.request_withdrawal(s, config, user_id=people["withdrawer"],
                                             address=PrivateKey.random().public_key.to_base58check_address(),
                                             asset=Asset.USDT, amount=50 * MICRO)  # fmt: skip
    people["trx"] = await world.user()
    await world.fund(people["trx"], 1234 * MICRO, Asset.TRX)
    people["nothing"] = await world.user()
    return people


async def _owed_by_ledger(world: World, user_id: int) -> list[int]:
    async with world.factory() as s:
        rows = await s.execute(
            text("SELECT asset, sum(balance) FROM ledger_accounts WHERE user_id = :u GROUP BY asset"),
            {"u": user_id},
        )
        by_asset = {asset: amount for asset, amount in rows.tuples()}
    return [int(by_asset.get(asset, 0)) for asset in reserves.ASSETS]


def run_verifier(proof: dict[str, Any], root: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    file = tmp_path / "proof.json"
    file.write_text(json.dumps(proof))
    # -I: isolated, nothing of the project on the path: the verifier needs only the standard library
    return subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(file), root], capture_output=True, text=True
    )


async def test_every_users_proof_verifies_and_the_root_sums_are_the_ledgers_liabilities(world, tmp_path):
    people = await market(world)
    published = await reserves.make_snapshot(world.factory, SECRET)
    assert published is not None
    async with world.factory() as s:
        owed = await liabilities(s)
        users_owed = list(
            await s.scalars(
                text(
                    "SELECT DISTINCT user_id FROM ledger_accounts WHERE user_id IS NOT NULL AND balance <> 0"
                )
            )
        )
    assert published.owed == tuple(owed[Asset(a)] for a in reserves.ASSETS)  # exactly, to the micro unit
    assert published.users == len(users_owed)
    root = published.root.hex()
    checked = 0
    for user_id in users_owed:
        async with world.factory() as s:
            proof = await reserves.proof_for(s, user_id)
        assert proof is not None
        facts = verify(proof, published.root)
        assert facts["amounts"] == await _owed_by_ledger(world, user_id)
        assert facts["totals"] == list(published.owed)
        assert len(json.dumps(proof)) < 3_000
        done = run_verifier(proof, root, tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.strip().endswith("OK: your balance is included in the published root")
        checked += 1
    assert checked == len(users_owed)
    owing = {"seller_open", "seller_paid", "seller_disputed", "seller_done", "buyer_done", "seller_cancelled",
             "withdrawer", "trx"}  # fmt: skip
    assert set(users_owed) == {people[name] for name in owing}
    # what each kind of user is owed: escrow as the seller of open, paid and disputed trades,
    # the offers' reserves, the withdrawal's hold, the TRX
    async with world.factory() as s:
        seller = await reserves.proof_for(s, people["seller_disputed"])
        withdrawer = await reserves.proof_for(s, people["withdrawer"])
        trx = await reserves.proof_for(s, people["trx"])
        nothing = await reserves.proof_for(s, people["nothing"])
    assert seller is not None and seller["amounts"][0] == 600 * MICRO  # 500 in the offer + 100 in escrow
    assert withdrawer is not None and withdrawer["amounts"][0] == 200 * MICRO  # the hold is still theirs
    assert trx is not None and trx["amounts"] == [0, 1234 * MICRO]
    assert nothing is None
    # the platform's fee account is reported apart, not in the tree
    async with world.factory() as s:
        row = await s.get(ReserveSnapshot, published.snapshot_id)
        assert row is not None
        fees = await world.fees()
    assert fees > 0 and row.platform["fees"]["USDT"] == fees
    [post] = await world.outbox(events.ReservesPublished)
    assert post.recipient == "channel:payments" and post.payload["root"] == root


async def test_a_changed_proof_fails_at_the_step_that_was_changed(world, tmp_path):
    people = await market(world)
    published = await reserves.make_snapshot(world.factory, SECRET)
    assert published is not None
    async with world.factory() as s:
        proof = await reserves.proof_for(s, people["seller_paid"])
    assert proof is not None

    def changed(edit: Any) -> dict[str, Any]:
        other = copy.deepcopy(proof)
        edit(other)
        return other

    def fails_at(tampered: dict[str, Any], step: str) -> None:
        with pytest.raises(Failed) as failed:
            verify(tampered, published.root)
        assert failed.value.step.startswith(step), str(failed.value)
        done = run_verifier(tampered, published.root.hex(), tmp_path)
        assert done.returncode == 1 and done.stdout.startswith(f"FAILED at {step}"), done.stdout

    fails_at(changed(lambda p: p["amounts"].__setitem__(0, p["amounts"][0] + 1)), "leaf")
    fails_at(changed(lambda p: p.__setitem__("nonce", "00" + p["nonce"][2:])), "leaf")
    flipped = "f" if proof["path"][2]["hash"][0] != "f" else "e"
    fails_at(changed(lambda p: p["path"][2].__setitem__("hash", flipped + p["path"][2]["hash"][1:])), "root")
    fails_at(changed(lambda p: p["path"][1]["sums"].__setitem__(0, p["path"][1]["sums"][0] + 1)), "sums")
    fails_at(
        changed(lambda p: p["path"][1]["sums"].__setitem__(0, -5)), "path step 2"
    )  # the lower-bound attack
    # the root's stated sums changed: the path no longer adds up to them
    fails_at(changed(lambda p: p["root"]["sums"].__setitem__(0, 1)), "sums")
    done = run_verifier(proof, "ab" * 32, tmp_path)  # another root than the published one
    assert done.returncode == 1 and done.stdout.startswith("FAILED at root"), done.stdout


async def test_past_snapshots_stay_and_each_proof_names_its_own_root(world):
    people = await market(world)
    first = await reserves.make_snapshot(world.factory, SECRET)
    await world.fund(people["nothing"], 7 * MICRO)
    second = await reserves.make_snapshot(world.factory, SECRET)
    assert first is not None and second is not None and first.root != second.root
    async with world.factory() as s:
        old = await reserves.proof_for(s, people["trx"], first.snapshot_id)
        new = await reserves.proof_for(s, people["trx"])
        late = await reserves.proof_for(s, people["nothing"])
        missing = await reserves.proof_for(s, people["nothing"], first.snapshot_id)
    assert old is not None and verify(old, first.root)["amounts"] == [0, 1234 * MICRO]
    assert new is not None and verify(new, second.root) and new["nonce"] != old["nonce"]
    assert late is not None and verify(late, second.root)["amounts"] == [7 * MICRO, 0]
    assert missing is None
    assert second.owed[0] == first.owed[0] + 7 * MICRO


async def test_a_failing_ledger_audit_refuses_the_snapshot_and_tells_the_admins(world):
    people = await market(world)
    async with world.tx() as s:  # a balance that no posting explains
        await s.execute(
            text(
                "UPDATE ledger_accounts SET balance = balance + 1 WHERE owner_kind = 'user' AND owner_id = :u"
            ),
            {"u": people["trx"]},
        )
    assert await reserves.make_snapshot(world.factory, SECRET) is None
    assert await world.count(ReserveSnapshot) == 0
    assert await world.outbox(events.ReservesPublished) == []
    [alert] = await world.outbox(events.ReservesRefused)
    assert alert.recipient == "admins" and "balance" in alert.payload["violations"][0]


async def test_a_snapshot_taken_while_trades_settle_is_one_instant_of_the_ledger(world):
    """Trades are released and cancelled (and new ones taken) while snapshots are taken: in every
    snapshot, what users are owed plus the platform's fees is exactly what was deposited (a read
    spread over two instants would count a release's coins twice or not at all), and its root's
    sums are the ledger's as it was then."""
    paid = [await _paid(world) for _ in range(9)]
    opened = [await _take(world) for _ in range(9)]
    async with world.factory() as s:
        deposited = -int(
            await s.scalar(
                text(
                    "SELECT balance FROM ledger_accounts WHERE owner_kind='platform' AND purpose='deposits' AND asset='USDT'"
                )
            )
        )
    snapshots: list[reserves.Published] = []

    async def settle(pairs: list[tuple[tuple[int, int, int], tuple[int, int, int]]]) -> None:
        for (done, seller, _), (cancelled, _, buyer) in pairs:
            async with world.tx() as s:
                await trades.release(s, trade_id=done, actor_id=seller)
            async with world.tx() as s:
                await trades.cancel(s, trade_id=cancelled, actor_id=buyer)

    async def snap() -> None:
        for _ in range(6):
            published = await reserves.make_snapshot(world.factory, SECRET)
            assert published is not None
            snapshots.append(published)

    pairs = list(zip(paid, opened, strict=True))
    await asyncio.gather(settle(pairs[0::3]), settle(pairs[1::3]), settle(pairs[2::3]), snap())
    async with world.factory() as s:
        assert await s.scalar(select(func.count()).select_from(ReserveSnapshot)) == 6
        for published in snapshots:
            row = await s.get(ReserveSnapshot, published.snapshot_id)
            assert row is not None
            fees = row.platform.get("fees", {}).get("USDT", 0)
            assert published.owed[0] + fees == deposited
    statuses = {(await world.trade(t)).status for t, _, _ in paid + opened}
    assert statuses == {TradeStatus.COMPLETED.value, TradeStatus.CANCELLED.value}
    assert len({p.root for p in snapshots}) == len(snapshots)


async def test_a_release_committed_while_the_snapshot_reads_is_not_half_counted(world, monkeypatch):
    """The release commits after the snapshot's first read: the whole snapshot is the ledger
    before it (the seller still owed the escrow, no fee yet), never a mix."""
    done, seller, buyer = await _paid(world)
    real = reserves.audit

    async def audit_then_release(session: Any) -> Any:
        report = await real(session)
        async with world.tx() as s:
            await trades.release(s, trade_id=done, actor_id=seller)
        return report

    monkeypatch.setattr(reserves, "audit", audit_then_release)
    before = await _owed_by_ledger(world, seller)
    published = await reserves.make_snapshot(world.factory, SECRET)
    assert published is not None
    async with world.factory() as s:
        seller_proof = await reserves.proof_for(s, seller)
        buyer_proof = await reserves.proof_for(s, buyer)
        row = await s.get(ReserveSnapshot, published.snapshot_id)
    assert seller_proof is not None and seller_proof["amounts"] == before
    assert buyer_proof is None and row is not None and row.platform == {}
    assert (await world.trade(done)).status == TradeStatus.COMPLETED.value
    assert await _owed_by_ledger(world, seller) != before


async def test_the_snapshot_reads_in_one_repeatable_read_transaction(world, monkeypatch):
    seen: list[str] = []
    real = reserves.audit

    async def spying(session: Any) -> Any:
        seen.append(str(await session.scalar(text("SHOW transaction_isolation"))))
        seen.append(str(await session.scalar(text("SHOW transaction_read_only"))))
        return await real(session)

    monkeypatch.setattr(reserves, "audit", spying)
    await world.fund(await world.user(), 5 * MICRO)
    assert await reserves.make_snapshot(world.factory, SECRET) is not None
    assert seen == ["repeatable read", "on"]


async def test_before_any_snapshot_nobody_has_a_proof(world):
    user = await world.user()
    await world.fund(user, 5 * MICRO)
    async with world.factory() as s:
        assert await reserves.proof_for(s, user) is None


async def test_the_daily_job_publishes_once_a_day(world):
    await world.fund(await world.user(), 5 * MICRO)
    morning = datetime.now(UTC)
    first = await reserves_jobs.publish_daily(world.factory, SECRET, None, now=morning)
    assert first is not None
    assert await reserves_jobs.publish_daily(world.factory, SECRET, None, now=morning) is None
    tomorrow = await reserves_jobs.publish_daily(world.factory, SECRET, None, now=morning + timedelta(days=1))
    assert tomorrow is not None and tomorrow.snapshot_id == first.snapshot_id + 1
    assert len(await world.outbox(events.ReservesPublished)) == 2


async def test_the_tables_match_their_migration_and_downgrade_cleanly(databases):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import core.models  # noqa: F401
    from core import migrate
    from core.db import Base, make_engine

    engine = make_engine(await databases.create("koxx_reserves_schema"), pool_size=1)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
            storage = await conn.scalar(
                text(
                    "SELECT attstorage FROM pg_attribute WHERE attrelid = 'reserve_levels'::regclass AND attname = 'records'"
                )
            )
        assert [d for d in diff if "reserve_" in repr(d)] == []
        assert storage in ("e", b"e")  # external, uncompressed: a proof reads slices of the levels
        await migrate.downgrade(engine, "0015_market_pair")
        async with engine.connect() as conn:
            tables = set((await conn.execute(text("SELECT tablename FROM pg_tables"))).scalars())
        assert not {t for t in tables if t.startswith("reserve_")}
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
