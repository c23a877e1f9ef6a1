"""accounts: verified phones, KYC requests, premium reminders

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=f"fk_{table}_user_id_users")


def upgrade() -> None:
    op.create_table(
        "verified_phones",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_verified_phones"),
        _user_fk("verified_phones"),
    )
    op.create_table(
        "kyc_requests",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("storage_key", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("reviewed_by", sa.BigInteger()),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.Text()),
        sa.Column("files_deleted_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_kyc_requests"),
        sa.UniqueConstraint("storage_key", name="uq_kyc_requests_storage_key"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="ck_kyc_requests_status"),
        _user_fk("kyc_requests"),
    )
    op.create_index("ix_kyc_requests_user_id", "kyc_requests", ["user_id"])
    op.create_index(
        "uq_kyc_requests_pending_user", "kyc_requests", ["user_id"], unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "premium_reminders",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "until", name="pk_premium_reminders"),
        _user_fk("premium_reminders"),
    )


def downgrade() -> None:
    op.drop_table("premium_reminders")
    op.drop_index("uq_kyc_requests_pending_user", table_name="kyc_requests")
    op.drop_index("ix_kyc_requests_user_id", table_name="kyc_requests")
    op.drop_table("kyc_requests")
    op.drop_table("verified_phones")
