"""balance_adjustments: an admin's adjustment above the limit waits for a second admin

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "balance_adjustments",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("request_key", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("decided_by", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_balance_adjustments"),
        sa.UniqueConstraint("request_key", name="uq_balance_adjustments_request_key"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_balance_adjustments_user_id_users"),
        sa.CheckConstraint("status IN ('pending', 'applied', 'rejected')", name="ck_balance_adjustments_status"),
        sa.CheckConstraint("amount <> 0", name="ck_balance_adjustments_amount"),
    )
    op.create_index("ix_balance_adjustments_user_id", "balance_adjustments", ["user_id"])


def downgrade() -> None:
    op.drop_table("balance_adjustments")
