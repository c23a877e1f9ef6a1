"""Making, storing and publishing a proof-of-reserves snapshot, and a user's inclusion proof.

1. ``read_owed``: in ONE read-only REPEATABLE READ transaction (one instant of the ledger), the
   ledger audit, what each user is owed per asset (every account whose beneficial owner is the
   user: available, withdrawal holds, sell-offer reserves, the escrow of trades they sell in) and
   the platform's own balances (fees, revenue, network fees: reported apart, not in the tree).
2. Refused (``ReservesRefused`` to the admins, nothing published) when the audit fails or a
   balance belongs to nobody.
3. The holdings on chain at one block (core.reserves.holdings), when a node is given.
4. One write transaction: the snapshot row, the tree (core.reserves.tree) built and checked
   against the ledger's totals, its levels and leaves, the addresses counted; the channel post
   (``ReservesPublished``) and, per asset held under what is owed, ``ReservesShort`` to the admins.
The hot and deposit addresses are signed afterwards where the keys are (``holdings.sign_pending``,
in the worker).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import events, outbox
from core.config import Settings
from core.db import transaction
from core.errors import DomainError
from core.ledger import audit
from core.ledger.types import NEGATIVE_ALLOWED
from core.money import Asset
from core.reserves import tree
from core.reserves.holdings import Holdings, read_holdings
from core.reserves.models import ReserveAddress, ReserveLeaf, ReserveLevel, ReserveSnapshot
from core.wallet.config import WalletConfig
from core.wallet.node import Node

log = logging.getLogger(__name__)

ASSETS: tuple[str, ...] = tuple(str(a) for a in Asset)
_DEV_SECRET = b"koxx-dev-reserves-secret (sandbox only; set RESERVES_SECRET)"


def secret_of(settings: Settings) -> bytes:
    """RESERVES_SECRET, or a dev secret in the sandbox; DomainError("reserves_no_secret") else."""
    if settings.reserves_secret:
        return settings.reserves_secret.get_secret_value().encode()
    if settings.sandboxed:
        return _DEV_SECRET
    raise DomainError("reserves_no_secret")  # outside the sandbox nothing is published without it


@dataclass(frozen=True)
class Owed:
    leaves: list[tree.Leaf]
    totals: tuple[int, ...]  # per asset, every user account's balance summed: the ledger's liabilities
    platform: dict[str, dict[str, int]]  # {purpose: {asset: balance}}, the platform's own
    violations: list[str]  # the audit's, and balances that belong to nobody


async def read_owed(factory: async_sessionmaker[AsyncSession]) -> Owed:
    async with factory() as session, session.begin():
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        report = await audit(session)
        rows = await session.execute(
            text(
                "SELECT user_id, asset, sum(balance) FROM ledger_accounts WHERE user_id IS NOT NULL "
                "GROUP BY user_id, asset HAVING sum(balance) <> 0 ORDER BY user_id"
            )
        )
        per_user: dict[int, list[int]] = {}
        for user_id, asset, amount in rows.tuples():
            per_user.setdefault(int(user_id), [0] * len(ASSETS))[ASSETS.index(asset)] = int(amount)
        orphans = (
            await session.execute(
                text(
                    "SELECT 'account ' || id || ' (' || owner_kind || ':' || owner_id || ':' || purpose || ' ' || asset"
                    " || ') holds ' || balance || ' for nobody' FROM ledger_accounts "
                    "WHERE user_id IS NULL AND owner_kind <> 'platform' AND balance <> 0 ORDER BY id"
                )
            )
        ).scalars()
        platform: dict[str, dict[str, int]] = {}
        for purpose, asset, amount in (
            await session.execute(
                text("SELECT purpose, asset, balance FROM ledger_accounts WHERE owner_kind = 'platform'")
            )
        ).tuples():
            if purpose not in NEGATIVE_ALLOWED:
                platform.setdefault(purpose, {})[asset] = int(amount)
    leaves = [tree.Leaf(user_id, tuple(amounts)) for user_id, amounts in per_user.items()]
    totals = tuple(sum(column) for column in zip(*(leaf.amounts for leaf in leaves), strict=True)) or (
        0,
    ) * len(ASSETS)
    return Owed(leaves, totals, platform, [*report.violations, *orphans])


@dataclass(frozen=True)
class Published:
    snapshot_id: int
    root: bytes
    owed: tuple[int, ...]
    held: tuple[int, ...] | None
    block: int | None
    users: int


async def make_snapshot(
    factory: async_sessionmaker[AsyncSession],
    secret: bytes,
    *,
    node: Node | None = None,
    config: WalletConfig | None = None,
) -> Published | None:
    """Reads, builds, stores and publishes a snapshot (module docstring); None when refused."""
    owed = await read_owed(factory)
    if owed.violations:
        log.error("reserves: snapshot refused, the ledger audit failed (%d violations)", len(owed.violations))
        async with transaction(factory) as session:
            refused = events.ReservesRefused(violations=tuple(owed.violations[:10]))
            outbox.emit(session, refused, [outbox.ADMINS])
        return None
    holdings: Holdings | None = None
    if node is not None and config is not None:
        async with factory() as session:
            holdings = await read_holdings(session, node, config)
    async with transaction(factory) as session:
        snapshot = ReserveSnapshot(
            assets=list(ASSETS), owed=list(owed.totals), users=len(owed.leaves), platform=owed.platform
        )
        if holdings is not None:
            snapshot.block = holdings.block
            snapshot.held = [holdings.total(asset) for asset in ASSETS]
        session.add(snapshot)
        await session.flush()
        built = await asyncio.to_thread(
            tree.build, owed.leaves, ASSETS, secret=secret, snapshot_id=snapshot.id
        )
        if built.sums != owed.totals:  # never: the tree adds up what the ledger owes, exactly
            raise RuntimeError(f"the tree's sums {built.sums} differ from the ledger's {owed.totals}")
        await store(session, snapshot.id, built, holdings)
        snapshot.root, snapshot.depth, snapshot.published_at = built.root, built.depth, datetime.now(UTC)
        held = tuple(snapshot.held) if snapshot.held is not None else None
        outbox.emit(session, events.ReservesPublished(
            snapshot_id=snapshot.id, root=built.root.hex(), taken_at=snapshot.published_at, users=len(owed.leaves),
            block=snapshot.block, assets=ASSETS, owed=owed.totals, held=held,
        ), [outbox.PAYMENTS_CHANNEL])  # fmt: skip
        for asset, owes, has in zip(ASSETS, owed.totals, held or (), strict=False):
            if has < owes:
                outbox.emit(session, events.ReservesShort(snapshot_id=snapshot.id, asset=asset, owed=owes, held=has),
                            [outbox.ADMINS])  # fmt: skip
    return Published(snapshot.id, built.root, owed.totals, held, snapshot.block, len(owed.leaves))


async def store(session: AsyncSession, snapshot_id: int, built: tree.Tree, holdings: Holdings | None) -> None:
    size = tree.record_size(len(built.assets))
    leaves = built.levels[0]
    rows = (  # streamed (a million leaves: no second copy in memory); amounts read from the records
        (
            snapshot_id,
            user_id,
            position,
            nonce,
            list(tree.unpack_sums(leaves[position * size + tree.HASH : (position + 1) * size])),
        )
        for position, (user_id, nonce) in enumerate(zip(built.order, built.nonces, strict=True))
    )
    if built.order:  # COPY: a million leaves in seconds, in this transaction
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        assert raw is not None
        await raw.copy_records_to_table(
            ReserveLeaf.__tablename__,
            records=rows,
            columns=["snapshot_id", "user_id", "position", "nonce", "amounts"],
        )
    await session.execute(
        insert(ReserveLevel),
        [
            {"snapshot_id": snapshot_id, "level": level, "records": records}
            for level, records in enumerate(built.levels)
        ],
    )
    if holdings is not None and holdings.addresses:
        await session.execute(insert(ReserveAddress), [
            {"snapshot_id": snapshot_id, "address": held.address, "role": held.role, "balances": held.balances}
            for held in holdings.addresses
        ])  # fmt: skip


async def latest(session: AsyncSession) -> ReserveSnapshot | None:
    return await session.scalar(
        select(ReserveSnapshot)
        .where(ReserveSnapshot.root.is_not(None))
        .order_by(ReserveSnapshot.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Overview:
    snapshot: ReserveSnapshot
    addresses: list[ReserveAddress]  # hot, cold, deposit: balances at the block, signatures


async def overview(session: AsyncSession) -> Overview | None:
    """The latest published snapshot and its addresses (None before the first)."""
    snapshot = await latest(session)
    if snapshot is None:
        return None
    found = await session.scalars(
        select(ReserveAddress).where(ReserveAddress.snapshot_id == snapshot.id).order_by(ReserveAddress.role)
    )
    return Overview(snapshot, list(found))


@dataclass(frozen=True)
class MyProof:
    snapshot: ReserveSnapshot | None  # the latest published (None: none yet)
    proof: dict[str, Any] | None  # None: that snapshot owes the user nothing


async def my_proof(session: AsyncSession, user_id: int) -> MyProof:
    """What /proof shows: the latest snapshot and the user's proof in it."""
    snapshot = await latest(session)
    if snapshot is None:
        return MyProof(None, None)
    return MyProof(snapshot, await proof_for(session, user_id, snapshot.id))


def verifier_file() -> bytes:
    """The standalone verifier's source (core/reserves/verify_reserves.py), for users to download."""
    return (Path(__file__).parent / "verify_reserves.py").read_bytes()


async def proof_for(
    session: AsyncSession, user_id: int, snapshot_id: int | None = None
) -> dict[str, Any] | None:
    """The user's inclusion proof in the snapshot (default: the latest published) as the JSON
    document core/reserves/verify_reserves.py checks; None when the snapshot owes them nothing (or there
    is no snapshot)."""
    snapshot = (
        await latest(session) if snapshot_id is None else await session.get(ReserveSnapshot, snapshot_id)
    )
    if snapshot is None or snapshot.root is None:
        return None
    leaf = await session.get(ReserveLeaf, (snapshot.id, user_id))
    if leaf is None:
        return None
    size = tree.record_size(len(snapshot.assets))
    # One record per level: the sibling on the way up, the root at the top (substring is 1-based).
    offsets = {level: ((leaf.position >> level) ^ 1) * size + 1 for level in range(snapshot.depth)}
    offsets[snapshot.depth] = 1
    rows = await session.execute(
        select(
            ReserveLevel.level,
            func.substring(ReserveLevel.records, case(offsets, value=ReserveLevel.level), size),
        )
        .where(ReserveLevel.snapshot_id == snapshot.id)
        .order_by(ReserveLevel.level)
    )
    records = {level: bytes(raw or b"") for level, raw in rows.tuples()}
    own = await session.scalar(
        select(func.substring(ReserveLevel.records, leaf.position * size + 1, tree.HASH)).where(
            ReserveLevel.snapshot_id == snapshot.id, ReserveLevel.level == 0
        )
    )
    return {
        "format": tree.FORMAT,
        "snapshot": {"id": snapshot.id, "taken_at": snapshot.taken_at.isoformat(), "block": snapshot.block},
        "assets": list(snapshot.assets),
        "decimals": 6,
        "user_id": user_id,
        "nonce": leaf.nonce.hex(),
        "amounts": list(leaf.amounts),
        "index": leaf.position,
        "leaf_hash": bytes(own or b"").hex(),
        "path": [tree.step(records[level], size) for level in range(snapshot.depth)],
        "root": tree.step(records[snapshot.depth], size),
    }
