"""proof of reserves: snapshots, their trees (levels and leaves) and the addresses counted

Revision ID: 0016_reserves
Revises: 0015_market_pair
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0016_reserves"
down_revision = "0015_market_pair"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reserve_snapshots",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("root", sa.LargeBinary(32)),
        sa.Column("assets", ARRAY(sa.String(8)), nullable=False),
        sa.Column("owed", ARRAY(sa.BigInteger), nullable=False),
        sa.Column("users", sa.Integer, nullable=False),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("platform", JSONB, nullable=False),
        sa.Column("block", sa.BigInteger),
        sa.Column("held", ARRAY(sa.BigInteger)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "reserve_leaves",
        sa.Column("snapshot_id", sa.BigInteger, sa.ForeignKey("reserve_snapshots.id"), primary_key=True),
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("nonce", sa.LargeBinary(32), nullable=False),
        sa.Column("amounts", ARRAY(sa.BigInteger), nullable=False),
    )
    op.create_table(
        "reserve_levels",
        sa.Column("snapshot_id", sa.BigInteger, sa.ForeignKey("reserve_snapshots.id"), primary_key=True),
        sa.Column("level", sa.Integer, primary_key=True),
        sa.Column("records", sa.LargeBinary, nullable=False),
    )
    # Uncompressed out-of-line storage: a proof reads one sibling per level with substring().
    op.execute("ALTER TABLE reserve_levels ALTER COLUMN records SET STORAGE EXTERNAL")
    op.create_table(
        "reserve_addresses",
        sa.Column("snapshot_id", sa.BigInteger, sa.ForeignKey("reserve_snapshots.id"), primary_key=True),
        sa.Column("address", sa.String(34), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("balances", JSONB, nullable=False),
        sa.Column("signature", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reserve_addresses")
    op.drop_table("reserve_levels")
    op.drop_table("reserve_leaves")
    op.drop_table("reserve_snapshots")
