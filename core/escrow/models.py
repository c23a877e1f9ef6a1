"""The marketplace's tables: market settings, offers, trades and everything hanging off a trade.

Migration: migrations/versions/0003_escrow.py (keep the two in step).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core import events
from core.db import Base, created_at_column
from core.events import offer_post_key
from core.money import Asset, Fiat

PRICE = Numeric(20, 2)  # fiat prices and totals; the fiat's exponent (IQD 0, USD 2) is enforced in code
PCT = Numeric(7, 3)


class Side(enum.StrEnum):
    SELL = "sell"  # the maker sells crypto (and is funded when publishing)
    BUY = "buy"  # the maker buys crypto (the taker, a seller, is funded when taking)


class PriceType(enum.StrEnum):
    FIXED = "fixed"
    FLOATING = "floating"  # margin percent over the admins' reference rate


class OfferStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # hidden from browsing; a sell offer keeps its reserve
    CLOSED = "closed"  # final; its reserve went back to the maker


class TradeStatus(enum.StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"


OPEN_TRADE_STATUSES = (TradeStatus.AWAITING_PAYMENT, TradeStatus.PAID, TradeStatus.DISPUTED)


def fiat_text(value: Decimal | None, fiat: str) -> str | None:
    """A fiat amount as text in the currency's exponent ("131000" IQD, "12.50" USD)."""
    return None if value is None else str(value.quantize(Fiat(fiat).quantum))


class MarketRate(Base):
    """The reference rate in force per asset and fiat (fiat per 1 unit): the market's (the
    volume-weighted median of completed trades, core.escrow.market_rate) or, when trades are too
    few or the admins pinned it, the admins' ``admin_rate``."""

    __tablename__ = "market_rates"

    asset: Mapped[str] = mapped_column(String(8), primary_key=True)
    fiat: Mapped[str] = mapped_column(String(8), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(PRICE)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = created_at_column()  # when ``rate`` last changed
    admin_rate: Mapped[Decimal | None] = mapped_column(PRICE)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    source: Mapped[str] = mapped_column(String(8), default="admin", server_default="admin")  # admin | market
    stale_alerted_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint("rate > 0", name="positive"),)


class MarketSetting(Base):
    """Run-time overrides of the marketplace knobs (fees, deviation, ...): see market.Rules."""

    __tablename__ = "market_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = created_at_column()


class Offer(Base):
    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    maker_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    side: Mapped[str] = mapped_column(String(4))
    asset: Mapped[str] = mapped_column(String(8))
    fiat: Mapped[str] = mapped_column(String(8))
    price_type: Mapped[str] = mapped_column(String(8))
    price: Mapped[Decimal | None] = mapped_column(PRICE)  # fixed price
    margin_pct: Mapped[Decimal | None] = mapped_column(PCT)  # floating price
    amount: Mapped[int] = mapped_column(BigInteger)  # the total the maker asked for (micro units)
    remaining: Mapped[int] = mapped_column(BigInteger)  # what can still be traded (micro units)
    # Sell offers only: coins kept in the reserve for the maker's fees on future trades.
    fee_reserve: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    maker_fee_pct: Mapped[Decimal] = mapped_column(PCT)  # fixed when published
    min_fiat: Mapped[Decimal] = mapped_column(PRICE)
    max_fiat: Mapped[Decimal] = mapped_column(PRICE)
    payment_methods: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    payment_note: Mapped[str | None] = mapped_column(String(100))
    # The maker's payment accounts (core.accounts.payment_accounts) the offer accepts; shown
    # only to the buyer of one of its trades, never in the public offer.
    payment_account_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")
    city: Mapped[str | None] = mapped_column(String(40))  # where cash changes hands (the market filters by it)
    payment_window: Mapped[int] = mapped_column(Integer)  # minutes
    terms: Mapped[str | None] = mapped_column(String(500))
    min_trades: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    min_account_age_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(8), default=OfferStatus.ACTIVE)
    is_promoted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Who sees it (issue 22): public (listed, posted in the channel), private (only through its
    # link, ``link_token``), trusted (listed to the maker's trusted traders only; core.escrow.trust).
    visibility: Mapped[str] = mapped_column(String(8), default="public", server_default="public")
    link_token: Mapped[str | None] = mapped_column(String(24), unique=True)
    auto_reply: Mapped[str | None] = mapped_column(Text)  # sent into the chat of each trade it opens
    reserve_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # ledger keys
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    closed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("side IN ('sell', 'buy')", name="side"),
        CheckConstraint("status IN ('active', 'paused', 'closed')", name="status"),
        CheckConstraint(
            "(price_type = 'fixed' AND price > 0) OR (price_type = 'floating' AND margin_pct IS NOT NULL)",
            name="price",
        ),
        CheckConstraint("remaining >= 0 AND remaining <= amount AND fee_reserve >= 0", name="amounts"),
        CheckConstraint("min_fiat > 0 AND max_fiat >= min_fiat", name="limits"),
        CheckConstraint("payment_window BETWEEN 5 AND 1440", name="window"),
        CheckConstraint("visibility IN ('public', 'private', 'trusted')", name="visibility"),
        Index("ix_offers_browse", "side", "asset", "fiat", "status"),
        Index("ix_offers_maker_id", "maker_id"),
    )

    @property
    def asset_enum(self) -> Asset:
        return Asset(self.asset)

    @property
    def fiat_enum(self) -> Fiat:
        return Fiat(self.fiat)

    @property
    def reserved(self) -> int:
        """What a sell offer's reserve account holds (the ledger agrees; 0 for buy offers)."""
        return self.remaining + self.fee_reserve if self.side == Side.SELL else 0

    @property
    def post_key(self) -> str:
        return offer_post_key(self.id)

    def changed(
        self, change: str, *, current_price: Decimal | None = None, takeable: bool | None = None,
        maker_name: str | None = None,
    ) -> events.OfferChanged:
        """The event of the offer's whole state after ``change`` (published, updated, ...)."""
        quantum = Fiat(self.fiat).quantum
        return events.OfferChanged(
            change=change, offer_id=self.id, maker_id=self.maker_id, side=self.side, asset=self.asset,
            fiat=self.fiat, price_type=self.price_type,
            price=self.price.quantize(quantum) if self.price is not None else None, margin_pct=self.margin_pct,
            amount=self.amount, remaining=self.remaining, min_fiat=self.min_fiat.quantize(quantum),
            max_fiat=self.max_fiat.quantize(quantum), payment_methods=tuple(self.payment_methods),
            payment_note=self.payment_note, payment_window=self.payment_window, status=self.status,
            current_price=current_price, takeable=takeable, maker_name=maker_name,
        )  # fmt: skip


class Trade(Base):
    __tablename__ = "trades"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    offer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("offers.id"))
    offer_side: Mapped[str] = mapped_column(String(4))
    maker_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    taker_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    seller_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    buyer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    asset: Mapped[str] = mapped_column(String(8))
    fiat: Mapped[str] = mapped_column(String(8))
    price: Mapped[Decimal] = mapped_column(PRICE)
    fiat_amount: Mapped[Decimal] = mapped_column(PRICE)  # what the buyer pays, exactly
    crypto_amount: Mapped[int] = mapped_column(BigInteger)  # what the fiat buys (rounded down)
    seller_fee: Mapped[int] = mapped_column(BigInteger)  # locked in escrow on top of crypto_amount
    buyer_fee: Mapped[int] = mapped_column(BigInteger)  # deducted from what the buyer receives
    escrow_source: Mapped[str] = mapped_column(String(10))  # "reserve" | "available"
    payment_method: Mapped[str | None] = mapped_column(String(16))
    # The seller's account the buyer pays to (chosen at take, or by the buyer when several fit)
    # and the buyer's account they declared paying from (at "I have paid").
    seller_account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("payment_accounts.id"))
    buyer_account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("payment_accounts.id"))
    # The payer's account holder against the buyer's verified name: match | mismatch | unverified.
    # A mismatch warns the seller before release and flags the trade for admins.
    payer_name_check: Mapped[str | None] = mapped_column(String(10))
    payment_window: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=TradeStatus.AWAITING_PAYMENT)
    # Who ended it: completed by "seller" | "dispute"; cancelled by "buyer" | "expired" | "dispute".
    close_reason: Mapped[str | None] = mapped_column(String(16))
    receipt_file_id: Mapped[str | None] = mapped_column(String(256))
    receipt_file_unique_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    disputed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "status IN ('awaiting_payment', 'paid', 'completed', 'cancelled', 'disputed')", name="status"
        ),
        CheckConstraint(
            "crypto_amount > 0 AND seller_fee >= 0 AND buyer_fee >= 0 AND buyer_fee < crypto_amount",
            name="amounts",
        ),
        CheckConstraint("seller_id <> buyer_id", name="parties"),
        Index("ix_trades_status_expires_at", "status", "expires_at"),
        Index("ix_trades_seller_id", "seller_id"),
        Index("ix_trades_buyer_id", "buyer_id"),
        Index("ix_trades_offer_id", "offer_id"),
        # the reports read completed trades and new ones by time (migration 0020_reports)
        Index("ix_trades_completed_at", "completed_at", postgresql_where=sql_text("completed_at IS NOT NULL")),
        Index("ix_trades_created_at", "created_at"),
    )

    @property
    def escrow_amount(self) -> int:
        """What the trade's escrow account holds while the trade is open."""
        return self.crypto_amount + self.seller_fee

    @property
    def buyer_receives(self) -> int:
        return self.crypto_amount - self.buyer_fee

    @property
    def fee_total(self) -> int:
        return self.seller_fee + self.buyer_fee

    def party_ids(self) -> tuple[int, int]:
        return self.seller_id, self.buyer_id

    def counterpart(self, user_id: int) -> int:
        return self.buyer_id if user_id == self.seller_id else self.seller_id

    def deal(self) -> events.Deal:
        """The public facts of the trade (the payments channel: nothing about the parties)."""
        quantum = Fiat(self.fiat).quantum
        return events.Deal(
            trade_id=self.id, asset=self.asset, crypto_amount=self.crypto_amount, fiat=self.fiat,
            fiat_amount=self.fiat_amount.quantize(quantum), price=self.price.quantize(quantum),
            payment_method=self.payment_method,
        )  # fmt: skip

    def facts(self) -> events.TradeFacts:
        """The trade as its parties see it, for events (the parties' ids, no other personal data)."""
        deal = self.deal()
        return events.TradeFacts(
            trade_id=deal.trade_id, asset=deal.asset, crypto_amount=deal.crypto_amount, fiat=deal.fiat,
            fiat_amount=deal.fiat_amount, price=deal.price, payment_method=deal.payment_method,
            offer_id=self.offer_id, seller_id=self.seller_id, buyer_id=self.buyer_id, seller_fee=self.seller_fee,
            buyer_fee=self.buyer_fee, status=self.status, expires_at=self.expires_at,
        )  # fmt: skip

    @property
    def payer_flagged(self) -> bool:
        """The buyer paid from an account in another person's name."""
        return self.payer_name_check == "mismatch"


class TradeEvent(Base):
    """The timeline of a trade (the admin screen reads it)."""

    __tablename__ = "trade_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    trade_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("trades.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the system (expiry, escalation)
    status: Mapped[str] = mapped_column(String(20))  # the trade's status after the event
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()


class TradeMessage(Base):
    """Chat evidence: every message relayed between the parties of a trade."""

    __tablename__ = "trade_messages"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    trade_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("trades.id"), index=True)
    sender_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))  # text | photo | document | receipt
    text: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(256))
    file_unique_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reused: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = created_at_column()


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    trade_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("trades.id"), unique=True)
    opened_by: Mapped[int | None] = mapped_column(BigInteger)  # None: escalated by the system
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = created_at_column()
    owner_id: Mapped[int | None] = mapped_column(BigInteger)  # the moderator handling it
    claimed_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(8))  # release | refund
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)
    resolved_at: Mapped[datetime | None]
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    # Deadlines (issue 22): each party's time to state their side (disputes.deadlines); one
    # reminder each; ``overdue_at`` once the deadlines passed and were checked, ``silent`` who had
    # not answered then (buyer | seller | both; None: both answered).
    buyer_due_at: Mapped[datetime | None]
    seller_due_at: Mapped[datetime | None]
    buyer_reminded_at: Mapped[datetime | None]
    seller_reminded_at: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]
    silent: Mapped[str | None] = mapped_column(String(8))

    __table_args__ = (
        CheckConstraint("resolution IS NULL OR resolution IN ('release', 'refund')", name="res"),
        Index("ix_disputes_open_due", "overdue_at", postgresql_where=sql_text("resolution IS NULL")),
    )

    def due_at(self, role: str) -> datetime | None:
        return self.buyer_due_at if role == "buyer" else self.seller_due_at


class TrustedTrader(Base):
    """A trader ``user_id`` added to their trusted list by nickname (traders they completed a trade
    with are trusted without a row)."""

    __tablename__ = "trusted_traders"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    trusted_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = created_at_column()


class PrivateOfferVisit(Base):
    """A trader who opened a private offer through its link: they, and only they (and its maker),
    may take it (core.escrow.trust)."""

    __tablename__ = "private_offer_visits"

    offer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("offers.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = created_at_column()


class DisputeReport(Base):
    """A month whose dispute statistics were posted to the payments channel (once each)."""

    __tablename__ = "dispute_reports"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    posted_at: Mapped[datetime] = created_at_column()


class DisputeStatement(Base):
    __tablename__ = "dispute_statements"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dispute_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("disputes.id"), index=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = created_at_column()


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    trade_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("trades.id"))
    from_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    to_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)
    positive: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (UniqueConstraint("trade_id", "from_id", name="uq_feedback_trade_id_from_id"),)


class Block(Base):
    __tablename__ = "user_blocks"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("user_id <> blocked_id", name="not_self"),
        Index("ix_user_blocks_blocked_id", "blocked_id"),
    )



class RiskHold(Base):
    """Coins a new or unverified buyer received in a trade: they may be sold on, but neither
    withdrawn nor transferred before ``until`` (core.escrow.holds). Migration 0012_risk_holds.
    No foreign key to users: inserting one would take a key-share lock on the buyer's row while
    a withdrawal of theirs may hold it for update (and wait for the balance this release moved)."""

    __tablename__ = "risk_holds"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    trade_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("trades.id"), unique=True)
    asset: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    until: Mapped[datetime]
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_risk_holds_user_id_until", "user_id", "until"),
    )


class Appeal(Base):
    """A party's appeal after a trade ended (completed or cancelled; core.escrow.appeals): a
    chargeback, a frozen wallet account, paid but cancelled. Admins may hold up to the trade's
    amount of the counterpart's balance (a risk hold of kind "appeal") once a second admin
    approves (core.admin.appeals): while ``status`` is "held", core.escrow.holds refuses withdrawals
    and transfers of the counterpart's ``hold_amount`` of ``hold_asset``; closing lets it go."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    trade_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("trades.id"))
    appellant_id: Mapped[int] = mapped_column(BigInteger)
    counterpart_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(256))  # the evidence (a photo)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    hold_amount: Mapped[int | None] = mapped_column(BigInteger)  # micro units of the trade's asset
    hold_asset: Mapped[str | None] = mapped_column(String(8))
    hold_requested_by: Mapped[int | None] = mapped_column(BigInteger)
    hold_approved_by: Mapped[int | None] = mapped_column(BigInteger)
    closed_by: Mapped[int | None] = mapped_column(BigInteger)
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    closed_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("trade_id", "appellant_id", name="uq_appeals_trade_id"),
        CheckConstraint("status IN ('open', 'hold_requested', 'held', 'closed')", name="status"),
        CheckConstraint("hold_amount IS NULL OR hold_amount > 0", name="hold_amount"),
        Index("ix_appeals_counterpart_held", "counterpart_id", postgresql_where=sql_text("status = 'held'")),
    )
