"""foundation: users and the outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(64)),
        sa.Column("first_name", sa.String(128), nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("kyc_level", sa.Integer(), server_default="0", nullable=False),
        sa.Column("tier", sa.String(16), server_default="basic", nullable=False),
        sa.Column("premium_until", sa.DateTime(timezone=True)),
        sa.Column("referral_code", sa.String(16), nullable=False),
        sa.Column("referred_by", sa.BigInteger(), sa.ForeignKey("users.id", name="fk_users_referred_by_users")),
        sa.Column("is_banned", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("bot_blocked", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("referral_code", name="uq_users_referral_code"),
        sa.CheckConstraint("referred_by IS NULL OR referred_by <> id", name="ck_users_no_self_referral"),
    )
    op.create_index("ix_users_username_lower", "users", [sa.text("lower(username)")])
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("failed_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index(
        "ix_outbox_pending", "outbox", ["available_at"],
        postgresql_where=sa.text("delivered_at IS NULL AND failed_at IS NULL"),
    )
    op.create_table(
        "channel_posts",
        sa.Column("post_key", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("post_key", "chat_id", name="pk_channel_posts"),
    )


def downgrade() -> None:
    op.drop_table("channel_posts")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_users_username_lower", table_name="users")
    op.drop_table("users")
