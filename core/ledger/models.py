"""Ledger tables. The migration 0002_ledger is the source of truth (it also creates the
ledger_post() function); these mappings are for reading and for Alembic's metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    Identity,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column

MAY_GO_NEGATIVE_SQL = "owner_kind = 'platform' AND purpose IN ('deposits', 'withdrawals', 'adjustments')"


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("owner_kind", "owner_id", "purpose", "asset", name="uq_ledger_accounts_key"),
        CheckConstraint("balance >= 0 OR may_go_negative", name="non_negative"),
        CheckConstraint(
            "owner_kind IN ('user', 'offer', 'trade', 'withdrawal', 'platform')", name="owner_kind"
        ),
        CheckConstraint("asset IN ('USDT', 'TRX')", name="asset"),
        CheckConstraint(
            "purpose IN ('available', 'reserve', 'escrow', 'hold', 'fees', 'revenue', 'deposits', "
            "'withdrawals', 'adjustments', 'network_fees')",
            name="purpose",
        ),
        CheckConstraint("owner_kind <> 'platform' OR owner_id = 0", name="platform_id"),
        Index("ix_ledger_accounts_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int]
    purpose: Mapped[str] = mapped_column(String(16))
    asset: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int | None]
    may_go_negative: Mapped[bool] = mapped_column(Computed(MAY_GO_NEGATIVE_SQL, persisted=True))
    balance: Mapped[int] = mapped_column(server_default="0")
    created_at: Mapped[datetime] = created_at_column()


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_ref", "ref"),
        Index("ix_ledger_entries_kind_created_at", "kind", "created_at"),  # the reports (0020_reports)
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    ref: Mapped[str | None] = mapped_column(String(64))
    memo: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()


class LedgerPosting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="non_zero"),
        Index("ix_ledger_postings_account_entry", "account_id", "entry_id"),
    )

    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    amount: Mapped[int]
