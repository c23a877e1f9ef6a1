"""sweeps: the TRX sent to a deposit address as gas for its USDT sweep (burned by that transfer),
so the revenue report counts what sweeping cost

Revision ID: 0021_sweep_gas
Revises: 0011_cold_wallet
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_sweep_gas"
down_revision = "0011_cold_wallet"  # the wallet branch (wallet_sweeps is created in 0004)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("wallet_sweeps", sa.Column("gas_sun", sa.BigInteger))


def downgrade() -> None:
    op.drop_column("wallet_sweeps", "gas_sun")
