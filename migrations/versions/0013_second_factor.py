"""second factor: one-time-code secrets (sealed), recovery codes (hashed), anti-phishing phrases

Revision ID: 0013_second_factor
Revises: 0005
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_second_factor"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "second_factors",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("enabled_at", sa.DateTime(timezone=True)),
        sa.Column("last_step", sa.BigInteger()),
        sa.Column("failures", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("off_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_second_factors"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_second_factors_user_id_users"),
    )
    op.create_table(
        "second_factor_recovery_codes",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("user_id", "code_hash", name="pk_second_factor_recovery_codes"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_second_factor_recovery_codes_user_id_users"),
    )
    op.create_table(
        "anti_phishing_codes",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("phrase", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_anti_phishing_codes"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_anti_phishing_codes_user_id_users"),
    )


def downgrade() -> None:
    op.drop_table("anti_phishing_codes")
    op.drop_table("second_factor_recovery_codes")
    op.drop_table("second_factors")
