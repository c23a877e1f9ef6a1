"""wallet: deposit addresses, deposits, scanner cursor, withdrawals, approvals, whitelist, sweeps

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _user_fk(table: str) -> sa.Column:
    return sa.Column(
        "user_id", sa.BigInteger(), sa.ForeignKey("users.id", name=f"fk_{table}_user_id_users"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "wallet_deposit_addresses",
        sa.Column(
            "user_id", sa.BigInteger(),
            sa.ForeignKey("users.id", name="fk_wallet_deposit_addresses_user_id_users"), nullable=False,
        ),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(34), nullable=False),
        sa.Column("body", sa.LargeBinary(20), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("user_id", name="pk_wallet_deposit_addresses"),
        sa.UniqueConstraint("idx", name="uq_wallet_deposit_addresses_idx"),
        sa.UniqueConstraint("address", name="uq_wallet_deposit_addresses_address"),
        sa.UniqueConstraint("body", name="uq_wallet_deposit_addresses_body"),
        sa.CheckConstraint("idx >= 0", name="ck_wallet_deposit_addresses_idx_positive"),
    )
    op.create_table(
        "wallet_deposits",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("txid", sa.String(64), nullable=False),
        sa.Column("event_index", sa.Integer(), nullable=False),
        _user_fk("wallet_deposits"),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(34), nullable=False),
        sa.Column("sender", sa.String(34)),
        sa.Column("block_num", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("swept", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_deposits"),
        sa.UniqueConstraint("txid", "event_index", name="uq_wallet_deposits_txid"),
        sa.CheckConstraint("amount > 0", name="ck_wallet_deposits_amount_positive"),
    )
    op.create_index(
        "ix_wallet_deposits_pending", "wallet_deposits", ["block_num"],
        postgresql_where=sa.text("status = 'detected'"),
    )
    op.create_index("ix_wallet_deposits_user_id", "wallet_deposits", ["user_id"])
    op.create_table(
        "wallet_scanner_cursor",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("next_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_wallet_scanner_cursor"),
    )
    op.create_table(
        "wallet_scanned_blocks",
        sa.Column("num", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("num", name="pk_wallet_scanned_blocks"),
    )
    op.create_table(
        "wallet_withdrawals",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        _user_fk("wallet_withdrawals"),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("to_address", sa.String(34), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("approvals_needed", sa.Integer(), nullable=False),
        sa.Column("txid", sa.String(64)),
        sa.Column("signed_tx", postgresql.JSONB()),
        sa.Column("expires_at_ms", sa.BigInteger()),
        sa.Column("block_num", sa.BigInteger()),
        sa.Column("network_cost_sun", sa.BigInteger()),
        sa.Column("error", sa.Text()),
        sa.Column("client_key", sa.String(64)),
        _created(),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_withdrawals"),
        sa.UniqueConstraint("txid", name="uq_wallet_withdrawals_txid"),
        sa.UniqueConstraint("user_id", "client_key", name="uq_wallet_withdrawals_user_id"),
        sa.CheckConstraint("amount > 0 AND fee >= 0", name="ck_wallet_withdrawals_amounts"),
    )
    op.create_index("ix_wallet_withdrawals_user_created", "wallet_withdrawals", ["user_id", "created_at"])
    op.create_index(
        "ix_wallet_withdrawals_open", "wallet_withdrawals", ["status"],
        postgresql_where=sa.text("status IN ('approved', 'signed', 'broadcast', 'awaiting_approval')"),
    )
    op.create_table(
        "wallet_withdrawal_approvals",
        sa.Column(
            "withdrawal_id", sa.BigInteger(),
            sa.ForeignKey("wallet_withdrawals.id", name="fk_wallet_withdrawal_approvals_withdrawal_id_wallet_withdrawals"),
            nullable=False,
        ),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("withdrawal_id", "admin_id", name="pk_wallet_withdrawal_approvals"),
    )
    op.create_table(
        "wallet_whitelist",
        _user_fk("wallet_whitelist"),
        sa.Column("address", sa.String(34), nullable=False),
        sa.Column("usable_after", sa.DateTime(timezone=True), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("user_id", "address", name="pk_wallet_whitelist"),
    )
    op.create_table(
        "wallet_prefs",
        _user_fk("wallet_prefs"),
        sa.Column("whitelist_only", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("whitelist_off_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("user_id", name="pk_wallet_prefs"),
    )
    op.create_table(
        "wallet_sweeps",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        _user_fk("wallet_sweeps"),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("upto_deposit_id", sa.BigInteger(), nullable=False),
        sa.Column("gas_txid", sa.String(64)),
        sa.Column("txid", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_sweeps"),
    )


def downgrade() -> None:
    op.drop_table("wallet_sweeps")
    op.drop_table("wallet_prefs")
    op.drop_table("wallet_whitelist")
    op.drop_table("wallet_withdrawal_approvals")
    op.drop_index("ix_wallet_withdrawals_open", table_name="wallet_withdrawals")
    op.drop_index("ix_wallet_withdrawals_user_created", table_name="wallet_withdrawals")
    op.drop_table("wallet_withdrawals")
    op.drop_table("wallet_scanned_blocks")
    op.drop_table("wallet_scanner_cursor")
    op.drop_index("ix_wallet_deposits_user_id", table_name="wallet_deposits")
    op.drop_index("ix_wallet_deposits_pending", table_name="wallet_deposits")
    op.drop_table("wallet_deposits")
    op.drop_table("wallet_deposit_addresses")
