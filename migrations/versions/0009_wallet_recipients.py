"""wallet: saved recipients of internal transfers; sweeps found by their gas txid

Revision ID: 0009_wallet
Revises: 0004
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_wallet"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wallet_whitelist_recipients",
        sa.Column(
            "user_id", sa.BigInteger(),
            sa.ForeignKey("users.id", name="fk_wallet_whitelist_recipients_user_id_users"), nullable=False,
        ),
        sa.Column(
            "recipient_id", sa.BigInteger(),
            sa.ForeignKey("users.id", name="fk_wallet_whitelist_recipients_recipient_id_users"), nullable=False,
        ),
        sa.Column("usable_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "recipient_id", name="pk_wallet_whitelist_recipients"),
    )
    op.create_index("ix_wallet_sweeps_gas_txid", "wallet_sweeps", ["gas_txid"])


def downgrade() -> None:
    op.drop_index("ix_wallet_sweeps_gas_txid", table_name="wallet_sweeps")
    op.drop_table("wallet_whitelist_recipients")
