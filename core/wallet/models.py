"""The wallet's tables: deposit addresses, detected deposits, the scanner's cursor, withdrawals
(with their approvals and whitelists) and sweeps."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column


class DepositStatus(enum.StrEnum):
    DETECTED = "detected"  # seen in a block, waiting for confirmations
    CREDITED = "credited"  # final, on the user's ledger balance
    DUST = "dust"  # final but below the minimum: recorded, never credited
    DROPPED = "dropped"  # its block left the chain before it was final


class WithdrawalStatus(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"  # ready to sign
    SIGNED = "signed"  # txid and signed transaction stored; maybe broadcast
    BROADCAST = "broadcast"  # accepted into the node's pool, waiting for confirmation
    SENT = "sent"  # confirmed on chain; hold captured
    FAILED = "failed"  # definitely not sent; hold released
    REJECTED = "rejected"  # refused by an admin; hold released


class SweepStatus(enum.StrEnum):
    GAS_SENT = "gas_sent"  # TRX for energy sent to the deposit address
    SENT = "sent"  # the sweep transaction was broadcast
    DONE = "done"
    FAILED = "failed"


class DepositAddress(Base):
    __tablename__ = "wallet_deposit_addresses"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    index: Mapped[int] = mapped_column("idx", Integer, unique=True)
    address: Mapped[str] = mapped_column(String(34), unique=True)
    body: Mapped[bytes] = mapped_column(LargeBinary(20), unique=True)  # 20 bytes, no 0x41
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (CheckConstraint("idx >= 0", name="idx_positive"),)


class Deposit(Base):
    __tablename__ = "wallet_deposits"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    txid: Mapped[str] = mapped_column(String(64))
    event_index: Mapped[int] = mapped_column(Integer)  # log index (USDT) or 0 (a TRX transfer)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)
    asset: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    address: Mapped[str] = mapped_column(String(34))
    sender: Mapped[str | None] = mapped_column(String(34))
    block_num: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=DepositStatus.DETECTED)
    swept: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    detected_at: Mapped[datetime] = created_at_column()
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("txid", "event_index"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_wallet_deposits_pending", "block_num", postgresql_where="status = 'detected'"),
    )


class ScannerCursor(Base):
    """The next block the scanner reads, per scanner name."""

    __tablename__ = "wallet_scanner_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_block: Mapped[int] = mapped_column(BigInteger)


class ScannedBlock(Base):
    """Hashes of recently scanned blocks, to notice a fork (pruned once final)."""

    __tablename__ = "wallet_scanned_blocks"

    num: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class Withdrawal(Base):
    __tablename__ = "wallet_withdrawals"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    asset: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)  # what arrives
    fee: Mapped[int] = mapped_column(BigInteger)  # network fee charged to the user, same asset
    to_address: Mapped[str] = mapped_column(String(34))
    status: Mapped[str] = mapped_column(String(24))
    approvals_needed: Mapped[int] = mapped_column(Integer, default=0)
    txid: Mapped[str | None] = mapped_column(String(64), unique=True)
    signed_tx: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # public data: no key inside
    expires_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    block_num: Mapped[int | None] = mapped_column(BigInteger)
    network_cost_sun: Mapped[int | None] = mapped_column(BigInteger)  # TRX the hot wallet burned
    error: Mapped[str | None] = mapped_column(Text)
    client_key: Mapped[str | None] = mapped_column(String(64))  # the bot's idempotency key
    created_at: Mapped[datetime] = created_at_column()
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("amount > 0 AND fee >= 0", name="amounts"),
        UniqueConstraint("user_id", "client_key"),
        Index("ix_wallet_withdrawals_user_created", "user_id", "created_at"),
        Index(
            "ix_wallet_withdrawals_open",
            "status",
            postgresql_where="status IN ('approved', 'signed', 'broadcast', 'awaiting_approval')",
        ),
    )


class WithdrawalApproval(Base):
    __tablename__ = "wallet_withdrawal_approvals"

    withdrawal_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("wallet_withdrawals.id"), primary_key=True
    )
    admin_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime] = created_at_column()


class WhitelistEntry(Base):
    __tablename__ = "wallet_whitelist"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    address: Mapped[str] = mapped_column(String(34), primary_key=True)
    usable_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class WhitelistRecipient(Base):
    """A user saved as a recipient of internal transfers: with «saved addresses only» on,
    transfers go only to them, after the same cooling-off as a new address."""

    __tablename__ = "wallet_whitelist_recipients"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    recipient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    usable_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class WalletPrefs(Base):
    """Per-user wallet options (whitelist-only withdrawals)."""

    __tablename__ = "wallet_prefs"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    whitelist_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Turning the whitelist off takes effect only after the cooling-off period, like a new address.
    whitelist_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Sweep(Base):
    __tablename__ = "wallet_sweeps"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    asset: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    upto_deposit_id: Mapped[int] = mapped_column(BigInteger)  # credited deposits it covers
    # Stored before the gas transfer is broadcast: the scanner never credits this txid.
    gas_txid: Mapped[str | None] = mapped_column(String(64), index=True)
    gas_sun: Mapped[int | None] = mapped_column(BigInteger)  # the gas sent (TRX, sun); the sweep burns it
    txid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class ColdDirection(enum.StrEnum):
    OUT = "out"  # hot -> cold: the hot wallet's excess, signed by the service
    IN = "in"  # cold -> hot: a refill, signed offline by the cold key's holder


class ColdStatus(enum.StrEnum):
    REQUESTED = "requested"  # in: the hot wallet runs low; admins were asked
    UNSIGNED = "unsigned"  # in: an unsigned transaction was handed out (txid known)
    SIGNED = "signed"  # txid and signed transaction stored; maybe broadcast
    BROADCAST = "broadcast"  # accepted into the node's pool
    DONE = "done"  # final on chain
    FAILED = "failed"  # definitely not on chain (rejected, expired, failed execution)
    CANCELLED = "cancelled"  # in: no longer needed before anything was signed


COLD_OPEN = (ColdStatus.REQUESTED, ColdStatus.UNSIGNED, ColdStatus.SIGNED, ColdStatus.BROADCAST)


class ColdTransfer(Base):
    """A move between the hot wallet and cold storage. Custody, not ownership: the ledger does
    not change (like a sweep); the TRX burned is kept in ``network_cost_sun`` for reporting.
    At most one open transfer per direction and asset (a partial unique index), so a crash
    between signing and recording can never lead to a second signature."""

    __tablename__ = "wallet_cold_transfers"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(String(4))
    asset: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    from_address: Mapped[str] = mapped_column(String(34))
    to_address: Mapped[str] = mapped_column(String(34))
    status: Mapped[str] = mapped_column(String(16))
    txid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unsigned_tx: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # in: what the cold key signs
    signed_tx: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # public data: no key inside
    expires_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    block_num: Mapped[int | None] = mapped_column(BigInteger)
    network_cost_sun: Mapped[int | None] = mapped_column(BigInteger)  # TRX burned (paid by the sender)
    admin_id: Mapped[int | None] = mapped_column(BigInteger)  # in: who handed the signed refill in
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("direction IN ('out', 'in')", name="direction"),
        Index(
            "uq_wallet_cold_transfers_open",
            "direction",
            "asset",
            unique=True,
            postgresql_where="status IN ('requested', 'unsigned', 'signed', 'broadcast')",
        ),
    )
