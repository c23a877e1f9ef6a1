"""the market (asset and currency) a trader last looked at: the market list and express
trades open on it

Revision ID: 0015_market_pair
Revises: 0014_payment_accounts
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_market_pair"
down_revision = "0014_payment_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("market_pair", sa.String(16)))


def downgrade() -> None:
    op.drop_column("users", "market_pair")
