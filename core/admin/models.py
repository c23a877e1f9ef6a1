"""The staff tables: moderators, the append-only trail of what staff did, balance adjustments.

Migrations: migrations/versions/0006_staff.py, 0010_balance_adjustments.py (keep them in step).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column


class StaffMember(Base):
    """A moderator (or an admin added in the database; ADMIN_IDS are admins without a row)."""

    __tablename__ = "staff_members"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = created_at_column()

    __table_args__ = (CheckConstraint("role IN ('admin', 'moderator')", name="role"),)


class StaffAction(Base):
    """One staff action: who, what, on what, why, when. The database refuses UPDATE and DELETE."""

    __tablename__ = "staff_actions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    actor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(48))  # e.g. "dispute.resolve", "user.freeze"
    target: Mapped[str] = mapped_column(String(64))  # e.g. "dispute:12", "user:123", "rule:maker_fee_pct"
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # the user it concerns
    trade_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # the trade it concerns
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()


class BalanceAdjustment(Base):
    """An admin's balance adjustment: applied at once while within what one admin may adjust
    alone (market rules ``adjust_limit_usdt`` / ``adjust_limit_trx``), else pending until a
    second, different admin approves (or an admin rejects)."""

    __tablename__ = "balance_adjustments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    request_key: Mapped[str] = mapped_column(String(64), unique=True)  # the admin's request, once
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)
    asset: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)  # micro units; negative takes from the balance
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(8))
    decided_by: Mapped[int | None] = mapped_column(BigInteger)  # the approving (or rejecting) admin
    created_at: Mapped[datetime] = created_at_column()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'applied', 'rejected')", name="status"),
        CheckConstraint("amount <> 0", name="amount"),
    )
