"""cold_wallet: moves between the hot wallet and cold storage (out: the excess; in: refills)

Revision ID: 0011_cold_wallet
Revises: 0009_wallet
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_cold_wallet"
down_revision = "0009_wallet"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wallet_cold_transfers",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("from_address", sa.String(34), nullable=False),
        sa.Column("to_address", sa.String(34), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("txid", sa.String(64)),
        sa.Column("unsigned_tx", postgresql.JSONB()),
        sa.Column("signed_tx", postgresql.JSONB()),
        sa.Column("expires_at_ms", sa.BigInteger()),
        sa.Column("block_num", sa.BigInteger()),
        sa.Column("network_cost_sun", sa.BigInteger()),
        sa.Column("admin_id", sa.BigInteger()),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_cold_transfers"),
        sa.UniqueConstraint("txid", name="uq_wallet_cold_transfers_txid"),
        sa.CheckConstraint("amount > 0", name="ck_wallet_cold_transfers_amount_positive"),
        sa.CheckConstraint("direction IN ('out', 'in')", name="ck_wallet_cold_transfers_direction"),
    )
    op.create_index(
        "uq_wallet_cold_transfers_open", "wallet_cold_transfers", ["direction", "asset"], unique=True,
        postgresql_where=sa.text("status IN ('requested', 'unsigned', 'signed', 'broadcast')"),
    )


def downgrade() -> None:
    op.drop_index("uq_wallet_cold_transfers_open", table_name="wallet_cold_transfers")
    op.drop_table("wallet_cold_transfers")
