"""risk_holds: coins a new or unverified buyer received in a trade cannot leave for a while

Revision ID: 0012_risk_holds
Revises: 0010
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_risk_holds"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_holds",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("trade_id", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_holds"),
        sa.UniqueConstraint("trade_id", name="uq_risk_holds_trade_id"),
        sa.ForeignKeyConstraint(["trade_id"], ["trades.id"], name="fk_risk_holds_trade_id_trades"),
        sa.CheckConstraint("amount > 0", name="ck_risk_holds_amount"),
    )
    op.create_index("ix_risk_holds_user_id_until", "risk_holds", ["user_id", "until"])


def downgrade() -> None:
    op.drop_table("risk_holds")
