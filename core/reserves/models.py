"""Proof-of-reserves tables (migration 0016_reserves): every published snapshot stays, with its
tree (the levels' records, for proofs), its leaves (who is where, with which nonce) and the
addresses whose holdings it counted (with their signatures of the snapshot's message)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Integer, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column


class ReserveSnapshot(Base):
    __tablename__ = "reserve_snapshots"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    taken_at: Mapped[datetime] = created_at_column()
    root: Mapped[bytes | None] = mapped_column(LargeBinary(32))  # None while being built
    assets: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    owed: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)  # the root's sums
    users: Mapped[int] = mapped_column(Integer, default=0)  # leaves
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # The platform's own balances, not in the tree: {purpose: {asset: micro units}}.
    platform: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    block: Mapped[int | None] = mapped_column(BigInteger)  # the chain's block the holdings were read at
    held: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))  # per asset, on chain at ``block``
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReserveLeaf(Base):
    __tablename__ = "reserve_leaves"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("reserve_snapshots.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[bytes] = mapped_column(LargeBinary(32))
    amounts: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))


class ReserveLevel(Base):
    """One level of a snapshot's tree: its records end to end (core.reserves.tree)."""

    __tablename__ = "reserve_levels"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("reserve_snapshots.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    records: Mapped[bytes] = mapped_column(LargeBinary)


class ReserveAddress(Base):
    """An address whose balance a snapshot counted, and its signature of the snapshot's message
    (None until signed: the cold wallet's comes from an admin, signed offline)."""

    __tablename__ = "reserve_addresses"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("reserve_snapshots.id"), primary_key=True)
    address: Mapped[str] = mapped_column(String(34), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # hot | cold | deposit
    balances: Mapped[dict[str, int]] = mapped_column(JSONB)  # {asset: micro units} at the snapshot's block
    signature: Mapped[str | None] = mapped_column(Text)  # hex, TRON signed-message format
    created_at: Mapped[datetime] = created_at_column()
