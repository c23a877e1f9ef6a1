"""trader protection (issue 22): dispute deadlines per party, reminders and the "did not answer"
flag; the months whose dispute statistics were posted; private and trusted-only offers, and each
trader's trusted list; away and business hours, offers' auto-replies; the reference rate from the market (the admin's rate
kept as the fallback, pinning, the stale alert); appeals after a trade's end (with the hold on
the counterpart's balance they may carry)

Revision ID: 0017_protection
Revises: 0016_reserves
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_protection"
down_revision = "0016_reserves"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    for column in ("buyer_due_at", "seller_due_at", "buyer_reminded_at", "seller_reminded_at", "overdue_at"):
        op.add_column("disputes", sa.Column(column, TZ))
    op.add_column("disputes", sa.Column("silent", sa.String(8)))  # buyer | seller | both
    op.create_index("ix_disputes_open_due", "disputes", ["overdue_at"], postgresql_where=sa.text("resolution IS NULL"))
    op.create_table(
        "dispute_reports",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("posted_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.add_column("offers", sa.Column("visibility", sa.String(8), server_default="public", nullable=False))
    op.add_column("offers", sa.Column("link_token", sa.String(24)))
    op.create_check_constraint(op.f("ck_offers_visibility"), "offers", "visibility IN ('public', 'private', 'trusted')")
    op.create_unique_constraint(op.f("uq_offers_link_token"), "offers", ["link_token"])
    op.add_column("offers", sa.Column("auto_reply", sa.Text))
    op.add_column("market_rates", sa.Column("admin_rate", sa.Numeric(20, 2)))
    op.execute("UPDATE market_rates SET admin_rate = rate")
    op.add_column("market_rates", sa.Column("pinned", sa.Boolean, server_default="false", nullable=False))
    op.add_column("market_rates", sa.Column("source", sa.String(8), server_default="admin", nullable=False))
    op.add_column("market_rates", sa.Column("stale_alerted_at", TZ))
    op.add_column("users", sa.Column("away_until", TZ))
    op.add_column("users", sa.Column("open_from", sa.SmallInteger))
    op.add_column("users", sa.Column("open_to", sa.SmallInteger))
    op.create_table(
        "appeals",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("trade_id", sa.BigInteger, sa.ForeignKey("trades.id"), nullable=False),
        sa.Column("appellant_id", sa.BigInteger, nullable=False),
        sa.Column("counterpart_id", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("file_id", sa.String(256)),
        sa.Column("status", sa.String(16), server_default="open", nullable=False),
        sa.Column("hold_amount", sa.BigInteger),
        sa.Column("hold_asset", sa.String(8)),
        sa.Column("hold_requested_by", sa.BigInteger),
        sa.Column("hold_approved_by", sa.BigInteger),
        sa.Column("closed_by", sa.BigInteger),
        sa.Column("resolution", sa.Text),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("closed_at", TZ),
        sa.UniqueConstraint("trade_id", "appellant_id", name="uq_appeals_trade_id"),
        sa.CheckConstraint("status IN ('open', 'hold_requested', 'held', 'closed')", name="ck_appeals_status"),
        sa.Index("ix_appeals_counterpart_held", "counterpart_id", postgresql_where=sa.text("status = 'held'")),
        sa.CheckConstraint("hold_amount IS NULL OR hold_amount > 0", name="ck_appeals_hold_amount"),
    )
    op.create_table(
        "private_offer_visits",  # who opened a private offer through its link (they may take it)
        sa.Column("offer_id", sa.BigInteger, sa.ForeignKey("offers.id"), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "trusted_traders",
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("trusted_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trusted_traders")
    op.drop_table("private_offer_visits")
    op.drop_table("appeals")
    for column in ("open_to", "open_from", "away_until"):
        op.drop_column("users", column)
    op.drop_column("offers", "auto_reply")
    for column in ("stale_alerted_at", "source", "pinned", "admin_rate"):
        op.drop_column("market_rates", column)
    op.drop_constraint(op.f("uq_offers_link_token"), "offers")
    op.drop_constraint(op.f("ck_offers_visibility"), "offers")
    op.drop_column("offers", "link_token")
    op.drop_column("offers", "visibility")
    op.drop_table("dispute_reports")
    op.drop_index("ix_disputes_open_due", "disputes")
    for column in ("silent", "overdue_at", "seller_reminded_at", "buyer_reminded_at", "seller_due_at", "buyer_due_at"):
        op.drop_column("disputes", column)
