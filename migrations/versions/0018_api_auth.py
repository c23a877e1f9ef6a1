"""the REST API: refresh tokens (rotated within a family, a reused one revokes the family) and
idempotency keys of the calls that move money

Revision ID: 0018_api_auth
Revises: 0017_protection
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_api_auth"
down_revision = "0017_protection"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_refresh_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("family", sa.String(32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("token_hash", name="pk_api_refresh_tokens"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_refresh_tokens_user_id_users"),
    )
    op.create_index("ix_api_refresh_tokens_family", "api_refresh_tokens", ["family"])
    op.create_table(
        "api_idempotency_keys",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer()),
        sa.Column("body", postgresql.JSONB()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key", name="pk_api_idempotency_keys"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_idempotency_keys_user_id_users"),
    )


def downgrade() -> None:
    op.drop_table("api_idempotency_keys")
    op.drop_index("ix_api_refresh_tokens_family", table_name="api_refresh_tokens")
    op.drop_table("api_refresh_tokens")
