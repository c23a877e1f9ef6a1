"""The accounts' tables. Migration: migrations/versions/0005_accounts.py (keep the two in step).

users.kyc_level, users.premium_until, users.tier, users.referral_code and users.referred_by
live on the users table (core.users); these tables hold what does not belong there.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column


class KycStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class VerifiedPhone(Base):
    """The phone number a user shared through Telegram's contact button (KYC level 1)."""

    __tablename__ = "verified_phones"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    verified_at: Mapped[datetime] = created_at_column()


class KycRequest(Base):
    """An identity document and a selfie waiting for (or given) a moderator's decision.

    The photos are ``KycDocument`` rows, sealed (never Telegram file ids only);
    ``files_deleted_at`` is set when the retention job removed them. (``storage_key`` named
    their folder on disk before 0019_documents; ``python -m core.accounts.documents import-files``
    moves such folders into the database.)"""

    __tablename__ = "kyc_requests"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default=KycStatus.PENDING.value)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime] = created_at_column()
    reviewed_by: Mapped[int | None] = mapped_column(BigInteger)
    reviewed_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    files_deleted_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        Index("ix_kyc_requests_user_id", "user_id"),
        # One request waiting per user at a time.
        Index("uq_kyc_requests_pending_user", "user_id", unique=True, postgresql_where="status = 'pending'"),
    )


class KycDocument(Base):
    """One photo of a request, sealed with DOCUMENTS_KEY (core.accounts.documents): in PostgreSQL,
    so every server reads it and the backups carry it. Migration 0019_documents."""

    __tablename__ = "kyc_documents"

    request_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("kyc_requests.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    sealed: Mapped[str] = mapped_column(Text)

    __table_args__ = (CheckConstraint("kind IN ('document', 'selfie')", name="kind"),)


class PremiumReminder(Base):
    """A user was told their membership ends at ``until`` (told once per end date)."""

    __tablename__ = "premium_reminders"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    until: Mapped[datetime] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = created_at_column()


class SecondFactor(Base):
    """A user's one-time-code factor (TOTP, core.accounts.second_factor). Migration:
    migrations/versions/0013_second_factor.py. ``secret`` is sealed (core.crypto) with the
    service key and the user id as associated data; ``enabled_at`` is None until the first code
    proved the user's app has it. Wrong codes in a row count in ``failures``; enough lock it
    until ``locked_until``. ``off_at``: switching it off takes effect then (a cooling-off)."""

    __tablename__ = "second_factors"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(Text)
    enabled_at: Mapped[datetime | None]
    last_step: Mapped[int | None] = mapped_column(BigInteger)  # the last time step used (single use)
    failures: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    off_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class RecoveryCode(Base):
    """One of the ten single-use recovery codes, stored only as a hash."""

    __tablename__ = "second_factor_recovery_codes"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime | None]


class AntiPhishingCode(Base):
    """The phrase a user chose; the bot shows it at the top of every money notice it sends
    them, so a message without it is not from us. Never shown to staff."""

    __tablename__ = "anti_phishing_codes"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    phrase: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = created_at_column()


class PaymentAccount(Base):
    """Where a trader receives or sends fiat: one wallet, card, bank account or cash place.

    Migration: 0014_payment_accounts. Removing one only sets ``removed_at``: trades keep
    pointing at the account they were paid to or from."""

    __tablename__ = "payment_accounts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(16))  # one of core.escrow.offers.PAYMENT_METHODS
    number: Mapped[str] = mapped_column(String(40))  # canonical: 07XXXXXXXXX, an IBAN, a card; "" for cash
    holder_name: Mapped[str] = mapped_column(String(64))
    city: Mapped[str | None] = mapped_column(String(40))  # cash only
    created_at: Mapped[datetime] = created_at_column()
    removed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_payment_accounts_user_id", "user_id"),)
