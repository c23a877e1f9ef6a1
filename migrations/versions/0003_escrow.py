"""escrow: market settings, offers, trades, timeline, chat evidence, disputes, feedback, blocks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PRICE = sa.Numeric(20, 2)
PCT = sa.Numeric(7, 3)


def _now() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _user_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users")


def upgrade() -> None:
    op.create_table(
        "market_rates",
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("fiat", sa.String(8), nullable=False),
        sa.Column("rate", PRICE, nullable=False),
        sa.Column("updated_by", sa.BigInteger()),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("asset", "fiat", name="pk_market_rates"),
        sa.CheckConstraint("rate > 0", name="ck_market_rates_positive"),
    )
    op.create_table(
        "market_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.BigInteger()),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_market_settings"),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("maker_id", sa.BigInteger(), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("fiat", sa.String(8), nullable=False),
        sa.Column("price_type", sa.String(8), nullable=False),
        sa.Column("price", PRICE),
        sa.Column("margin_pct", PCT),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("fee_reserve", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("maker_fee_pct", PCT, nullable=False),
        sa.Column("min_fiat", PRICE, nullable=False),
        sa.Column("max_fiat", PRICE, nullable=False),
        sa.Column("payment_methods", postgresql.ARRAY(sa.String(16)), nullable=False),
        sa.Column("payment_note", sa.String(100)),
        sa.Column("payment_window", sa.Integer(), nullable=False),
        sa.Column("terms", sa.String(500)),
        sa.Column("min_trades", sa.Integer(), server_default="0", nullable=False),
        sa.Column("min_account_age_days", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("is_promoted", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("reserve_seq", sa.Integer(), server_default="0", nullable=False),
        _now(),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_offers"),
        _user_fk("maker_id", "offers"),
        sa.CheckConstraint("side IN ('sell', 'buy')", name="ck_offers_side"),
        sa.CheckConstraint("status IN ('active', 'paused', 'closed')", name="ck_offers_status"),
        sa.CheckConstraint(
            "(price_type = 'fixed' AND price > 0) OR (price_type = 'floating' AND margin_pct IS NOT NULL)",
            name="ck_offers_price",
        ),
        sa.CheckConstraint("remaining >= 0 AND remaining <= amount AND fee_reserve >= 0", name="ck_offers_amounts"),
        sa.CheckConstraint("min_fiat > 0 AND max_fiat >= min_fiat", name="ck_offers_limits"),
        sa.CheckConstraint("payment_window IN (15, 30, 45, 60)", name="ck_offers_window"),
    )
    op.create_index("ix_offers_browse", "offers", ["side", "asset", "fiat", "status"])
    op.create_index("ix_offers_maker_id", "offers", ["maker_id"])

    op.create_table(
        "trades",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("offer_id", sa.BigInteger(), nullable=False),
        sa.Column("offer_side", sa.String(4), nullable=False),
        sa.Column("maker_id", sa.BigInteger(), nullable=False),
        sa.Column("taker_id", sa.BigInteger(), nullable=False),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("fiat", sa.String(8), nullable=False),
        sa.Column("price", PRICE, nullable=False),
        sa.Column("fiat_amount", PRICE, nullable=False),
        sa.Column("crypto_amount", sa.BigInteger(), nullable=False),
        sa.Column("seller_fee", sa.BigInteger(), nullable=False),
        sa.Column("buyer_fee", sa.BigInteger(), nullable=False),
        sa.Column("escrow_source", sa.String(10), nullable=False),
        sa.Column("payment_method", sa.String(16)),
        sa.Column("payment_window", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("close_reason", sa.String(16)),
        sa.Column("receipt_file_id", sa.String(256)),
        sa.Column("receipt_file_unique_id", sa.String(64)),
        _now(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.Column("disputed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_trades"),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name="fk_trades_offer_id_offers"),
        _user_fk("maker_id", "trades"),
        _user_fk("taker_id", "trades"),
        _user_fk("seller_id", "trades"),
        _user_fk("buyer_id", "trades"),
        sa.CheckConstraint(
            "status IN ('awaiting_payment', 'paid', 'completed', 'cancelled', 'disputed')", name="ck_trades_status"
        ),
        sa.CheckConstraint(
            "crypto_amount > 0 AND seller_fee >= 0 AND buyer_fee >= 0 AND buyer_fee < crypto_amount",
            name="ck_trades_amounts",
        ),
        sa.CheckConstraint("seller_id <> buyer_id", name="ck_trades_parties"),
    )
    op.create_index("ix_trades_status_expires_at", "trades", ["status", "expires_at"])
    op.create_index("ix_trades_seller_id", "trades", ["seller_id"])
    op.create_index("ix_trades_buyer_id", "trades", ["buyer_id"])
    op.create_index("ix_trades_offer_id", "trades", ["offer_id"])

    op.create_table(
        "trade_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("trade_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.BigInteger()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("data", postgresql.JSONB(), server_default="{}", nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("id", name="pk_trade_events"),
        sa.ForeignKeyConstraint(["trade_id"], ["trades.id"], name="fk_trade_events_trade_id_trades"),
    )
    op.create_index("ix_trade_events_trade_id", "trade_events", ["trade_id"])

    op.create_table(
        "trade_messages",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("trade_id", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("file_id", sa.String(256)),
        sa.Column("file_unique_id", sa.String(64)),
        sa.Column("reused", sa.Boolean(), server_default="false", nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("id", name="pk_trade_messages"),
        sa.ForeignKeyConstraint(["trade_id"], ["trades.id"], name="fk_trade_messages_trade_id_trades"),
    )
    op.create_index("ix_trade_messages_trade_id", "trade_messages", ["trade_id"])
    op.create_index("ix_trade_messages_file_unique_id", "trade_messages", ["file_unique_id"])

    op.create_table(
        "disputes",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("trade_id", sa.BigInteger(), nullable=False),
        sa.Column("opened_by", sa.BigInteger()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("owner_id", sa.BigInteger()),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("resolution", sa.String(8)),
        sa.Column("resolved_by", sa.BigInteger()),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolution_reason", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_disputes"),
        sa.ForeignKeyConstraint(["trade_id"], ["trades.id"], name="fk_disputes_trade_id_trades"),
        sa.UniqueConstraint("trade_id", name="uq_disputes_trade_id"),
        sa.CheckConstraint("resolution IS NULL OR resolution IN ('release', 'refund')", name="ck_disputes_res"),
    )
    op.create_table(
        "dispute_statements",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("dispute_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("file_id", sa.String(256)),
        _now(),
        sa.PrimaryKeyConstraint("id", name="pk_dispute_statements"),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"], name="fk_dispute_statements_dispute_id_disputes"),
    )
    op.create_index("ix_dispute_statements_dispute_id", "dispute_statements", ["dispute_id"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("trade_id", sa.BigInteger(), nullable=False),
        sa.Column("from_id", sa.BigInteger(), nullable=False),
        sa.Column("to_id", sa.BigInteger(), nullable=False),
        sa.Column("positive", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(200)),
        _now(),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.ForeignKeyConstraint(["trade_id"], ["trades.id"], name="fk_feedback_trade_id_trades"),
        _user_fk("from_id", "feedback"),
        _user_fk("to_id", "feedback"),
        sa.UniqueConstraint("trade_id", "from_id", name="uq_feedback_trade_id_from_id"),
    )
    op.create_index("ix_feedback_to_id", "feedback", ["to_id"])

    op.create_table(
        "user_blocks",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("blocked_id", sa.BigInteger(), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("user_id", "blocked_id", name="pk_user_blocks"),
        _user_fk("user_id", "user_blocks"),
        _user_fk("blocked_id", "user_blocks"),
        sa.CheckConstraint("user_id <> blocked_id", name="ck_user_blocks_not_self"),
    )
    op.create_index("ix_user_blocks_blocked_id", "user_blocks", ["blocked_id"])


def downgrade() -> None:
    for table in (
        "user_blocks",
        "feedback",
        "dispute_statements",
        "disputes",
        "trade_messages",
        "trade_events",
        "trades",
        "offers",
        "market_settings",
        "market_rates",
    ):
        op.drop_table(table)
