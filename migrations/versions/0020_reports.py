"""reports: daily holdings and reference rates, the weekly summaries posted, and the indexes a
month's report reads by (completed trades, ledger entries by kind and time)

Revision ID: 0020_reports
Revises: 0019_documents
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_reports"
down_revision = "0019_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_holdings_daily",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("asset", sa.String(8), primary_key=True),
        sa.Column("liabilities", sa.BigInteger, nullable=False),
        sa.Column("hot", sa.BigInteger),
        sa.Column("cold", sa.BigInteger),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "report_rates_daily",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("asset", sa.String(8), primary_key=True),
        sa.Column("fiat", sa.String(8), primary_key=True),
        sa.Column("rate", sa.Numeric(20, 2), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "report_summaries_posted",
        sa.Column("week", sa.Date, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index(
        "ix_trades_completed_at", "trades", ["completed_at"], postgresql_where=sa.text("completed_at IS NOT NULL")
    )
    op.create_index("ix_trades_created_at", "trades", ["created_at"])
    op.create_index("ix_ledger_entries_kind_created_at", "ledger_entries", ["kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_kind_created_at", table_name="ledger_entries")
    op.drop_index("ix_trades_created_at", table_name="trades")
    op.drop_index("ix_trades_completed_at", table_name="trades")
    op.drop_table("report_summaries_posted")
    op.drop_table("report_rates_daily")
    op.drop_table("report_holdings_daily")
