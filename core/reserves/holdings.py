"""What the platform holds on chain for a snapshot: per asset, the hot wallet, the cold wallet and
the deposit addresses with credited deposits not swept yet (as core.wallet.report counts them),
read at one block; and signatures of the snapshot's message by the addresses whose keys the
service holds (the hot key, the deposit keys from the seed), made only where the keys are: the
worker (``KeyRing``). The cold wallet's signature is made offline and handed in by an admin
(``add_cold_signature``), checked before it is stored.

Signatures are TRON signed messages (tronpy ``PrivateKey.sign_msg``: Keccak-256 of
"\\x19TRON Signed Message:\\n" + the message's length + the message, 65 bytes r || s || v, in hex).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from tronpy.keys import BadSignature, PublicKey, Signature

from core.errors import DomainError
from core.reserves.models import ReserveAddress, ReserveSnapshot
from core.wallet.config import WalletConfig
from core.wallet.hd import Seed
from core.wallet.models import Deposit, DepositAddress, DepositStatus
from core.wallet.node import Node
from core.wallet.report import balances
from core.wallet.sender import Signer

log = logging.getLogger(__name__)

HOT, COLD, DEPOSIT = "hot", "cold", "deposit"
READ_ATTEMPTS = 5  # the head moved while reading: read again


def message(snapshot_id: int, root: bytes) -> str:
    """What every address signs for a snapshot: its id and root (so no signature can be made
    before the snapshot exists)."""
    return f"KOXX proof of reserves: snapshot {snapshot_id}, root {root.hex()}"


@dataclass(frozen=True)
class Held:
    address: str
    role: str
    balances: dict[str, int]


@dataclass(frozen=True)
class Holdings:
    block: int
    addresses: list[Held]

    def total(self, asset: str) -> int:
        return sum(a.balances.get(asset, 0) for a in self.addresses)


async def unswept_addresses(session: AsyncSession) -> list[str]:
    """Deposit addresses with credited deposits not swept yet."""
    rows = await session.scalars(
        select(DepositAddress.address)
        .join(Deposit, Deposit.user_id == DepositAddress.user_id)
        .where(Deposit.status == DepositStatus.CREDITED, Deposit.swept.is_(False))
        .distinct()
        .order_by(DepositAddress.address)
    )
    return list(rows)


async def read_holdings(session: AsyncSession, node: Node, config: WalletConfig) -> Holdings:
    """Every counted address's balances, all read while the node's head stayed at one block (read
    again when a block came in between)."""
    wanted: list[tuple[str, str]] = []
    if config.hot_address:
        wanted.append((config.hot_address, HOT))
    if config.cold_address:
        wanted.append((config.cold_address, COLD))
    wanted += [(address, DEPOSIT) for address in await unswept_addresses(session)]
    for _ in range(READ_ATTEMPTS):
        block = (await node.heights()).head
        held = [
            Held(address, role, {str(a): v for a, v in (await balances(node, config, address)).items()})
            for address, role in wanted
        ]
        if (await node.heights()).head == block:
            return Holdings(block, held)
    raise DomainError("chain_moving")


class KeyRing:
    """The keys this process may sign with (the worker's): the hot wallet's, the deposit seed."""

    def __init__(self, hot: Signer | None, seed: Seed | None) -> None:
        self.hot = hot
        self.seed = seed

    def __repr__(self) -> str:
        return f"KeyRing(hot={self.hot!r}, seed={self.seed is not None})"

    def sign(self, held: ReserveAddress, text: str, index: int | None) -> str | None:
        """The signature of ``text`` by ``held``'s key, or None when this process does not hold it."""
        if held.role == HOT and self.hot is not None and self.hot.address == held.address:
            return self.hot.sign_message(text)
        if held.role == DEPOSIT and self.seed is not None and index is not None:
            key = self.seed.key_at(index)
            if key.public_key.to_base58check_address() == held.address:
                return str(key.sign_msg(text.encode()).hex())
        return None


async def sign_pending(session: AsyncSession, keys: KeyRing, snapshot_id: int | None = None) -> int:
    """Signs every unsigned hot and deposit address of the snapshot (default: the latest) whose
    key ``keys`` holds; returns how many."""
    if snapshot_id is None:
        snapshot_id = await session.scalar(
            select(ReserveSnapshot.id)
            .where(ReserveSnapshot.root.is_not(None))
            .order_by(ReserveSnapshot.id.desc())
            .limit(1)
        )
    snapshot = await session.get(ReserveSnapshot, snapshot_id) if snapshot_id is not None else None
    if snapshot is None or snapshot.root is None:
        return 0
    text = message(snapshot.id, snapshot.root)
    indexes = {
        a: i
        for a, i in (await session.execute(select(DepositAddress.address, DepositAddress.index))).tuples()
    }
    unsigned = await session.scalars(
        select(ReserveAddress)
        .where(
            ReserveAddress.snapshot_id == snapshot.id,
            ReserveAddress.signature.is_(None),
            ReserveAddress.role != COLD,
        )
        .with_for_update()
    )
    signed = 0
    for held in unsigned:
        signature = keys.sign(held, text, indexes.get(held.address))
        if signature is not None:
            held.signature = signature
            signed += 1
    return signed


def signed_by(text: str, signature_hex: str) -> str | None:
    """The address that signed ``text`` (TRON signed message), or None for a malformed signature."""
    try:
        raw = bytes.fromhex(signature_hex.strip().removeprefix("0x"))
        signature = Signature(raw)
        key: PublicKey = signature.recover_public_key_from_msg(text.encode())
    except (ValueError, BadSignature):
        return None
    return str(key.to_base58check_address())


async def add_cold_signature(session: AsyncSession, snapshot_id: int, signature_hex: str) -> ReserveAddress:
    """Stores the cold wallet's offline signature of the snapshot's message, after checking that
    the cold address made it; DomainError("reserves_bad_signature") when not."""
    snapshot = await session.get(ReserveSnapshot, snapshot_id)
    if snapshot is None or snapshot.root is None:
        raise DomainError("reserves_no_snapshot", id=snapshot_id)
    cold = await session.scalar(
        select(ReserveAddress)
        .where(ReserveAddress.snapshot_id == snapshot_id, ReserveAddress.role == COLD)
        .with_for_update()
    )
    if cold is None:
        raise DomainError("reserves_no_cold", id=snapshot_id)
    if signed_by(message(snapshot.id, snapshot.root), signature_hex) != cold.address:
        raise DomainError("reserves_bad_signature", address=cold.address)
    cold.signature = signature_hex.strip().removeprefix("0x").lower()
    return cold
