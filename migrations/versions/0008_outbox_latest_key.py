"""outbox: latest_key, so that only the newest state of a channel post is delivered

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("latest_key", sa.String(64), nullable=True))
    op.create_index(
        "ix_outbox_latest", "outbox", ["recipient", "latest_key", "id"],
        postgresql_where=sa.text("latest_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_latest", table_name="outbox")
    op.drop_column("outbox", "latest_key")
